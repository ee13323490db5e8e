// gatekit's plugin class: its state and one member function per action. The
// actions live by area in gatekit_*.cpp; their payloads are documented at the
// top of gatekit.cpp.
#pragma once

#include "gatekit_json.h"

#include <wshost/gateway.hpp>
#include <wshost/plugin.hpp>

#include <cjson/cJSON.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gatekit
{

struct Event {
    uint64_t index;
    std::string kind; // joined | left | disconnected
    wsh_conn_id conn;
    std::string user;
    std::string room;
    int close_code; // disconnected only
};

struct Waiter {
    uint64_t since;
    std::string kind;
    wsh_conn_id conn; // 0: any
    std::string room; // empty: any
    wshost::Responder responder;
};

struct Hammer {
    uint64_t id = 0;
    unsigned threads = 0;
    uint64_t count = 0;
    std::unique_ptr<std::atomic<uint64_t>[]> progress;
    std::atomic<uint64_t> matched{0}, enqueued{0}, dropped{0}, failed{0};
    std::atomic<bool> done{false};
};

class Gatekit
{
  public:
    explicit Gatekit(wshost::InitContext &ctx);
    ~Gatekit();

  private:
    template <class Fn> void on(wshost::InitContext &ctx, const char *name, Fn fn);
    template <class Fn> Reply invoke(Fn fn, const Request &req, const cJSON *payload);
    void spawn(std::thread t);

    // connections (gatekit_connections.cpp)
    Reply whoami(const Request &req, const cJSON *);
    Reply send(const Request &req, const cJSON *payload);
    Reply set_user(const Request &req, const cJSON *payload);
    Reply tag(const Request &req, const cJSON *payload);
    Reply info(const Request &req, const cJSON *payload);
    // Like GatewayApi's collector, but the raw ABI call lets us see the status.
    static void collect(const wsh_conn_info *infos, size_t n, void *user_data) noexcept;
    std::optional<wshost::ConnInfo> conn_info(wsh_conn_id conn) const;

    // rooms (gatekit_rooms.cpp)
    Reply join_or_leave(const Request &req, const cJSON *payload, bool join);
    Reply join(const Request &req, const cJSON *payload);
    Reply leave(const Request &req, const cJSON *payload);
    Reply members(const Request &, const cJSON *payload);
    Reply count(const Request &, const cJSON *payload);

    // load from plugin threads (gatekit_load.cpp)
    Reply hammer(const Request &req, const cJSON *payload);
    Reply progress(const Request &, const cJSON *);
    Reply flood(const Request &req, const cJSON *payload);

    // hook events (gatekit_events.cpp)
    // Builds the gk_events answer; mu_ held.
    std::string events_answer(uint64_t since) const;
    Reply events(const Request &req, const cJSON *payload);
    void record(const char *kind, const wsh_event &ev);

    wshost::Host host_;
    wshost::GatewayApi gw_;

    std::mutex mu_; // guards everything below
    std::vector<std::thread> threads_;
    std::vector<Event> events_;
    std::vector<Waiter> waiters_;
    std::shared_ptr<Hammer> hammer_;
    uint64_t hammer_seq_ = 0;
    std::atomic<bool> stopping_{false};
};

} // namespace gatekit

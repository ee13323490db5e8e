// One-shot reply handles (DESIGN §4): every dispatched request owns an id until
// the plugin answers, the handler fails, or the action's timeout passes —
// whichever comes first. Ids are never reused, so a late or repeated answer
// finds nothing, is counted, and touches no freed memory.
#pragma once

#include <wshost/plugin.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wshost {

class Gateway;
class PluginSet;

class ReplyRegistry {
public:
    using Clock = std::chrono::steady_clock;

    explicit ReplyRegistry(Gateway *gateway) : gateway_(gateway) {}

    // Service thread, at dispatch. The reply keeps the plugin's generation
    // loaded until it is answered or expires.
    wsh_reply_id open(wsh_conn_id conn, std::string_view request_id_json, std::string_view action,
                      std::shared_ptr<PluginSet> set, int timeout_ms);

    // Any thread: the plugin's answers. WSH_OK, WSH_E_GONE or WSH_E_INVALID.
    int success(wsh_reply_id id, std::string_view payload_json);
    int error(wsh_reply_id id, std::string_view code, std::string_view message);
    int none(wsh_reply_id id);

    // The handler returned failure: answers handler_failed if still open.
    // Returns true when it did.
    bool fail(wsh_reply_id id);
    // Answers `code` (e.g. overloaded) if still open.
    bool fail_with(wsh_reply_id id, std::string_view code, std::string_view message);

    // Service thread: answers handler_timeout for every reply past its
    // deadline; returns the earliest remaining deadline.
    std::optional<Clock::time_point> expire(Clock::time_point now);
    std::optional<Clock::time_point> next_deadline() const;

    uint64_t late_replies() const;
    std::size_t open_count() const;

private:
    struct Pending {
        wsh_conn_id conn;
        std::string request_id_json;
        std::string action;      // for the metrics
        Clock::time_point start; // for the metrics
        std::shared_ptr<PluginSet> set;
        Clock::time_point deadline;
    };
    // Removes `id` and returns it, or nothing (and counts a late reply).
    std::optional<Pending> take(wsh_reply_id id, bool count_late);
    // Sends `response` (none when empty) and records the action's outcome.
    void finish(Pending &p, std::string_view response, std::string_view status);

    Gateway *gateway_;
    mutable std::mutex mu_;
    std::unordered_map<wsh_reply_id, Pending> pending_;
    std::set<std::pair<Clock::time_point, wsh_reply_id>> deadlines_;
    wsh_reply_id next_id_ = 1;
    uint64_t late_ = 0;
};

} // namespace wshost

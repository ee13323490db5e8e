// One connection to Redis on the service thread, through hiredis 0.14's async
// API (lws_redis_adapter.h), with what hiredis 0.14 lacks: a connect timeout,
// a command timeout, reconnection with backoff and jitter, and a bound on the
// output waiting to be written. Never blocks: connect() is non-blocking (IP
// literals and Unix sockets only, no name lookup); AUTH, SELECT and a PING are
// pipelined behind the connect, and their replies bring the link up.
//
// Commands are answered in order (RESP), so a command that is not answered
// within command_timeout means the connection is stuck (Redis busy, paused or
// gone without a FIN): the link is dropped, every pending command fails, and
// it reconnects. The subscriber's SUBSCRIBE/UNSUBSCRIBE confirmations are
// timed the same way (one channel per command, one confirmation each).
//
// Service thread only; a link must outlive nothing of lws: stop() it (or
// destroy it) before the lws context goes.
#pragma once

#include "cluster/backoff.h"
#include "cluster/redis_address.h"
#include "transport/service_loop.h"

#include <libwebsockets.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

struct redisAsyncContext;
struct redisReply;

namespace wshost::cluster
{

struct RedisLinkSettings {
    RedisAddress address;
    std::string password; // AUTH when non-empty (a password_file is read by the caller)
    int db = 0;           // SELECT when non-zero
    std::chrono::milliseconds connect_timeout{2000}; // until the link is up (TCP, AUTH, SELECT, PING)
    std::chrono::milliseconds command_timeout{2000}; // per command, until its reply
    std::chrono::milliseconds backoff_initial{100};
    std::chrono::milliseconds backoff_max{5000};
    std::size_t max_pending_bytes = 8u << 20; // hiredis's unwritten output; past it commands are refused
    std::string name = "redis";               // in log lines: "publisher", "subscriber"
    std::uint64_t jitter_seed = 0;            // 0: from std::random_device
};

struct RedisLinkStats {
    std::uint64_t connects = 0;         // links that came up
    std::uint64_t connect_failures = 0; // refused, timed out, AUTH/SELECT errors
    std::uint64_t auth_failures = 0;
    std::uint64_t disconnects = 0;  // up links lost
    std::uint64_t timeouts = 0;     // commands (or connects) past their timeout
    std::uint64_t refused_down = 0; // commands refused: the link was not up
    std::uint64_t refused_full = 0; // commands refused: max_pending_bytes
    std::uint64_t failed = 0;       // commands sent but never answered (link lost)
};

class RedisLink
{
  public:
    enum class State { stopped, connecting, up, waiting }; // waiting: backoff before the next try
    // The reply, borrowed for the call; nullptr: no reply (timeout, link lost).
    using ReplyFn = std::function<void(const redisReply *reply)>;
    // The link's state changed; `why` says what happened (for the log and tests).
    using StateFn = std::function<void(bool up, std::string_view why)>;
    // Subscriber links: a pushed array (["message", channel, payload]).
    using PushFn = std::function<void(const redisReply *push)>;
    // pending_bytes() may have changed (a command appended, a write, the link gone).
    using OutputFn = std::function<void(std::size_t pending_bytes)>;

    RedisLink(ServiceLoop &loop, lws_vhost *vhost, RedisLinkSettings settings);
    RedisLink(const RedisLink &) = delete;
    RedisLink &operator=(const RedisLink &) = delete;
    // Drops the connection without calling on_state or any pending callback.
    ~RedisLink();

    void on_state(StateFn fn) { on_state_ = std::move(fn); }
    void on_push(PushFn fn) { on_push_ = std::move(fn); }
    void on_output(OutputFn fn) { on_output_ = std::move(fn); }

    // Connects, and keeps reconnecting after losses until stop().
    void start();
    // Drops the connection (pending commands fail) and stops reconnecting.
    void stop();

    // Sends a command (argv as binary-safe strings). false: refused (not up,
    // or over max_pending_bytes), counted, and `done` is not called.
    bool command(const std::vector<std::string_view> &argv, ReplyFn done);
    // SUBSCRIBE / UNSUBSCRIBE of one channel on a subscriber link: the
    // confirmation goes to `done`, later messages to on_push().
    bool subscribe(std::string_view channel, ReplyFn done);
    bool unsubscribe(std::string_view channel, ReplyFn done);

    State state() const { return state_; }
    bool up() const { return state_ == State::up; }
    const RedisLinkStats &stats() const { return stats_; }
    std::size_t pending_bytes() const; // hiredis's output buffer now
    std::size_t pending_replies() const { return pending_.size(); }
    const std::string &last_error() const { return last_error_; }

  private:
    struct Pending {
        ReplyFn done;
        std::chrono::steady_clock::time_point deadline;
    };
    enum class Kind { command, subscribe, unsubscribe };

    static void reply_thunk(redisAsyncContext *ac, void *reply, void *privdata);
    static void push_thunk(redisAsyncContext *ac, void *reply, void *privdata);
    static void connected_thunk(const redisAsyncContext *ac, int status);
    static void disconnected_thunk(const redisAsyncContext *ac, int status);

    bool send(Kind kind, const std::vector<std::string_view> &argv, ReplyFn done, bool handshake = false);
    void connect_now();
    void handshake_reply(const redisReply *reply, const char *step);
    void came_up();
    void answered(const redisReply *reply);
    void drop(std::string why, bool timed_out);
    void context_gone(std::string why);
    void arm_deadline();
    void deadline_fired();
    void schedule_retry();
    void fail_pending();
    void output_changed();

    ServiceLoop &loop_;
    lws_vhost *vhost_;
    RedisLinkSettings settings_;
    Backoff backoff_;
    State state_ = State::stopped;
    redisAsyncContext *ac_ = nullptr;
    std::size_t handshake_left_ = 0; // AUTH/SELECT/PING replies still awaited
    std::chrono::steady_clock::time_point connect_deadline_;
    bool logged_down_ = false; // one warning per outage, the retries at debug
    std::deque<Pending> pending_;
    RedisLinkStats stats_;
    std::string last_error_;
    StateFn on_state_;
    PushFn on_push_;
    OutputFn on_output_;
    ServiceTimer retry_timer_{loop_, [this] { connect_now(); }};
    ServiceTimer deadline_timer_{loop_, [this] { deadline_fired(); }};
    ServiceTimer gone_timer_{loop_, [this] { context_gone("the socket was closed"); }};
};

} // namespace wshost::cluster

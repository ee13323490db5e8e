#include "cluster/redis_link.h"

#include "base/log.h"
#include "cluster/lws_redis_adapter.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/sds.h>

#include <random>

namespace wshost::cluster
{
namespace
{

using Clock = std::chrono::steady_clock;

std::uint64_t seed_of(std::uint64_t configured)
{
    if (configured)
        return configured;
    std::random_device rd;
    return (std::uint64_t(rd()) << 32) ^ rd();
}

// RESP framing overhead of a command, close enough for the output bound.
std::size_t command_bytes(const std::vector<std::string_view> &argv)
{
    std::size_t n = 16;
    for (std::string_view a : argv)
        n += a.size() + 16;
    return n;
}

bool is_reply_to(const redisReply *r, const char *kind)
{
    return r->type == REDIS_REPLY_ARRAY && r->elements >= 3 && r->element[0]->type == REDIS_REPLY_STRING &&
           std::string_view(r->element[0]->str, r->element[0]->len) == kind;
}

} // namespace

RedisLink::RedisLink(ServiceLoop &loop, lws_vhost *vhost, RedisLinkSettings settings)
    : loop_(loop), vhost_(vhost), settings_(std::move(settings)),
      backoff_(settings_.backoff_initial, settings_.backoff_max, seed_of(settings_.jitter_seed))
{
}

RedisLink::~RedisLink()
{
    // Silent: what the callbacks capture may be gone already (stop() reports).
    on_state_ = nullptr;
    on_push_ = nullptr;
    on_output_ = nullptr;
    for (Pending &p : pending_)
        p.done = nullptr;
    stop();
    retry_timer_.cancel();
    deadline_timer_.cancel();
    gone_timer_.cancel();
}

void RedisLink::start()
{
    if (state_ != State::stopped)
        return;
    connect_now();
}

void RedisLink::stop()
{
    retry_timer_.cancel();
    gone_timer_.cancel();
    deadline_timer_.cancel();
    if (state_ == State::stopped)
        return;
    const bool was_up = state_ == State::up;
    state_ = State::stopped;
    if (redisAsyncContext *ac = ac_) {
        ac_ = nullptr;
        redisAsyncFree(ac);
    }
    if (was_up)
        ++stats_.disconnects;
    output_changed();
    fail_pending();
    if (was_up && on_state_)
        on_state_(false, "stopped");
}

std::size_t RedisLink::pending_bytes() const
{
    return ac_ && ac_->c.obuf ? sdslen(ac_->c.obuf) : 0;
}

void RedisLink::connect_now()
{
    state_ = State::connecting;
    const RedisAddress &a = settings_.address;
    redisAsyncContext *ac =
        a.is_unix() ? redisAsyncConnectUnix(a.unix_path.c_str()) : redisAsyncConnect(a.ip.c_str(), a.port);
    if (!ac || ac->err) {
        // Refused at once (no such socket, no listener on a Unix path).
        last_error_ = ac && ac->errstr ? ac->errstr : "out of memory";
        if (ac)
            redisAsyncFree(ac);
        ++stats_.connect_failures;
        context_gone("connect: " + last_error_);
        return;
    }
    if (!a.is_unix())
        redisEnableKeepAlive(&ac->c); // a silent peer is found even on an idle subscriber
    if (!attach_redis_to_lws(
            ac, vhost_, [this] { gone_timer_.schedule_in(std::chrono::microseconds(1)); },
            [this] { output_changed(); })) {
        redisAsyncFree(ac);
        ++stats_.connect_failures;
        last_error_ = "cannot watch the socket";
        context_gone(last_error_);
        return;
    }
    ac_ = ac;
    ac->data = this;
    redisAsyncSetConnectCallback(ac, connected_thunk); // after the hooks: it asks for a write event
    redisAsyncSetDisconnectCallback(ac, disconnected_thunk);
    connect_deadline_ = Clock::now() + settings_.connect_timeout;
    handshake_left_ = 0;
    // Pipelined behind the connect: their replies bring the link up.
    if (!settings_.password.empty()) {
        ++handshake_left_;
        send(
            Kind::command, {"AUTH", settings_.password},
            [this](const redisReply *r) { handshake_reply(r, "AUTH"); }, true);
    }
    if (settings_.db != 0) {
        ++handshake_left_;
        const std::string db = std::to_string(settings_.db);
        send(
            Kind::command, {"SELECT", db}, [this](const redisReply *r) { handshake_reply(r, "SELECT"); },
            true);
    }
    // Always a PING last: "up" means Redis answered, not that the kernel
    // accepted the connection (a paused or busy server accepts too).
    ++handshake_left_;
    send(
        Kind::command, {"PING"}, [this](const redisReply *r) { handshake_reply(r, "PING"); }, true);
    arm_deadline();
}

void RedisLink::connected_thunk(const redisAsyncContext *ac, int status)
{
    RedisLink *self = static_cast<RedisLink *>(ac->data);
    if (!self || self->ac_ != ac)
        return;
    if (status != REDIS_OK) {
        // hiredis frees the context after this callback.
        self->last_error_ = ac->errstr ? ac->errstr : "connect failed";
        self->ac_ = nullptr;
        ++self->stats_.connect_failures;
        self->context_gone("connect: " + self->last_error_);
        return;
    }
}

void RedisLink::disconnected_thunk(const redisAsyncContext *ac, int)
{
    RedisLink *self = static_cast<RedisLink *>(ac->data);
    if (!self || self->ac_ != ac)
        return; // a drop of ours: already handled
    // Lost on hiredis's side (EOF, read/write error); it frees the context.
    std::string why = ac->errstr && *ac->errstr ? ac->errstr : "connection closed";
    self->ac_ = nullptr;
    self->context_gone(why);
}

void RedisLink::handshake_reply(const redisReply *reply, const char *step)
{
    if (!reply)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        last_error_ = std::string(step) + ": " + std::string(reply->str, reply->len);
        if (std::string_view(step) == "AUTH")
            ++stats_.auth_failures;
        ++stats_.connect_failures;
        drop(last_error_, false);
        return;
    }
    if (--handshake_left_ == 0)
        came_up();
}

void RedisLink::came_up()
{
    state_ = State::up;
    ++stats_.connects;
    backoff_.reset();
    last_error_.clear();
    logged_down_ = false;
    arm_deadline(); // the connect deadline no longer applies
    log_event(LogLevel::info, LogFields("cluster_redis_up"), "redis %s: connected to %s",
              settings_.name.c_str(), settings_.address.describe().c_str());
    if (on_state_)
        on_state_(true, "connected to " + settings_.address.describe());
}

bool RedisLink::command(const std::vector<std::string_view> &argv, ReplyFn done)
{
    return send(Kind::command, argv, std::move(done));
}

bool RedisLink::subscribe(std::string_view channel, ReplyFn done)
{
    return send(Kind::subscribe, {"SUBSCRIBE", channel}, std::move(done));
}

bool RedisLink::unsubscribe(std::string_view channel, ReplyFn done)
{
    return send(Kind::unsubscribe, {"UNSUBSCRIBE", channel}, std::move(done));
}

bool RedisLink::send(Kind kind, const std::vector<std::string_view> &argv, ReplyFn done, bool handshake)
{
    if (!ac_ || (state_ != State::up && !handshake)) {
        ++stats_.refused_down;
        return false;
    }
    if (pending_bytes() + command_bytes(argv) > settings_.max_pending_bytes) {
        ++stats_.refused_full;
        return false;
    }
    std::vector<const char *> args;
    std::vector<std::size_t> lens;
    for (std::string_view a : argv) {
        args.push_back(a.data());
        lens.push_back(a.size());
    }
    // UNSUBSCRIBE registers no callback in hiredis 0.14: its confirmation
    // goes to the channel's SUBSCRIBE callback (push_thunk).
    redisCallbackFn *fn = kind == Kind::command ? reply_thunk : push_thunk;
    if (redisAsyncCommandArgv(ac_, kind == Kind::unsubscribe ? nullptr : fn, this,
                              static_cast<int>(args.size()), args.data(), lens.data()) != REDIS_OK) {
        ++stats_.refused_down;
        return false;
    }
    pending_.push_back({std::move(done), Clock::now() + settings_.command_timeout});
    if (pending_.size() == 1)
        arm_deadline();
    output_changed();
    return true;
}

void RedisLink::answered(const redisReply *reply)
{
    if (pending_.empty())
        return;
    ReplyFn done = std::move(pending_.front().done);
    pending_.pop_front();
    arm_deadline();
    if (done)
        done(reply);
}

void RedisLink::reply_thunk(redisAsyncContext *ac, void *reply, void *privdata)
{
    RedisLink *self = static_cast<RedisLink *>(privdata);
    // No reply: hiredis is freeing the context; fail_pending() answers those.
    if (!reply || self->ac_ != ac)
        return;
    self->answered(static_cast<const redisReply *>(reply));
}

void RedisLink::push_thunk(redisAsyncContext *ac, void *reply, void *privdata)
{
    RedisLink *self = static_cast<RedisLink *>(privdata);
    if (!reply || self->ac_ != ac)
        return;
    const redisReply *r = static_cast<const redisReply *>(reply);
    if (is_reply_to(r, "subscribe") || is_reply_to(r, "unsubscribe"))
        self->answered(r);
    else if (is_reply_to(r, "message") && self->on_push_)
        self->on_push_(r);
}

void RedisLink::arm_deadline()
{
    Clock::time_point when = Clock::time_point::max();
    if (state_ == State::connecting && ac_)
        when = connect_deadline_;
    if (!pending_.empty() && ac_)
        when = std::min(when, pending_.front().deadline);
    if (when == Clock::time_point::max()) {
        deadline_timer_.cancel();
        return;
    }
    const auto in = std::chrono::duration_cast<std::chrono::microseconds>(when - Clock::now());
    deadline_timer_.schedule_in(std::max(in, std::chrono::microseconds(1)));
}

void RedisLink::deadline_fired()
{
    const Clock::time_point now = Clock::now();
    if (state_ == State::connecting && ac_ && now >= connect_deadline_) {
        ++stats_.timeouts;
        ++stats_.connect_failures;
        last_error_ = "connect timed out";
        drop(last_error_, true);
        return;
    }
    if (!pending_.empty() && ac_ && now >= pending_.front().deadline) {
        ++stats_.timeouts;
        last_error_ = "command timed out";
        drop(last_error_, true);
        return;
    }
    arm_deadline();
}

void RedisLink::drop(std::string why, bool)
{
    redisAsyncContext *ac = ac_;
    ac_ = nullptr;
    if (ac)
        redisAsyncFree(ac); // deferred by hiredis when inside one of its callbacks
    context_gone(std::move(why));
}

void RedisLink::context_gone(std::string why)
{
    if (ac_) { // lws dropped the socket: free what hiredis still holds
        drop(std::move(why), false);
        return;
    }
    const bool was_up = state_ == State::up;
    if (state_ != State::stopped)
        state_ = State::waiting;
    deadline_timer_.cancel();
    if (was_up)
        ++stats_.disconnects;
    const LogLevel level = logged_down_ ? LogLevel::debug : LogLevel::warn;
    logged_down_ = true;
    log_event(level, LogFields("cluster_redis_down"), "redis %s: %s (%s)", settings_.name.c_str(),
              why.c_str(), settings_.address.describe().c_str());
    output_changed(); // the output went with the connection
    fail_pending();
    if (on_state_ && (was_up || state_ != State::stopped))
        on_state_(false, why);
    schedule_retry();
}

void RedisLink::fail_pending()
{
    std::deque<Pending> failed;
    failed.swap(pending_);
    stats_.failed += failed.size();
    for (Pending &p : failed)
        if (p.done)
            p.done(nullptr);
}

void RedisLink::output_changed()
{
    if (on_output_)
        on_output_(pending_bytes());
}

void RedisLink::schedule_retry()
{
    if (state_ == State::stopped)
        return;
    state_ = State::waiting;
    retry_timer_.schedule_in(backoff_.next());
}

} // namespace wshost::cluster

#include "cluster/redis_pubsub.h"

#include "base/log.h"

#include <hiredis/hiredis.h>

namespace wshost::cluster
{

RedisPublisher::RedisPublisher(ServiceLoop &loop, lws_vhost *vhost, RedisLinkSettings settings)
    : link_(loop, vhost, std::move(settings))
{
}

bool RedisPublisher::publish(std::string_view channel, std::string_view payload, Published done)
{
    const bool sent =
        link_.command({"PUBLISH", channel, payload}, [this, done = std::move(done)](const redisReply *r) {
            if (r && r->type == REDIS_REPLY_INTEGER) {
                ++published_;
                if (done)
                    done(r->integer);
                return;
            }
            ++failed_;
            if (done)
                done(std::nullopt);
        });
    if (!sent)
        ++failed_;
    return sent;
}

RedisSubscriber::RedisSubscriber(ServiceLoop &loop, lws_vhost *vhost, RedisLinkSettings settings)
    : link_(loop, vhost, std::move(settings))
{
    link_.on_state([this](bool up, std::string_view why) { link_state(up, why); });
    link_.on_push([this](const redisReply *push) { pushed(push); });
}

bool RedisSubscriber::live(std::string_view channel) const
{
    auto it = channels_.find(std::string(channel));
    return it != channels_.end() && it->second.live;
}

void RedisSubscriber::subscribe(std::string_view channel)
{
    auto [it, added] = channels_.try_emplace(std::string(channel));
    if (added && link_.up())
        send_subscribe(it->first, it->second);
}

void RedisSubscriber::unsubscribe(std::string_view channel)
{
    auto it = channels_.find(std::string(channel));
    if (it == channels_.end())
        return;
    if (it->second.live)
        --live_;
    // Only what this connection subscribed: hiredis 0.14 drops the
    // confirmation of a channel it holds no callback for, and the command
    // timeout would then fire for nothing.
    if (it->second.sent && link_.up())
        link_.unsubscribe(it->first, nullptr);
    channels_.erase(it);
}

void RedisSubscriber::when_subscribed(std::function<void()> fn)
{
    if (!link_.up() || subscribes_confirmed_ == subscribes_sent_) {
        fn();
        return;
    }
    subscribed_waiters_.emplace_back(subscribes_sent_, std::move(fn));
}

void RedisSubscriber::wake_subscribed_waiters(bool all)
{
    auto waiters = std::move(subscribed_waiters_);
    subscribed_waiters_.clear();
    for (auto &[target, fn] : waiters)
        if (all || target <= subscribes_confirmed_)
            fn();
        else
            subscribed_waiters_.emplace_back(target, std::move(fn));
}

void RedisSubscriber::send_subscribe(const std::string &name, Channel &ch)
{
    const std::uint64_t generation = generation_;
    ch.sent = link_.subscribe(name, [this, name, generation](const redisReply *r) {
        if (!r || generation != generation_)
            return;
        ++subscribes_confirmed_;
        if (!subscribed_waiters_.empty())
            wake_subscribed_waiters(false);
        auto it = channels_.find(name);
        if (it != channels_.end() && it->second.sent && !it->second.live) {
            it->second.live = true;
            ++live_;
        }
    });
    if (ch.sent)
        ++subscribes_sent_;
    else
        log_event(LogLevel::warn, LogFields("cluster_subscribe_refused"),
                  "redis subscriber: SUBSCRIBE %s refused (output bound); retried at the next reconnect",
                  name.c_str());
}

void RedisSubscriber::link_state(bool up, std::string_view why)
{
    ++generation_;
    live_ = 0;
    subscribes_sent_ = subscribes_confirmed_ = 0;
    for (auto &[name, ch] : channels_)
        ch = Channel{};
    if (up)
        for (auto &[name, ch] : channels_)
            send_subscribe(name, ch);
    wake_subscribed_waiters(true);
    if (on_state_)
        on_state_(up, why);
}

void RedisSubscriber::pushed(const redisReply *push)
{
    const redisReply *channel = push->element[1];
    const redisReply *payload = push->element[2];
    if (channel->type != REDIS_REPLY_STRING || payload->type != REDIS_REPLY_STRING)
        return;
    const std::string_view name(channel->str, channel->len);
    if (!wanted(name)) {
        ++dropped_unwanted_;
        if (on_unwanted_)
            on_unwanted_(name, std::string_view(payload->str, payload->len));
        return;
    }
    ++messages_;
    if (on_message_)
        on_message_(name, std::string_view(payload->str, payload->len));
}

} // namespace wshost::cluster

// The two Redis connections of a node (DESIGN §10): a publisher, for PUBLISH
// and the presence commands, and a subscriber, which after its first
// SUBSCRIBE accepts nothing else (RESP2 subscribed mode; hiredis 0.14 would
// even lose the reply of a PING sent there).
//
// RedisSubscriber keeps the set of channels the node wants and makes the
// connection match it: each subscribe()/unsubscribe() is sent at once when
// the link is up, and after every reconnect the whole set is subscribed again.
// A message for a channel no longer wanted (in flight during an unsubscribe)
// is dropped here.
#pragma once

#include "cluster/redis_link.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wshost::cluster
{

class RedisPublisher
{
  public:
    // Receivers of the PUBLISH (Redis's reply), or nullopt: not published
    // (refused, error reply, timeout, link lost).
    using Published = std::function<void(std::optional<long long> receivers)>;

    RedisPublisher(ServiceLoop &loop, lws_vhost *vhost, RedisLinkSettings settings);

    void on_state(RedisLink::StateFn fn) { link_.on_state(std::move(fn)); }
    void start() { link_.start(); }
    void stop() { link_.stop(); }

    // false: refused now (link down, output bound), counted; `done` is not called.
    bool publish(std::string_view channel, std::string_view payload, Published done);

    RedisLink &link() { return link_; } // presence commands share the connection
    std::uint64_t published() const { return published_; }
    std::uint64_t failed() const { return failed_; } // refused, or no receiver count came back

  private:
    RedisLink link_;
    std::uint64_t published_ = 0;
    std::uint64_t failed_ = 0;
};

class RedisSubscriber
{
  public:
    using Message = std::function<void(std::string_view channel, std::string_view payload)>;

    RedisSubscriber(ServiceLoop &loop, lws_vhost *vhost, RedisLinkSettings settings);

    void on_state(RedisLink::StateFn fn) { on_state_ = std::move(fn); }
    void on_message(Message fn) { on_message_ = std::move(fn); }
    // Messages on a channel no longer wanted, which Redis still delivers
    // until it has run the UNSUBSCRIBE (counted in dropped_unwanted()).
    void on_unwanted(Message fn) { on_unwanted_ = std::move(fn); }
    void start() { link_.start(); }
    void stop() { link_.stop(); }

    // Idempotent; takes effect at once when up, else at the next connect.
    void subscribe(std::string_view channel);
    void unsubscribe(std::string_view channel);

    bool wanted(std::string_view channel) const { return channels_.count(std::string(channel)) != 0; }
    // Confirmed by Redis on the current connection.
    bool live(std::string_view channel) const;
    // Calls `fn` once every SUBSCRIBE sent so far is confirmed (Redis answers
    // them in order), so a publish from now on reaches this node; at once when
    // nothing is pending or the link is not up, and when the link changes
    // state (a reconnect resubscribes everything; nobody waits that long).
    void when_subscribed(std::function<void()> fn);
    std::size_t wanted_count() const { return channels_.size(); }
    std::size_t live_count() const { return live_; }
    std::uint64_t messages() const { return messages_; }
    std::uint64_t dropped_unwanted() const { return dropped_unwanted_; }
    RedisLink &link() { return link_; }

  private:
    struct Channel {
        bool sent = false; // SUBSCRIBE sent on the current connection
        bool live = false; // and confirmed
    };
    void send_subscribe(const std::string &name, Channel &ch);
    void link_state(bool up, std::string_view why);
    void pushed(const redisReply *push);

    RedisLink link_;
    std::unordered_map<std::string, Channel> channels_;
    std::uint64_t generation_ = 0;      // connections so far: a late confirmation of an older one is ignored
    std::uint64_t subscribes_sent_ = 0; // on the current connection
    std::uint64_t subscribes_confirmed_ = 0; // of those
    std::vector<std::pair<std::uint64_t, std::function<void()>>> subscribed_waiters_;
    void wake_subscribed_waiters(bool all);
    std::size_t live_ = 0;
    std::uint64_t messages_ = 0;
    std::uint64_t dropped_unwanted_ = 0;
    RedisLink::StateFn on_state_;
    Message on_message_;
    Message on_unwanted_;
};

} // namespace wshost::cluster

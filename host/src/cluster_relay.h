// Cross-node sends (DESIGN §10, engine = "redis"): every gateway send is
// published once per target channel for the other nodes, and what they
// publish is delivered to this node's matching connections.
//
//   out  Gateway::send() delivers locally, then its forwarder hands the send
//        here (posted from other threads, so one sender's sends keep their
//        order): a `users` list becomes one message per user channel (each
//        node delivers a user's message once, whichever of the list it
//        holds); a connection goes to its owner's node channel (the node
//        number in the id's high bits; none for this node's own ids).
//   in   the subscriber link receives only what this node holds (the user,
//        room and tag-pair channels the gateway reports as InterestChanges),
//        plus "everyone" and its own node channel; each message is delivered
//        with Gateway::send_local(), its own echoes skipped. Redis keeps the
//        order of one publisher's messages on one subscriber connection, so
//        per-sender order to a connection holds across nodes.
//
// Receipts: forward()'s `done` gets the other nodes the publishes reached
// (Redis's receiver count, less this node when it subscribes the channel)
// and how many publishes failed (counted in wshost_cluster_publish_failed_total).
// Service thread only.
#pragma once

#include "cluster/channels.h"
#include "cluster/interest.h"
#include "cluster/redis_pubsub.h"
#include "config/config.h"
#include "gateway/gateway.h"
#include "transport/service_loop.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wshost
{

struct ForwardResult {
    std::uint64_t nodes = 0;  // other nodes the publishes reached (summed over channels)
    std::uint64_t failed = 0; // publishes that did not reach Redis or got no count back
};

class ClusterRelay
{
  public:
    using Forwarded = std::function<void(const ForwardResult &)>;

    ClusterRelay(ServiceLoop &loop, Gateway &gateway, std::string prefix, std::string node_id);
    ~ClusterRelay();

    // Starts the subscriber link (`settings`) on `vhost`; publishes go through
    // `publisher` (the node's presence link: one connection keeps one order).
    void start(lws_vhost *vhost, cluster::RedisLinkSettings settings, cluster::RedisPublisher &publisher);
    // The node number the node holds now: its node channel is subscribed
    // (an earlier number's channel stays: ids minted under it still arrive).
    void numbered(std::uint16_t number);

    // Publishes one send for the other nodes; `done` (optional) once every
    // publish is answered or failed.
    void forward(const Target &target, std::string_view data, bool binary, Forwarded done = {});
    // The gateway's interest listener: subscribe and unsubscribe to follow it.
    void interest_changed(const std::vector<InterestChange> &changes);
    // Calls `fn` once the subscriptions of every change the gateway has made
    // so far are live in Redis (or Redis is down): what a control API change
    // waits for, so that a send right after its answer sees it.
    void when_subscribed(std::function<void()> fn);

  private:
    void received(std::string_view channel, std::string_view payload);
    void subscription(const std::string &channel, bool subscribe);
    std::string owner_channel(std::uint64_t connection) const;

    ServiceLoop &loop_;
    Gateway &gateway_;
    std::string node_id_;
    cluster::ClusterNames names_;
    cluster::Interest interest_;
    std::unique_ptr<cluster::RedisSubscriber> subscriber_;
    cluster::RedisPublisher *publisher_ = nullptr;
    std::optional<std::uint16_t> number_;
    std::uint64_t seq_ = 0;
};

} // namespace wshost

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
#include "control/control_api.h"
#include "gateway/gateway.h"
#include "transport/service_loop.h"

#include <cstdint>
#include <functional>
#include <map>
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

    // Control API operations on another node's connection (DESIGN §10: "the
    // control API of any node operates on any connection"): the request is
    // published whole to the owner's node channel, run there by its own
    // control API, and its answer published back to this node's channel.
    using ControlAnswer = std::function<void(ControlResponse)>;
    using CallHandler = std::function<void(const ControlRequest &, ControlAnswer)>;
    void set_call_handler(CallHandler handler) { call_handler_ = std::move(handler); }
    bool held_elsewhere(std::uint64_t connection) const { return !owner_channel(connection).empty(); }
    // `done` gets the owner's answer; 404 when no node holds the id's number,
    // 503 while Redis is away, 504 when the owner did not answer in time.
    void call_owner(std::uint64_t connection, const ControlRequest &request, ControlAnswer done);
    // Cluster-wide answers: the request is published to the channel of
    // `scope` (everyone, a user's or a room's), so it reaches exactly the
    // nodes that hold a part; each runs it for its own connections and
    // answers. PUBLISH's receiver count is the number of answers to wait for
    // (this node's own copy, when it holds the channel, is skipped). `done`
    // gets them, or 503 while Redis is away, 504 when some node stays silent
    // for 3 s (the caller says what that means for its request).
    void gather(const ControlRequest &request, const GatherScope &scope, std::function<void(Gathered)> done);

  private:
    void received(std::string_view channel, std::string_view payload, bool wanted);
    bool can_call() const;
    void call_received(std::string_view json);
    void answer_received(std::string_view json);
    void finish_call(std::uint64_t call, ControlResponse response);
    void finish_gather(std::uint64_t call, std::optional<ControlResponse> error);
    void gather_progress(std::uint64_t call);
    std::string call_payload(std::uint64_t call, const ControlRequest &request) const;
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
    CallHandler call_handler_;
    struct PendingCall {
        ControlAnswer done;
        std::unique_ptr<ServiceTimer> timeout;
    };
    std::map<std::uint64_t, PendingCall> calls_;
    struct PendingGather {
        std::function<void(Gathered)> done;
        std::optional<long long> receivers; // PUBLISH's count, once it answered
        bool own_copy = false;              // this node's subscriber got the request too
        std::vector<ControlResponse> answers;
        std::unique_ptr<ServiceTimer> timeout;
    };
    std::map<std::uint64_t, PendingGather> gathers_;
    std::uint64_t next_call_ = 1;
    // Callbacks the links still hold after this relay is gone check it.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

} // namespace wshost

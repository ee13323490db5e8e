// The node's place in a cluster (DESIGN §10, engine = "redis"): one publisher
// link to Redis and the presence driver on it. At start (and after every
// reconnect that finds the claim gone) it claims a node number with SET NX
// (node_registry.h); once claimed, `numbered` hands it to the gateway for the
// high bits of new connection ids, and every heartbeat_ms a script refreshes
// the number and the presence key PREFIX:alive:NODE_ID with TTL node_ttl_ms.
// leave() (SIGTERM/SIGINT) deletes both at once; a node that dies leaves them
// to expire. Redis down at start: the node serves its own clients and joins
// when the link comes up (the link reconnects with backoff by itself).
//
// The presence value is "NODE_ID INSTANCE NUMBER CONNECTIONS UNIX_MS STATE":
// what GET /v1/nodes lists, read back with SCAN + MGET.
//
// Cross-node sends and subscriptions are the relay's (cluster_relay.h).
// Service thread only.
#pragma once

#include "cluster/channels.h"
#include "cluster/node_registry.h"
#include "cluster/redis_pubsub.h"
#include "config/config.h"
#include "transport/service_loop.h"

#include <libwebsockets.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace wshost
{

class ClusterNode
{
  public:
    struct Hooks {
        std::function<std::uint64_t()> connections;  // open connections, for the presence value
        std::function<void(std::uint16_t)> numbered; // the node number for new connection ids
        std::function<void(bool up)> state_changed;  // for wshost_cluster_up
    };
    using NodesDone = std::function<void(int status, std::string json)>;

    ClusterNode(ServiceLoop &loop, const ClusterConfig &config, Hooks hooks);
    ~ClusterNode();

    // Makes a listener-less vhost for the link and starts it; false: the vhost failed.
    bool start(lws_context *context);
    // Stops refreshing and deletes the presence and number keys (a clean stop).
    void leave();
    // Calls `fn` once leave()'s release was answered (or failed, or had nothing to do).
    void when_left(std::function<void()> fn);

    // Up: Redis answers and the node holds its number.
    bool up() const { return publisher_ && publisher_->link().up() && number_.has_value(); }
    const std::string &node_id() const { return node_id_; }
    // For the relay (cluster_relay.h), after start(): the vhost the links
    // live on, the publisher (one connection keeps one publish order), and
    // the settings of another link to the same Redis.
    lws_vhost *vhost() const { return vhost_; }
    cluster::RedisPublisher &publisher() { return *publisher_; }
    cluster::RedisLinkSettings link_settings(std::string name) const;
    // GET /v1/nodes: every presence key in Redis; 503 while Redis is down.
    void list_nodes(NodesDone done);

  private:
    bool command(const std::vector<std::string> &argv, cluster::RedisLink::ReplyFn done);
    void link_changed(bool up);
    void claim_next();
    void heartbeat();
    void refresh();
    std::string presence_payload() const;
    void scan(std::string cursor, std::shared_ptr<std::vector<std::string>> keys, NodesDone done);
    void fetch(std::shared_ptr<std::vector<std::string>> keys, NodesDone done);
    void left();

    ServiceLoop &loop_;
    ClusterConfig config_;
    Hooks hooks_;
    std::string node_id_;
    std::string instance_; // random per process: tells our claim from a namesake's
    std::string value_;    // "NODE_ID INSTANCE"
    cluster::ClusterNames names_;
    lws_protocols protocols_[2]{};
    lws_vhost *vhost_ = nullptr;
    std::unique_ptr<cluster::RedisPublisher> publisher_;
    std::optional<cluster::NodeNumberClaim> claim_;
    std::optional<std::uint16_t> number_;
    bool claiming_ = false;
    bool leaving_ = false;
    bool release_pending_ = false;
    std::function<void()> on_left_;
    ServiceTimer heartbeat_timer_{loop_, [this] { heartbeat(); }};
};

} // namespace wshost

#include "cluster_node.h"

#include "base/json_writer.h"
#include "base/log.h"
#include "base/stats.h"
#include "cluster/lws_redis_adapter.h"

#include <hiredis/hiredis.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <random>
#include <sstream>

namespace wshost
{
namespace
{

using namespace std::chrono;

cluster::RedisAddress redis_address(const ClusterRedisConfig &c)
{
    std::string why;
    std::optional<cluster::RedisAddress> a;
    if (!c.socket.empty())
        a = cluster::redis_socket_address(c.socket, why);
    else
        a = cluster::parse_redis_address(c.address.empty() ? "127.0.0.1:6379" : c.address, why);
    return a.value_or(cluster::RedisAddress{}); // the config checked both already
}

std::string node_id_of(const ClusterConfig &c)
{
    if (!c.node_id.empty())
        return c.node_id;
    char host[HOST_NAME_MAX + 1] = {};
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = 0;
    return cluster::default_node_id(host, static_cast<long>(getpid()));
}

std::string random_instance()
{
    std::random_device rd;
    const std::uint64_t v = (std::uint64_t(rd()) << 32) ^ rd();
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
    return buf;
}

std::int64_t unix_ms()
{
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string_view reply_text(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
                 r->type == REDIS_REPLY_ERROR)
               ? std::string_view(r->str, r->len)
               : std::string_view();
}

// One presence value as a JSON object of GET /v1/nodes; false: not ours.
bool write_node(JsonWriter &w, std::string_view value, const std::string &self)
{
    std::istringstream in{std::string(value)};
    std::string id, instance, state;
    long long number = 0, connections = 0, last_ms = 0;
    if (!(in >> id >> instance >> number >> connections >> last_ms >> state))
        return false;
    w.begin_object().key("id").string(id).key("state").string(state).key("number").number(number);
    w.key("connections").number(connections).key("last_heartbeat_ms").number(last_ms);
    w.key("self").boolean(id == self).end_object();
    return true;
}

} // namespace

ClusterNode::ClusterNode(ServiceLoop &loop, const ClusterConfig &config, Hooks hooks)
    : loop_(loop), config_(config), hooks_(std::move(hooks)), node_id_(node_id_of(config)),
      instance_(random_instance()), value_(cluster::claim_value(node_id_, instance_)),
      names_(config.redis.prefix)
{
}

ClusterNode::~ClusterNode()
{
    heartbeat_timer_.cancel();
    if (publisher_)
        publisher_->stop();
}

bool ClusterNode::start(lws_context *context)
{
    protocols_[0] = cluster::redis_socket_protocol();
    lws_context_creation_info vi{};
    vi.port = CONTEXT_PORT_NO_LISTEN;
    vi.protocols = protocols_;
    vi.vhost_name = "cluster";
    vhost_ = lws_create_vhost(context, &vi);
    if (!vhost_) {
        logf(LogLevel::error, "cluster: cannot create the Redis vhost");
        return false;
    }
    publisher_ = std::make_unique<cluster::RedisPublisher>(loop_, vhost_, link_settings("publisher"));
    publisher_->on_state([this](bool up, std::string_view) { link_changed(up); });
    publisher_->link().on_output(
        [](std::size_t pending) { stats().cluster_pending_bytes.store(pending, std::memory_order_relaxed); });
    logf(LogLevel::info, "cluster: node %s joins through Redis at %s (prefix %s)", node_id_.c_str(),
         redis_address(config_.redis).describe().c_str(), config_.redis.prefix.c_str());
    publisher_->start();
    return true;
}

cluster::RedisLinkSettings ClusterNode::link_settings(std::string name) const
{
    cluster::RedisLinkSettings s;
    s.address = redis_address(config_.redis);
    s.password = config_.redis.password;
    s.db = config_.redis.db;
    s.name = std::move(name);
    return s;
}

bool ClusterNode::command(const std::vector<std::string> &argv, cluster::RedisLink::ReplyFn done)
{
    std::vector<std::string_view> views(argv.begin(), argv.end());
    return publisher_ && publisher_->link().command(views, std::move(done));
}

void ClusterNode::link_changed(bool up)
{
    if (hooks_.state_changed)
        hooks_.state_changed(this->up());
    if (!up || leaving_)
        return;
    if (number_)
        refresh(); // back after an outage: still ours, or claimed anew
    else
        claim_next();
}

void ClusterNode::claim_next()
{
    if (claiming_ || leaving_)
        return;
    if (!claim_)
        claim_.emplace(node_id_);
    const std::optional<std::uint16_t> n = claim_->candidate();
    if (!n) {
        logf(LogLevel::error, "cluster: every node number is taken; node %s stays without one",
             node_id_.c_str());
        return;
    }
    claiming_ = command(cluster::claim_command(names_.number_key(*n), value_, config_.node_ttl_ms),
                        [this, n = *n](const redisReply *r) {
                            claiming_ = false;
                            if (!r || r->type == REDIS_REPLY_ERROR)
                                return;     // link lost or error: the next link-up tries again
                            if (leaving_) { // stopped while the claim was on its way: give it back
                                if (r->type == REDIS_REPLY_STATUS)
                                    command(cluster::release_script_command(
                                                names_.number_key(n), names_.alive_key(node_id_), value_),
                                            [](const redisReply *) {});
                                return;
                            }
                            if (!claim_->answered(r->type == REDIS_REPLY_STATUS)) {
                                logf(LogLevel::warn,
                                     "cluster: node number %u is held by another node (collision "
                                     "%u); trying the next",
                                     unsigned(n), claim_->collisions());
                                claim_next();
                                return;
                            }
                            claim_.reset();
                            number_ = n;
                            logf(LogLevel::info, "cluster: node %s holds node number %u", node_id_.c_str(),
                                 unsigned(n));
                            if (hooks_.numbered)
                                hooks_.numbered(n);
                            if (hooks_.state_changed)
                                hooks_.state_changed(up());
                            refresh();
                        });
}

void ClusterNode::heartbeat()
{
    if (!leaving_ && number_ && publisher_->link().up())
        refresh();
    else if (!leaving_)
        heartbeat_timer_.schedule_in(milliseconds(config_.heartbeat_ms));
}

std::string ClusterNode::presence_payload() const
{
    const std::uint64_t conns = hooks_.connections ? hooks_.connections() : 0;
    return std::to_string(*number_) + " " + std::to_string(conns) + " " + std::to_string(unix_ms()) + " up";
}

void ClusterNode::refresh()
{
    heartbeat_timer_.schedule_in(milliseconds(config_.heartbeat_ms));
    const std::uint16_t n = *number_;
    const std::vector<std::string> argv = {"EVAL",
                                           cluster::kRefreshScript,
                                           "2",
                                           names_.number_key(n),
                                           names_.alive_key(node_id_),
                                           value_,
                                           std::to_string(config_.node_ttl_ms),
                                           presence_payload()};
    command(argv, [this, n](const redisReply *r) {
        if (!r || r->type != REDIS_REPLY_INTEGER || leaving_ || number_ != n)
            return; // no answer: the next heartbeat (or link-up) tries again
        if (r->integer == 1)
            return;
        // Cut off longer than the TTL and the number expired (or was taken):
        // ids minted from now on must not use it.
        logf(LogLevel::error, "cluster: node %s lost its node number %u (expired or taken); claiming anew",
             node_id_.c_str(), unsigned(n));
        number_.reset();
        if (hooks_.state_changed)
            hooks_.state_changed(false);
        claim_next();
    });
}

void ClusterNode::leave()
{
    if (leaving_)
        return;
    leaving_ = true;
    heartbeat_timer_.cancel();
    if (!number_ || !publisher_)
        return;
    const std::vector<std::string> argv =
        cluster::release_script_command(names_.number_key(*number_), names_.alive_key(node_id_), value_);
    release_pending_ = command(argv, [this](const redisReply *) {
        release_pending_ = false;
        left();
    });
    if (release_pending_)
        logf(LogLevel::info, "cluster: node %s leaving (presence deleted)", node_id_.c_str());
}

void ClusterNode::when_left(std::function<void()> fn)
{
    if (!release_pending_) {
        fn();
        return;
    }
    on_left_ = std::move(fn);
}

void ClusterNode::left()
{
    if (auto fn = std::move(on_left_)) {
        on_left_ = nullptr;
        fn();
    }
}

void ClusterNode::list_nodes(NodesDone done)
{
    if (!publisher_ || !publisher_->link().up()) {
        done(503, "");
        return;
    }
    scan("0", std::make_shared<std::vector<std::string>>(), std::move(done));
}

void ClusterNode::scan(std::string cursor, std::shared_ptr<std::vector<std::string>> keys, NodesDone done)
{
    const std::vector<std::string> argv = {"SCAN", cursor, "MATCH", names_.alive_pattern(), "COUNT", "1000"};
    auto shared = std::make_shared<NodesDone>(std::move(done));
    const bool sent = command(argv, [this, keys, shared](const redisReply *r) {
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[1]->type != REDIS_REPLY_ARRAY) {
            (*shared)(503, "");
            return;
        }
        for (std::size_t i = 0; i < r->element[1]->elements; ++i)
            keys->emplace_back(reply_text(r->element[1]->element[i]));
        const std::string next(reply_text(r->element[0]));
        if (next == "0" || next.empty())
            fetch(keys, std::move(*shared));
        else
            scan(next, keys, std::move(*shared));
    });
    if (!sent)
        (*shared)(503, "");
}

void ClusterNode::fetch(std::shared_ptr<std::vector<std::string>> keys, NodesDone done)
{
    auto write = [this](const redisReply *values) {
        std::string body;
        JsonWriter w(body);
        w.begin_object().key("status").string("success").key("cluster").string(up() ? "up" : "down");
        w.key("nodes").begin_array();
        for (std::size_t i = 0; values && i < values->elements; ++i)
            if (values->element[i]->type == REDIS_REPLY_STRING)
                write_node(w, reply_text(values->element[i]), node_id_);
        w.end_array().end_object();
        return body;
    };
    if (keys->empty()) {
        done(200, write(nullptr));
        return;
    }
    std::vector<std::string> argv = {"MGET"};
    argv.insert(argv.end(), keys->begin(), keys->end());
    auto shared = std::make_shared<NodesDone>(std::move(done));
    const bool sent = command(argv, [shared, write](const redisReply *r) {
        if (!r || r->type != REDIS_REPLY_ARRAY)
            (*shared)(503, "");
        else
            (*shared)(200, write(r));
    });
    if (!sent)
        (*shared)(503, "");
}

} // namespace wshost

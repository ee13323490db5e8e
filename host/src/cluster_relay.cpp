#include "cluster_relay.h"

#include "base/log.h"
#include "base/stats.h"
#include "cluster/cluster_message.h"

#include <algorithm>

namespace wshost
{
namespace
{

using cluster::ClusterMessage;
using cluster::TargetKind;

// The message for `target`, without its target names (the caller adds them).
ClusterMessage message_base(const Target &target, std::string_view data, bool binary,
                            const std::string &origin)
{
    ClusterMessage m;
    m.origin = origin;
    m.binary = binary;
    m.payload.assign(data);
    m.except_users.assign(target.except_users.begin(), target.except_users.end());
    std::sort(m.except_users.begin(), m.except_users.end());
    m.except_connections.assign(target.except_connections.begin(), target.except_connections.end());
    std::sort(m.except_connections.begin(), m.except_connections.end());
    return m;
}

// One message per target channel (a users list: one per distinct user).
std::vector<ClusterMessage> messages_of(const Target &target, std::string_view data, bool binary,
                                        const std::string &origin)
{
    ClusterMessage m = message_base(target, data, binary, origin);
    std::vector<ClusterMessage> out;
    switch (target.kind) {
    case Target::Kind::connection:
        m.kind = TargetKind::connection;
        m.connections = {target.connection};
        break;
    case Target::Kind::user:
        m.kind = TargetKind::user;
        m.names = {target.user};
        break;
    case Target::Kind::users: {
        std::vector<std::string> users = target.users;
        std::sort(users.begin(), users.end());
        users.erase(std::unique(users.begin(), users.end()), users.end());
        m.kind = TargetKind::user;
        for (std::string &user : users) {
            out.push_back(m);
            out.back().names = {std::move(user)};
        }
        return out;
    }
    case Target::Kind::room:
        m.kind = TargetKind::room;
        m.names = {target.room};
        break;
    case Target::Kind::tags:
        if (target.tags.empty())
            return out; // matches nobody anywhere
        m.kind = TargetKind::tags;
        m.tags.assign(target.tags.begin(), target.tags.end());
        break;
    case Target::Kind::all:
        m.kind = TargetKind::all;
        break;
    }
    out.push_back(std::move(m));
    return out;
}

// What a received message targets on this node.
std::optional<Target> target_of(ClusterMessage &m)
{
    Target t;
    switch (m.kind) {
    case TargetKind::connection:
        if (m.connections.size() != 1)
            return std::nullopt;
        t.kind = Target::Kind::connection;
        t.connection = m.connections.front();
        break;
    case TargetKind::user:
    case TargetKind::users:
        if (m.names.empty())
            return std::nullopt;
        t.kind = Target::Kind::users;
        t.users = std::move(m.names);
        break;
    case TargetKind::room:
        if (m.names.size() != 1)
            return std::nullopt;
        t.kind = Target::Kind::room;
        t.room = std::move(m.names.front());
        break;
    case TargetKind::tags:
        if (m.tags.empty())
            return std::nullopt;
        t.kind = Target::Kind::tags;
        for (auto &[key, value] : m.tags)
            if (!t.tags.emplace(std::move(key), std::move(value)).second)
                return std::nullopt; // one value per key: a predicate no connection can match
        break;
    case TargetKind::all:
        t.kind = Target::Kind::all;
        break;
    }
    t.except_users.insert(m.except_users.begin(), m.except_users.end());
    t.except_connections.insert(m.except_connections.begin(), m.except_connections.end());
    return t;
}

// The answers of one forward() still to come.
struct Pending {
    std::size_t outstanding = 0;
    ForwardResult result;
    ClusterRelay::Forwarded done;
    void finish_one()
    {
        if (--outstanding == 0 && done)
            done(result);
    }
};

} // namespace

ClusterRelay::ClusterRelay(ServiceLoop &loop, Gateway &gateway, std::string prefix, std::string node_id)
    : loop_(loop), gateway_(gateway), node_id_(std::move(node_id)), names_(prefix),
      interest_(cluster::ClusterNames(prefix),
                [this](const std::string &channel, bool subscribe) { subscription(channel, subscribe); })
{
}

ClusterRelay::~ClusterRelay()
{
    if (subscriber_)
        subscriber_->stop();
}

void ClusterRelay::start(lws_vhost *vhost, cluster::RedisLinkSettings settings,
                         cluster::RedisPublisher &publisher)
{
    publisher_ = &publisher;
    settings.name = "subscriber";
    subscriber_ = std::make_unique<cluster::RedisSubscriber>(loop_, vhost, std::move(settings));
    subscriber_->on_message(
        [this](std::string_view channel, std::string_view payload) { received(channel, payload); });
    subscription(names_.all(), true);
    subscriber_->start();
}

void ClusterRelay::numbered(std::uint16_t number)
{
    number_ = number;
    subscription(names_.node(std::to_string(number)), true);
}

void ClusterRelay::subscription(const std::string &channel, bool subscribe)
{
    if (!subscriber_)
        return;
    if (subscribe)
        subscriber_->subscribe(channel);
    else
        subscriber_->unsubscribe(channel);
    stats().cluster_subscriptions.store(subscriber_->wanted_count(), std::memory_order_relaxed);
}

void ClusterRelay::interest_changed(const std::vector<InterestChange> &changes)
{
    for (const InterestChange &c : changes) {
        switch (c.kind) {
        case InterestChange::Kind::user:
            c.held ? interest_.user_added(c.name) : interest_.user_removed(c.name);
            break;
        case InterestChange::Kind::room:
            c.held ? interest_.room_joined(c.name) : interest_.room_left(c.name);
            break;
        case InterestChange::Kind::tag:
            c.held ? interest_.tag_set(c.name, c.value) : interest_.tag_removed(c.name, c.value);
            break;
        }
    }
}

void ClusterRelay::when_subscribed(std::function<void()> fn)
{
    gateway_.flush_interest(); // changes made just now, before their posted flush
    if (!subscriber_) {
        fn();
        return;
    }
    subscriber_->when_subscribed(std::move(fn));
}

std::string ClusterRelay::owner_channel(std::uint64_t connection) const
{
    const auto owner = std::uint16_t(connection >> 48);
    if (owner == 0 || owner == number_)
        return {}; // this node's own id (or one minted before the node had a number): local only
    return std::to_string(owner);
}

void ClusterRelay::forward(const Target &target, std::string_view data, bool binary, Forwarded done)
{
    std::vector<ClusterMessage> messages = messages_of(target, data, binary, node_id_);
    auto pending = std::make_shared<Pending>();
    pending->done = std::move(done);
    pending->outstanding = 1; // held until every publish is on its way
    auto owner = [this](std::uint64_t id) { return owner_channel(id); };
    for (ClusterMessage &m : messages) {
        for (const std::string &channel : interest_.publish_channels(m, owner)) {
            m.seq = ++seq_;
            const bool self = subscriber_ && subscriber_->live(channel); // Redis counts our subscriber too
            ++pending->outstanding;
            const bool sent =
                publisher_ &&
                publisher_->publish(
                    channel, cluster::encode_cluster_message(m), [pending, self](std::optional<long long> n) {
                        if (n) {
                            bump(stats().cluster_published);
                            pending->result.nodes += std::uint64_t(std::max(0LL, *n - (self ? 1 : 0)));
                        } else {
                            bump(stats().cluster_publish_failed);
                            ++pending->result.failed;
                        }
                        pending->finish_one();
                    });
            if (!sent) {
                bump(stats().cluster_publish_failed);
                ++pending->result.failed;
                --pending->outstanding;
            }
        }
    }
    pending->finish_one();
}

void ClusterRelay::received(std::string_view channel, std::string_view payload)
{
    std::string why;
    std::optional<ClusterMessage> m = cluster::decode_cluster_message(payload, why);
    if (!m) {
        log_event(LogLevel::warn, LogFields("cluster_message_invalid"),
                  "cluster: dropped a message on %.*s that is not ours (%s)", int(channel.size()),
                  channel.data(), why.c_str());
        return;
    }
    if (m->origin == node_id_)
        return; // our own publish: delivered here when it was sent
    bump(stats().cluster_received);
    if (std::optional<Target> t = target_of(*m))
        gateway_.send_local(*t, m->payload, m->binary);
}

} // namespace wshost

#include "cluster_relay.h"

#include "base/json_writer.h"
#include "base/log.h"
#include "base/stats.h"
#include "cluster/cluster_message.h"
#include "control/control_json.h"

#include <algorithm>

namespace wshost
{
namespace
{

using cluster::ClusterMessage;
using namespace std::chrono_literals;

// Control calls between nodes: a tag line, then one JSON object.
// A call names its node twice: "reply", the number whose channel the answer
// goes to, and "from", the node id the answer is addressed to ("to"): a node
// that took a new number keeps its old channel, which a later holder of that
// number shares, so an answer is only taken by the node it is for.
constexpr std::string_view kCallMagic = "wshc\n";   // {"call","reply","from","method","path","query","body"}
constexpr std::string_view kAnswerMagic = "wsha\n"; // {"call","to","status","type","body"}
constexpr auto kCallTimeout = 3s;

const std::string *member_text(const control::JsonValue &v, std::string_view key)
{
    const control::JsonValue *m = v.find(key);
    return m && (m->is(control::JsonValue::Type::string) || m->is(control::JsonValue::Type::number))
               ? &m->text
               : nullptr;
}
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
    // Pending calls are dropped unanswered (the process is going): their
    // timers leave lws's list now, and callbacks still held by the links see
    // alive_ gone.
    for (auto &[id, call] : calls_)
        call.timeout->cancel();
    for (auto &[id, gather] : gathers_)
        gather.timeout->cancel();
    calls_.clear();
    gathers_.clear();
    alive_.reset();
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
        [this](std::string_view channel, std::string_view payload) { received(channel, payload, true); });
    subscriber_->on_unwanted(
        [this](std::string_view channel, std::string_view payload) { received(channel, payload, false); });
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

void ClusterRelay::call_owner(std::uint64_t connection, const ControlRequest &request, ControlAnswer done)
{
    const std::string owner = owner_channel(connection);
    if (owner.empty() || !can_call()) {
        done(ControlApi::error(503, "the cluster is down: this node cannot take answers now"));
        return;
    }
    const std::uint64_t call = next_call_++;
    const std::string payload = call_payload(call, request);
    PendingCall &pending = calls_[call];
    pending.done = std::move(done);
    pending.timeout = std::make_unique<ServiceTimer>(loop_, [this, call] {
        finish_call(call, ControlApi::error(504, "the node holding this connection did not answer in time"));
    });
    pending.timeout->schedule_in(kCallTimeout);
    const bool sent = publisher_->publish(
        names_.node(owner), payload,
        [this, alive = std::weak_ptr(alive_), call, connection](std::optional<long long> n) {
            if (alive.expired())
                return;
            if (!n)
                finish_call(call, ControlApi::error(503, "the cluster is down: Redis does not answer"));
            else if (*n == 0) // nobody holds that node number now: the connection is gone
                finish_call(call, ControlApi::error(404, "connection " + std::to_string(connection) +
                                                             " is not connected"));
        });
    if (!sent)
        finish_call(call, ControlApi::error(503, "the cluster is down: Redis does not answer"));
}

std::string ClusterRelay::call_payload(std::uint64_t call, const ControlRequest &request) const
{
    std::string payload(kCallMagic);
    JsonWriter w(payload);
    w.begin_object().key("call").id(call).key("reply").string(std::to_string(number_.value_or(0)));
    w.key("from")
        .string(node_id_)
        .key("method")
        .string(request.method)
        .key("path")
        .string(request.path)
        .key("query")
        .string(request.query);
    w.key("body").string(request.body).end_object();
    return payload;
}

void ClusterRelay::gather(const ControlRequest &request, const GatherScope &scope,
                          std::function<void(Gathered)> done)
{
    if (!can_call()) {
        done(Gathered{ControlApi::error(503, "the cluster is down: this node cannot take answers now"), {}});
        return;
    }
    std::string channel = scope.kind == GatherScope::Kind::user   ? names_.user(scope.name)
                          : scope.kind == GatherScope::Kind::room ? names_.room(scope.name)
                                                                  : names_.all();
    const std::uint64_t call = next_call_++;
    PendingGather &pending = gathers_[call];
    pending.done = std::move(done);
    pending.timeout = std::make_unique<ServiceTimer>(loop_, [this, call] {
        finish_gather(
            call, ControlApi::error(504, "some node holding a part of this answer did not answer in time"));
    });
    pending.timeout->schedule_in(kCallTimeout);
    const bool sent = publisher_->publish(
        channel, call_payload(call, request),
        [this, alive = std::weak_ptr(alive_), call](std::optional<long long> n) {
            if (alive.expired())
                return;
            auto it = gathers_.find(call);
            if (it == gathers_.end())
                return;
            if (!n) {
                finish_gather(call, ControlApi::error(503, "the cluster is down: Redis does not answer"));
                return;
            }
            it->second.receivers = *n;
            gather_progress(call);
        });
    if (!sent)
        finish_gather(call, ControlApi::error(503, "the cluster is down: Redis does not answer"));
}

// Done once every receiver Redis counted has answered (this node's own copy
// counts as its answer: its part is the caller's).
void ClusterRelay::gather_progress(std::uint64_t call)
{
    auto it = gathers_.find(call);
    if (it == gathers_.end() || !it->second.receivers)
        return;
    const PendingGather &g = it->second;
    if (static_cast<long long>(g.answers.size() + (g.own_copy ? 1 : 0)) >= *g.receivers)
        finish_gather(call, std::nullopt);
}

void ClusterRelay::finish_gather(std::uint64_t call, std::optional<ControlResponse> error)
{
    auto it = gathers_.find(call);
    if (it == gathers_.end())
        return;
    PendingGather g = std::move(it->second);
    gathers_.erase(it);
    g.timeout->cancel();
    g.done(Gathered{std::move(error), std::move(g.answers)});
}

void ClusterRelay::finish_call(std::uint64_t call, ControlResponse response)
{
    auto it = calls_.find(call);
    if (it == calls_.end())
        return; // answered already (or timed out)
    ControlAnswer done = std::move(it->second.done);
    it->second.timeout->cancel();
    calls_.erase(it);
    done(std::move(response));
}

// A call from another node: run it here, publish the answer to its node.
void ClusterRelay::call_received(std::string_view json)
{
    control::JsonValue v;
    std::string why;
    const std::string *call = nullptr, *reply = nullptr, *from = nullptr, *method = nullptr, *path = nullptr,
                      *query = nullptr, *body = nullptr;
    if (!control::parse_json(json, v, why) || !(call = member_text(v, "call")) ||
        !(reply = member_text(v, "reply")) || !(from = member_text(v, "from")) ||
        !(method = member_text(v, "method")) || !(path = member_text(v, "path")) ||
        !(query = member_text(v, "query")) || !(body = member_text(v, "body")) || !call_handler_) {
        log_event(LogLevel::warn, LogFields("cluster_message_invalid"), "cluster: dropped a control call: %s",
                  why.empty() ? "a member is missing" : why.c_str());
        return;
    }
    if (*from == node_id_) { // our own gather, back on a channel we hold
        wsh_conn_id id = 0;
        if (control::parse_conn_id(*call, id))
            if (auto it = gathers_.find(id); it != gathers_.end()) {
                it->second.own_copy = true;
                gather_progress(id);
            }
        return;
    }
    ControlRequest request{*method, *path, *query, *body, {}};
    call_handler_(request, [this, alive = std::weak_ptr(alive_), channel = names_.node(*reply), call = *call,
                            to = *from](ControlResponse r) {
        if (alive.expired())
            return; // answered during shutdown
        std::string payload(kAnswerMagic);
        JsonWriter w(payload);
        w.begin_object().key("call").string(call).key("to").string(to).key("status").number(r.status);
        w.key("type").string(r.content_type).key("body").string(r.body).end_object();
        if (publisher_)
            publisher_->publish(channel, payload, nullptr);
    });
}

void ClusterRelay::answer_received(std::string_view json)
{
    control::JsonValue v;
    std::string why;
    const std::string *call = nullptr, *to = nullptr, *status = nullptr, *type = nullptr, *body = nullptr;
    wsh_conn_id id = 0;
    if (!control::parse_json(json, v, why) || !(call = member_text(v, "call")) ||
        !(to = member_text(v, "to")) || !(status = member_text(v, "status")) ||
        !(type = member_text(v, "type")) || !(body = member_text(v, "body")) ||
        !control::parse_conn_id(*call, id) || !control::is_integer_literal(*status) || status->size() != 3 ||
        (*status)[0] < '1' || (*status)[0] > '5')
        return;
    if (*to != node_id_)
        return; // for the other holder of a node number this node held before
    ControlResponse r;
    r.status = std::stoi(*status);
    r.content_type = *type;
    r.body = *body;
    if (auto it = gathers_.find(id); it != gathers_.end()) {
        it->second.answers.push_back(std::move(r));
        gather_progress(id);
        return;
    }
    finish_call(id, std::move(r));
}

bool ClusterRelay::can_call() const
{
    // Answers come to this node's channel: it must be subscribed now.
    return number_ && publisher_ && subscriber_ && subscriber_->live(names_.node(std::to_string(*number_)));
}

// `wanted`: false for a channel being unsubscribed, which Redis still
// delivers until it has run the UNSUBSCRIBE: sends there are for nobody here
// any more, but a control call still gets this node's (empty) part, since
// Redis counted this node when the caller published it.
void ClusterRelay::received(std::string_view channel, std::string_view payload, bool wanted)
{
    if (payload.substr(0, kCallMagic.size()) == kCallMagic) {
        call_received(payload.substr(kCallMagic.size()));
        return;
    }
    if (payload.substr(0, kAnswerMagic.size()) == kAnswerMagic) {
        answer_received(payload.substr(kAnswerMagic.size()));
        return;
    }
    if (!wanted)
        return;
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

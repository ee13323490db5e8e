#include "base/metrics.h"

#include <array>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#ifndef WSHOST_VERSION
#define WSHOST_VERSION "unknown"
#endif

namespace wshost::metrics
{
namespace
{

// Upper bounds (seconds) of wshost_action_duration_seconds, with their
// exposition text; +Inf is implicit.
constexpr std::array<double, 14> kBuckets = {.0005, .001, .0025, .005, .01, .025, .05,
                                             .1,    .25,  .5,    1,    2.5, 5,    10};
constexpr std::array<const char *, 14> kBucketText = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                                      "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                                      "1",      "2.5",   "5",      "10"};

// Label values of one sample joined by NUL (no label value holds one).
using Key = std::string;
constexpr char kSep = '\0';

struct Histogram {
    std::array<std::uint64_t, kBuckets.size() + 1> counts{}; // per bucket, last = +Inf; not cumulative
    double sum = 0;
    std::uint64_t count = 0;
};

} // namespace

struct ActionMetrics {
    std::string name;
    std::uint64_t successes = 0; // wshost_actions_total{status="success"}; other statuses: Registry::actions
    Histogram durations;
};

namespace
{

struct Registry {
    std::mutex mu;
    std::map<Key, std::uint64_t> closed, auth, dropped, actions, control, reloads, refused;
    // By action name; the handles' addresses never change.
    std::map<std::string, std::unique_ptr<ActionMetrics>, std::less<>> action_handles;
    std::uint64_t generation = 1;
};

Registry &registry()
{
    static Registry r;
    return r;
}

// The key for `values`, folded to "_other" once `family` is full.
template <typename Map> const Key &key_of(const Map &family, std::initializer_list<std::string_view> values)
{
    thread_local Key key; // reused: no allocation per call once warm
    key.clear();
    bool first = true;
    for (std::string_view v : values) {
        if (!first)
            key.push_back(kSep);
        key.append(v);
        first = false;
    }
    if (family.size() >= kMaxLabelSets && family.find(key) == family.end()) {
        key.clear();
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i)
                key.push_back(kSep);
            key += "_other";
        }
    }
    return key;
}

void add(std::map<Key, std::uint64_t> &family, std::initializer_list<std::string_view> values,
         std::uint64_t n)
{
    std::lock_guard lock(registry().mu);
    const Key &key = key_of(family, values);
    auto it = family.find(key);
    if (it == family.end())
        it = family.emplace(key, 0).first;
    it->second += n;
}

// --- exposition ---------------------------------------------------------------

void header(std::string &out, std::string_view name, std::string_view type, std::string_view help)
{
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void append_label_value(std::string &out, std::string_view v)
{
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out.push_back(c);
    }
}

// `name{l1="v1",l2="v2",extra} value`; `key` holds the values joined by kSep.
void sample(std::string &out, std::string_view name, std::initializer_list<std::string_view> labels,
            std::string_view key, std::string_view value, std::string_view extra = {})
{
    out.append(name);
    if (labels.size() || !extra.empty()) {
        out.push_back('{');
        std::size_t start = 0;
        bool first = true;
        for (std::string_view label : labels) {
            std::size_t end = key.find(kSep, start);
            if (end == std::string_view::npos)
                end = key.size();
            out.append(first ? "" : ",").append(label).append("=\"");
            append_label_value(out, key.substr(start, end - start));
            out.push_back('"');
            start = end + 1;
            first = false;
        }
        if (!extra.empty())
            out.append(first ? "" : ",").append(extra);
        out.push_back('}');
    }
    out.push_back(' ');
    out.append(value).push_back('\n');
}

std::string number(double v)
{
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

void counter_family(std::string &out, std::string_view name, std::string_view help,
                    std::initializer_list<std::string_view> labels,
                    const std::map<Key, std::uint64_t> &family)
{
    header(out, name, "counter", help);
    for (const auto &[key, value] : family)
        sample(out, name, labels, key, std::to_string(value));
}

void plain(std::string &out, std::string_view name, std::string_view type, std::string_view help,
           std::uint64_t value)
{
    header(out, name, type, help);
    sample(out, name, {}, {}, std::to_string(value));
}

uint64_t load(const std::atomic<uint64_t> &v)
{
    return v.load(std::memory_order_relaxed);
}

} // namespace

ActionMetrics *action_metrics(std::string_view action)
{
    Registry &r = registry();
    std::lock_guard lock(r.mu);
    auto it = r.action_handles.find(action);
    if (it == r.action_handles.end()) {
        if (r.action_handles.size() >= kMaxLabelSets)
            action = "_other";
        it = r.action_handles.find(action);
    }
    if (it == r.action_handles.end()) {
        auto handle = std::make_unique<ActionMetrics>();
        handle->name = action;
        it = r.action_handles.emplace(handle->name, std::move(handle)).first;
    }
    return it->second.get();
}

void action(ActionMetrics &m, std::string_view status, double seconds)
{
    Registry &r = registry();
    std::lock_guard lock(r.mu);
    if (status == "success") {
        ++m.successes;
    } else {
        const Key &key = key_of(r.actions, {m.name, status});
        auto it = r.actions.find(key);
        if (it == r.actions.end())
            it = r.actions.emplace(key, 0).first;
        ++it->second;
    }
    Histogram &h = m.durations;
    std::size_t b = 0;
    while (b < kBuckets.size() && seconds > kBuckets[b])
        ++b;
    ++h.counts[b];
    h.sum += seconds;
    ++h.count;
}

void action(std::string_view name, std::string_view status, double seconds)
{
    action(*action_metrics(name), status, seconds);
}

void closed(int code)
{
    add(registry().closed, {std::to_string(code)}, 1);
}

void auth(std::string_view result)
{
    add(registry().auth, {result}, 1);
}

void dropped(std::string_view reason, std::uint64_t n)
{
    add(registry().dropped, {reason}, n);
}

void handshake_refused(std::string_view status)
{
    add(registry().refused, {status}, 1);
}

void control(std::string_view endpoint, int status)
{
    add(registry().control, {endpoint, std::to_string(status)}, 1);
}

void reload(std::string_view result)
{
    add(registry().reloads, {result}, 1);
}

void set_reload_generation(std::uint64_t generation)
{
    std::lock_guard lock(registry().mu);
    registry().generation = generation;
}

void reset_for_tests()
{
    Registry &r = registry();
    std::lock_guard lock(r.mu);
    r.closed.clear();
    r.auth.clear();
    r.dropped.clear();
    r.actions.clear();
    r.control.clear();
    r.reloads.clear();
    r.refused.clear();
    for (auto &[name, handle] : r.action_handles) { // plugins' actions still point at them
        handle->successes = 0;
        handle->durations = Histogram{};
    }
    r.generation = 1;
}

std::string render(const Stats &s)
{
    std::string out;
    out.reserve(8192);
    Registry &r = registry();
    std::lock_guard lock(r.mu);

    plain(out, "wshost_connections", "gauge", "Open WebSocket connections.", load(s.connections));
    plain(out, "wshost_connections_opened_total", "counter", "WebSocket connections accepted.",
          load(s.connections_opened));
    counter_family(out, "wshost_connections_closed_total", "WebSocket connections closed, by close code.",
                   {"code"}, r.closed);
    counter_family(out, "wshost_auth_total", "Authenticator verdicts, by result.", {"result"}, r.auth);
    plain(out, "wshost_handshakes_in_progress", "gauge",
          "WebSocket-port connections accepted and not yet admitted (headers, upgrade, authentication).",
          load(s.handshakes_in_progress));
    plain(out, "wshost_handshake_addresses", "gauge",
          "Client addresses with a handshake in progress (max_handshakes_per_ip counts per address).",
          load(s.handshake_addresses));
    plain(out, "wshost_handshake_requests_held", "gauge",
          "Captured upgrade requests waiting for their connection to be established.",
          load(s.handshake_requests_held));
    plain(out, "wshost_admission_slots", "gauge",
          "Connection-cap slots held (max_connections): open connections and upgrades being established.",
          load(s.admission_slots));
    plain(out, "wshost_admission_addresses", "gauge",
          "Client addresses holding a connection-cap slot (max_connections_per_ip counts per address).",
          load(s.admission_addresses));
    counter_family(
        out, "wshost_handshakes_refused_total",
        "WebSocket handshakes refused by the host, by HTTP status (\"closed\": dropped at accept).",
        {"status"}, r.refused);
    plain(out, "wshost_messages_received_total", "counter", "WebSocket messages received from clients.",
          load(s.messages_received));
    plain(out, "wshost_messages_sent_total", "counter", "WebSocket messages written to clients.",
          load(s.messages_sent));
    plain(out, "wshost_bytes_received_total", "counter", "Payload bytes received from clients.",
          load(s.bytes_received));
    plain(out, "wshost_bytes_sent_total", "counter", "Payload bytes written to clients.", load(s.bytes_sent));
    {
        std::map<Key, std::uint64_t> actions = r.actions;
        for (const auto &[name, handle] : r.action_handles)
            if (handle->successes)
                actions[name + kSep + "success"] += handle->successes;
        counter_family(out, "wshost_actions_total",
                       "Actions handled, by action and status (success or error code).", {"action", "status"},
                       actions);
    }

    header(out, "wshost_action_duration_seconds", "histogram", "Time from dispatch to response, by action.");
    for (const auto &[key, handle] : r.action_handles) {
        const Histogram &h = handle->durations;
        if (h.count == 0)
            continue; // registered, never answered: no sample, as before any handle existed
        std::uint64_t cumulative = 0;
        for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
            cumulative += h.counts[b];
            std::string le = "le=\"";
            le += b < kBuckets.size() ? kBucketText[b] : "+Inf";
            le += '"';
            sample(out, "wshost_action_duration_seconds_bucket", {"action"}, key, std::to_string(cumulative),
                   le);
        }
        sample(out, "wshost_action_duration_seconds_sum", {"action"}, key, number(h.sum));
        sample(out, "wshost_action_duration_seconds_count", {"action"}, key, std::to_string(h.count));
    }

    plain(out, "wshost_deliveries_total", "counter",
          "Gateway pushes queued to connections (one per recipient).", load(s.deliveries));
    {
        std::map<Key, std::uint64_t> dropped = r.dropped;
        dropped["slow_consumer"] += load(s.dropped_slow_consumer);
        counter_family(out, "wshost_dropped_total", "Messages dropped, by reason.", {"reason"}, dropped);
    }
    plain(out, "wshost_queue_bytes", "gauge", "Bytes waiting in connection send queues.",
          load(s.queue_bytes));
    counter_family(out, "wshost_control_requests_total", "Control API requests, by route and HTTP status.",
                   {"endpoint", "status"}, r.control);
    counter_family(out, "wshost_reloads_total", "Configuration reloads, by result.", {"result"}, r.reloads);
    plain(out, "wshost_reload_generation", "gauge", "Generation of the running configuration.", r.generation);
    if (const int up = s.cluster_up.load(std::memory_order_relaxed); up >= 0)
        plain(out, "wshost_cluster_up", "gauge",
              "1 while Redis answers and the node holds its node number, else 0 (absent with engine none).",
              std::uint64_t(up));
    if (s.cluster_up.load(std::memory_order_relaxed) >= 0) {
        plain(out, "wshost_cluster_published_total", "counter",
              "Sends published for other nodes (one per target channel) that Redis accepted.",
              load(s.cluster_published));
        plain(out, "wshost_cluster_publish_failed_total", "counter",
              "Publishes for other nodes that failed: Redis down, output bound, no reply, error.",
              load(s.cluster_publish_failed));
        plain(out, "wshost_cluster_received_total", "counter",
              "Messages received from other nodes (what Redis delivered to this node).",
              load(s.cluster_received));
        plain(out, "wshost_cluster_sequence_gaps_total", "counter",
              "Messages of another node this node never received (gaps in its sequence).",
              load(s.cluster_sequence_gaps));
        plain(out, "wshost_cluster_subscriptions", "gauge",
              "Redis channels this node subscribes to (its users, rooms, tag pairs, everyone, itself).",
              load(s.cluster_subscriptions));
        plain(out, "wshost_cluster_pending_bytes", "gauge",
              "Bytes of publishes and presence commands waiting to be written to Redis "
              "(past 8 MiB, publishes are refused).",
              load(s.cluster_pending_bytes));
        plain(out, "wshost_cluster_forwards_refused_total", "counter",
              "Sends from plugin threads not published: past the 8 MiB waiting for the service "
              "thread (also counted in wshost_cluster_publish_failed_total).",
              load(s.cluster_forwards_refused));
    }
    header(out, "wshost_build_info", "gauge", "Build information; the value is always 1.");
    sample(out, "wshost_build_info", {"version"}, WSHOST_VERSION, "1");
    return out;
}

} // namespace wshost::metrics

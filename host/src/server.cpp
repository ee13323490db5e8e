#include "server.h"

#include "base/stats.h"
#include "config/config_diff.h"
#include "config/log_settings.h"
#include "control/control_http.h"
#include "transport/accept_gate.h"
#include "transport/ws_listener.h"

#include <unistd.h>

#include <csignal>

namespace wshost
{
namespace
{

using namespace std::chrono_literals;
constexpr std::chrono::microseconds kStatusInterval = 2s; // how stale STATUS= may be

// What a posted copy of a send holds, roughly: the payload, the target and
// its names (a multicast to many users is mostly names), a node per entry.
std::size_t posted_bytes(const Target &t, std::string_view data)
{
    constexpr std::size_t kNode = 32; // per element of a container, beside its text
    std::size_t n = sizeof(Target) + data.size() + t.user.size() + t.room.size();
    for (const std::string &u : t.users)
        n += kNode + u.size();
    for (const auto &[key, value] : t.tags)
        n += kNode + key.size() + value.size();
    for (const std::string &u : t.except_users)
        n += kNode + u.size();
    return n + kNode * t.except_connections.size();
}

} // namespace

Server::Server(Config config)
    : config_(std::move(config)), gateway_(config_.websocket), replies_(&gateway_),
      workers_(config_.workers.threads, config_.workers.queue_size),
      auth_(config_.auth,
            [this](wsh_conn_id conn, Verdict verdict) {
                loop_.post([this, conn, v = std::move(verdict)]() mutable {
                    sessions_.apply_verdict(conn, std::move(v));
                });
            }),
      dispatcher_(config_.websocket, gateway_, replies_, workers_, loop_,
                  [this](ReplyRegistry::Clock::time_point deadline) { deadlines_.added(deadline); })
{
}

Server::~Server()
{
    generations_.stop_reloads(); // an attempt under way finishes loading; its swap never runs
    loop_.detach();              // plugin threads may still call in until fini: no wakes into a dead context
    relay_.reset();              // it publishes through the node's link
    cluster_.reset();            // its Redis link and timer live in the context
    runtime_.destroy();          // closes what is left; hooks still see the plugins
    loop_.run_posted();          // hooks queued by those closes
    // Then the plugins, while everything they may call during fini still exists:
    // queued blocking handlers finish first, then what held a generation for a
    // client that is gone, then the last reference goes.
    workers_.stop();
    replies_.abandon_all();
    auth_.abandon_all();
    generations_.unload_all();
}

bool Server::load_plugins(std::vector<ConfigError> &errors)
{
    if (!generations_.load(config_, errors))
        return false;
    // Straight from the thread that ends the attempt (the gateway's count is
    // locked): posting would let the STATUS timer report the new generation
    // before its READY=1.
    auto finished = [this](const ReloadResult &r) {
        notify_.reloaded(r.generation, r.status == "ok", gateway_.size());
    };
    generations_.start_reloads([this](const Config &next) { return apply_reload(next); },
                               {.started = [this] { notify_.reloading(); }, .finished = finished});
    return true;
}

// The reload's commit (service thread): the settings that change live.
std::vector<std::string> Server::apply_reload(const Config &next)
{
    std::vector<std::string> restart = restart_required(config_, next);
    apply_reloadable(config_, next);
    reapply_log_settings(config_.log);
    gateway_.set_limits(config_.websocket);
    if (control_api_)
        control_api_->set_config(config_.control);
    return restart;
}

bool Server::start(const std::string &ready_file)
{
    const lws_protocols *protocols = WsSessions::protocols(config_, SignalWatch::protocol());
    accept_gate_ = AcceptGate(connection_fd_budget()); // before lws sizes its table
    if (!runtime_.create(RuntimeOptions::of(config_)))
        return false;
    gateway_.attach(loop_);
    if (!start_cluster())
        return false;
    if (runtime_.run_each_pass([this] { gateway_.flush_corked(); }))
        gateway_.enable_corking();

    lws_vhost *ws_vhost =
        create_ws_vhost(runtime_.context(), config_.server, config_.websocket, protocols, &sessions_);
    if (!ws_vhost || !signals_.adopt(ws_vhost, [this](int signo) { on_signal(signo); }))
        return false;
    const int port = lws_get_vhost_listen_port(ws_vhost);
    ReadyInfo ready{getpid(), port, -1, {}};
    if (!start_control(ready))
        return false;
    log_listening(config_.server, port);
    if (!publish_ready_file(ready_file, ready))
        return false;
    notify_.ready(generations_.reload_result().generation, gateway_.size());
    notify_.follow(loop_, kStatusInterval,
                   [this] { return std::pair(generations_.reload_result().generation, gateway_.size()); });
    return true;
}

bool Server::start_control(ReadyInfo &ready)
{
    ControlHooks hooks;
    hooks.ready = [this] { return !drain_.stopping(); };
    hooks.plugins_json = [this] { return generations_.plugins_json(); };
    hooks.reload_status = [this] { return generations_.reload_result().to_json(); };
    hooks.reload_start = [this](std::function<void(bool, std::string)> done) {
        generations_.request_reload(
            [done = std::move(done)](const ReloadResult &r) { done(r.status == "ok", r.to_json()); });
    };
    if (cluster_) {
        hooks.cluster_send = [this](const Target &target, std::string_view data, bool binary,
                                    std::function<void(std::uint64_t nodes, std::uint64_t failed)> done) {
            relay_->forward(target, data, binary,
                            [done = std::move(done)](const ForwardResult &r) { done(r.nodes, r.failed); });
        };
        hooks.cluster_settled = [this](std::function<void()> done) {
            relay_->when_subscribed(std::move(done));
        };
        hooks.held_elsewhere = [this](wsh_conn_id id) { return relay_->held_elsewhere(id); };
        hooks.forward = [this](wsh_conn_id id, const ControlRequest &request,
                               std::function<void(ControlResponse)> done) {
            relay_->call_owner(id, request, std::move(done));
        };
        hooks.gather = [this](const ControlRequest &request, const GatherScope &scope,
                              std::function<void(Gathered)> done) {
            relay_->gather(request, scope, std::move(done));
        };
        hooks.node_id = cluster_->node_id();
        // Another node's request for a connection held here: answered by this
        // node's API (a deferred answer may come from any thread: back to ours).
        relay_->set_call_handler([this](const ControlRequest &request, ClusterRelay::ControlAnswer answer) {
            ControlResponse r = control_api_->handle_forwarded(request);
            if (!r.defer) {
                answer(std::move(r));
                return;
            }
            r.defer([this, answer = std::move(answer)](ControlResponse later) {
                loop_.post([answer, later = std::move(later)] { answer(later); });
            });
        });
        hooks.cluster_state = [this] { return std::string(cluster_->up() ? "up" : "down"); };
        hooks.nodes_list = [this](std::function<void(int, std::string)> done) {
            cluster_->list_nodes(std::move(done));
        };
    }
    control_api_ = std::make_unique<ControlApi>(gateway_, config_.control, std::move(hooks));
    return listen_control(runtime_.context(), config_.control, *control_api_, loop_, &accept_gate_, ready,
                          config_.server.reuse_port);
}

// engine = "redis": presence in Redis; Redis down now is fine (it joins later).
bool Server::start_cluster()
{
    if (config_.cluster.engine != "redis")
        return true;
    stats().cluster_up.store(0, std::memory_order_relaxed);
    ClusterNode::Hooks hooks;
    hooks.connections = [this] { return std::uint64_t(gateway_.size()); };
    hooks.numbered = [this](std::uint16_t n) {
        gateway_.set_node_number(n);
        relay_->numbered(n);
    };
    hooks.state_changed = [](bool up) { stats().cluster_up.store(up ? 1 : 0, std::memory_order_relaxed); };
    cluster_ = std::make_unique<ClusterNode>(loop_, config_.cluster, std::move(hooks));
    relay_ =
        std::make_unique<ClusterRelay>(loop_, gateway_, config_.cluster.redis.prefix, cluster_->node_id());
    if (!cluster_->start(runtime_.context()))
        return false;
    relay_->start(cluster_->vhost(), cluster_->link_settings("subscriber"), cluster_->publisher());
    gateway_.set_interest_listener([this](const std::vector<InterestChange> &changes) {
        if (relay_)
            relay_->interest_changed(changes);
    });
    // Off the service thread a send is posted whole: one sender's sends stay
    // in order. A plugin thread that outruns the service thread meets the
    // same bound as the publisher's output: past it the send is not published
    // (delivered here, counted as a failed publish), so memory stays flat.
    gateway_.set_forwarder([this](const Target &target, std::string_view data, bool binary) {
        if (loop_.on_service_thread()) {
            if (relay_)
                relay_->forward(target, data, binary);
            return;
        }
        const std::size_t cost = posted_bytes(target, data);
        if (!forwards_posted_.take(cost)) {
            bump(stats().cluster_publish_failed);
            bump(stats().cluster_forwards_refused);
            return;
        }
        loop_.post([this, target, data = std::string(data), binary, cost] {
            forwards_posted_.give(cost);
            if (relay_)
                relay_->forward(target, data, binary);
        });
    });
    return true;
}

void Server::on_signal(int signo)
{
    if (signo == SIGHUP) {
        generations_.request_reload(); // coalesced with any attempt already asked for
        return;
    }
    if (cluster_)
        cluster_->leave(); // at once: the node is gone from GET /v1/nodes while it drains
    drain_.begin(signo == SIGINT ? "SIGINT" : "SIGTERM");
}

void Server::drained()
{
    if (cluster_)
        cluster_->when_left([this] { runtime_.leave(); });
    else
        runtime_.leave();
}

} // namespace wshost

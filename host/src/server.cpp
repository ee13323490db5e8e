#include "server.h"

#include "transport/accept_gate.h"
#include "base/close_codes.h"
#include "config/config_diff.h"
#include "control/control_http.h"
#include "base/json_writer.h"
#include "base/log.h"
#include "transport/ready_file.h"
#include "transport/static_files.h"
#include "transport/ws_session.h"
#include "base/stats.h"

#include <arpa/inet.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include <algorithm>
#include <csignal>
#include <cstring>

namespace wshost
{
namespace
{

constexpr int kDrainDeadlineMs = 5000;         // SIGTERM: clients get this long to take their 1001
constexpr lws_usec_t kLibevTickUs = 50 * 1000; // libev: how late one of our timers may fire
constexpr unsigned kFdMargin = 64;             // fds kept free for what is not a connection: logs, plugins...
constexpr lws_usec_t kStatusIntervalUs = 2 * 1000 * 1000; // how stale STATUS= may be

Server *server_of(lws *wsi)
{
    return static_cast<Server *>(lws_context_user(lws_get_context(wsi)));
}

int ws_callback(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len)
{
    return server_of(wsi)->on_ws(wsi, reason, user, in, len);
}
int http_callback(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len)
{
    return server_of(wsi)->on_http(wsi, reason, user, in, len);
}
int signal_callback(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len)
{
    return server_of(wsi)->on_signal(wsi, reason, user, in, len);
}

void lws_log_to_ours(int level, const char *line)
{
    std::string_view text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
    log_event(level & LLL_ERR    ? LogLevel::error
              : level & LLL_WARN ? LogLevel::warn
                                 : LogLevel::debug,
              LogFields("lws"), std::string(text.empty() ? "" : "lws: ") + std::string(text));
}

} // namespace

void block_server_signals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Server::Server(Config config)
    : config_(std::move(config)), gateway_(config_.websocket), replies_(&gateway_),
      workers_(config_.workers.threads, config_.workers.queue_size),
      auth_(config_.auth,
            [this](wsh_conn_id conn, Verdict verdict) {
                post([this, conn, v = std::move(verdict)]() mutable { apply_verdict(conn, std::move(v)); });
            }),
      caps_(config_.websocket), dispatcher_(
                                    config_.websocket, gateway_, replies_, workers_,
                                    [this](std::function<void()> task) { post(std::move(task)); },
                                    [this](ReplyRegistry::Clock::time_point deadline) {
                                        // Most requests share a timeout, so their deadlines come after the
                                        // one armed.
                                        if (!deadline_timer_armed_ || deadline < deadline_timer_at_)
                                            arm_deadline_timer();
                                    })
{
    deadline_timer_.server = this;
    drain_timer_.server = this;
    exit_timer_.server = this;
    libev_tick_.server = this;
    status_timer_.server = this;
    // Hooks never run inside a plugin's own call into the host: queue them.
    gateway_.set_room_listener([this](const RoomEvent &e) {
        post([this, e] {
            wsh_event ev{};
            ev.struct_size = sizeof ev;
            ev.kind = e.joined ? WSH_HOOK_ROOM_JOINED : WSH_HOOK_ROOM_LEFT;
            ev.conn = e.connection;
            ev.user_id = {e.user_id.data(), e.user_id.size()};
            ev.room = {e.room.data(), e.room.size()};
            fire_hooks(ev);
        });
    });
}

void Server::fire_hooks(const wsh_event &event)
{
    if (const auto &set = dispatcher_.plugins())
        fire_hook(*set, event);
}

Server::~Server()
{
    if (reloader_)
        reloader_->stop(); // an attempt under way finishes loading; its swap never runs
    gateway_.detach();     // plugin threads may still call in until fini: no wakes into a dead context
    if (context_)
        lws_context_destroy(context_); // closes what is left; hooks still see the plugins
    context_ = nullptr;
    run_posted(); // hooks queued by those closes
    // Then the plugins, while everything they may call during fini still exists:
    // queued blocking handlers finish first, then the last reference goes.
    workers_.stop();
    auth_.set_plugin({}, nullptr);
    dispatcher_.set_plugins(nullptr);
    run_posted(); // the retired generations' unloads
    if (signal_fd_ >= 0)
        ::close(signal_fd_);
}

std::shared_ptr<PluginSet> Server::load_generation(const Config &config, std::vector<ConfigError> &errors,
                                                   const PluginSet *running)
{
    std::unique_ptr<PluginSet> set =
        PluginSet::load(config, HostServices{&replies_, &gateway_, &auth_}, errors, running);
    if (!set)
        return nullptr;
    // A generation is unloaded (fini, dlclose) on the service thread once its
    // last user lets go: the dispatcher, a running handler, an open reply or
    // an authentication in progress. Never on a plugin's own thread.
    return std::shared_ptr<PluginSet>(set.release(),
                                      [this](PluginSet *retired) { post([retired] { delete retired; }); });
}

void Server::install_generation(std::shared_ptr<PluginSet> set)
{
    if (const PluginAuthenticator *a = set->authenticator())
        auth_.set_plugin(*a, set);
    else
        auth_.set_plugin({}, nullptr);
    for (const auto &p : set->plugins())
        if (set->carried_over(*p))
            log_event(LogLevel::info, LogFields("plugin_kept").plugin(p->name()),
                      "plugin '%s' %s kept, its config reloaded in place", p->name().c_str(),
                      p->version().c_str());
        else
            log_event(LogLevel::info, LogFields("plugin_loaded").plugin(p->name()),
                      "plugin '%s' %s loaded from %s%s", p->name().c_str(), p->version().c_str(),
                      p->config().resolved.c_str(), p->blocking() ? " (blocking: worker pool)" : "");
    installed_ = set;
    dispatcher_.set_plugins(std::move(set));
}

bool Server::load_plugins(std::vector<ConfigError> &errors)
{
    auto set = load_generation(config_, errors);
    if (!set)
        return false;
    install_generation(std::move(set));
    reloader_ = std::make_unique<Reloader>(
        [this](std::vector<ConfigError> &errors) { return prepare_reload(errors); },
        [this](std::unique_ptr<PreparedReload> prepared) { return commit_reload(std::move(prepared)); },
        [this](std::function<void()> task) { post(std::move(task)); },
        // Straight from the thread that ends the attempt (the gateway's count
        // is locked): posting would let the STATUS timer report the new
        // generation before its READY=1.
        Reloader::Observer{.started = [this] { notify_.reloading(); },
                           .finished =
                               [this](const ReloadResult &r) {
                                   notify_.reloaded(r.generation, r.status == "ok", gateway_.size());
                               }});
    return true;
}

namespace
{

struct PreparedGeneration : PreparedReload {
    Config config;
    std::shared_ptr<PluginSet> plugins;
};

} // namespace

std::unique_ptr<PreparedReload> Server::prepare_reload(std::vector<ConfigError> &errors)
{
    // config_.file is only ever read, and never changes: safe off the service thread.
    ConfigLoad loaded = load_config(config_.file);
    if (!loaded.config) {
        errors = std::move(loaded.errors);
        return nullptr;
    }
    auto prepared = std::make_unique<PreparedGeneration>();
    prepared->config = std::move(*loaded.config);
    std::shared_ptr<PluginSet> running = installed_.lock();
    // init (and lighter reloads) run here, not on the loop
    prepared->plugins = load_generation(prepared->config, errors, running.get());
    if (!prepared->plugins)
        return nullptr;
    return prepared;
}

std::vector<std::string> Server::commit_reload(std::unique_ptr<PreparedReload> prepared)
{
    auto &next = static_cast<PreparedGeneration &>(*prepared);
    std::vector<std::string> restart = restart_required(config_, next.config);
    apply_reloadable(config_, next.config);
    LogLevel level = LogLevel::info;
    parse_log_level(config_.log.level, level);
    set_log_level(level);
    LogFormat format = LogFormat::text;
    parse_log_format(config_.log.format, format);
    set_log_format(format);
    if (!set_log_file(config_.log.file))
        log_event(LogLevel::error, LogFields("log_file_failed"),
                  "reload: cannot open log file %s; logging where it did", config_.log.file.c_str());
    gateway_.set_limits(config_.websocket);
    if (control_api_)
        control_api_->set_config(config_.control);
    // New requests go to the new generation from here on; the old one is
    // unloaded when its last running handler, reply or verdict lets go.
    install_generation(std::move(next.plugins));
    return restart;
}

bool Server::start(const std::string &ready_file)
{

    const bool libev = config_.server.event_loop == EventLoop::libev;
    // lws's NOTICE lines are debug output; the libev backend logs every I/O
    // event at NOTICE (T15), so it never gets them.
    lws_set_log_level(log_enabled(LogLevel::debug) && !libev ? LLL_ERR | LLL_WARN | LLL_NOTICE
                                                             : LLL_ERR | LLL_WARN,
                      lws_log_to_ours);

    static const lws_protocol_vhost_options pvo_default = {nullptr, nullptr, "default", "1"};
    static const lws_protocol_vhost_options pvo = {nullptr, &pvo_default, "wshost", ""};
    static lws_protocols protocols[] = {
        // protocols[0] gets every plain HTTP request on the WebSocket port.
        {"http-only", http_callback, sizeof(StaticSession), 0, 0, nullptr, 0},
        {"wshost", ws_callback, sizeof(WsSession), 0, 0, nullptr, 0},
        {"wshost-signal", signal_callback, 0, 0, 0, nullptr, 0},
        {nullptr, nullptr, 0, 0, 0, nullptr, 0},
    };
    protocols[1].rx_buffer_size = config_.websocket.rx_buffer_bytes;
    static const lws_extension extensions[] = {
        {"permessage-deflate", lws_extension_callback_pm_deflate,
         "permessage-deflate; client_no_context_takeover; client_max_window_bits"},
        {nullptr, nullptr, nullptr},
    };

    lws_context_creation_info info{};
    // VALIDATE_UTF8 is read from the context: invalid text closes with 1007.
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (config_.server.tls.enabled || (config_.control.enabled && config_.control.tls.enabled))
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    if (libev) {
        info.options |= LWS_SERVER_OPTION_LIBEV; // lws loads libwebsockets-evlib_ev.so for it
        // Our loop, so that the gateway can flush once per pass (loop_pass.h).
        foreign_loops_[0] = libev_pass_.create_loop();
        if (!foreign_loops_[0]) {
            log_event(LogLevel::error, LogFields("start_failed"), "cannot create the libev loop");
            return false;
        }
        info.foreign_loops = foreign_loops_;
    }
    info.user = this;
    // No fd_limit_per_thread: below the ulimit it makes lws 4.1.6 scan its fd
    // table on every event. The accept gate stops accepting instead (T19).
    accept_gate_ = AcceptGate(connection_fd_budget(kFdMargin)); // before lws sizes its table
    // lws drops a request whose headers overflow this buffer, without an
    // answer (T11). Room beyond [server] max_header_bytes lets the host answer
    // 431 itself for most oversized requests (upgrade_checks.h).
    info.max_http_header_data =
        static_cast<unsigned short>(std::min<std::size_t>(config_.server.max_header_bytes + 8192, 65535));
    context_ = lws_create_context(&info);
    if (!context_) {
        log_event(LogLevel::error, LogFields("start_failed"), "cannot create the libwebsockets context%s",
                  libev ? " (event_loop = \"libev\" needs the package libwebsockets-evlib-ev)" : "");
        return false;
    }
    gateway_.attach(context_);
    if (libev) {
        // Only libev: poll gives no point between lws's timers and its wait.
        gateway_.enable_corking();
        libev_pass_.start([this] { gateway_.flush_corked(); });
        libev_tick_fired(&libev_tick_.sul);
    }

    static lws_retry_bo_t retry{};
    lws_context_creation_info vi{};
    const ServerConfig &sc = config_.server;
    bool ipv6 = sc.address.find(':') != std::string::npos;
    vi.vhost_name = "ws";
    vi.iface = sc.address.c_str();
    vi.port = sc.port; // 0: the kernel picks a free port; the ready file tells which
    vi.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (!ipv6)
        vi.options |= LWS_SERVER_OPTION_DISABLE_IPV6; // else 127.0.0.1 binds every interface (T1)
    vi.protocols = protocols;
    vi.pvo = &pvo;
    if (config_.websocket.compression)
        vi.extensions = extensions;
    if (config_.websocket.ping_interval_s > 0) {
        retry.secs_since_valid_ping = static_cast<uint16_t>(config_.websocket.ping_interval_s);
        retry.secs_since_valid_hangup = static_cast<uint16_t>(
            config_.websocket.idle_timeout_s > 0 ? config_.websocket.idle_timeout_s : 0xffff);
        vi.retry_and_idle_policy = &retry;
    }
    if (sc.tls.enabled) {
        vi.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT; // per vhost too, or it serves plaintext (T2)
        vi.ssl_cert_filepath = sc.tls.cert_file.c_str();
        vi.ssl_private_key_filepath = sc.tls.key_file.c_str();
        vi.alpn = "http/1.1";                               // no WebSockets over h2 (T21)
        vi.ssl_cipher_list = "ECDHE+AESGCM:ECDHE+CHACHA20"; // forward secrecy only (T30)
        vi.tls1_3_plus_cipher_list =
            "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
    }
    ws_vhost_ = lws_create_vhost(context_, &vi);
    if (!ws_vhost_) {
        log_event(LogLevel::error, LogFields("listen_failed"),
                  "cannot listen on %s:%d (address in use, or not an address of this machine?)",
                  sc.address.c_str(), sc.port);
        return false;
    }
    int port = lws_get_vhost_listen_port(ws_vhost_);
    if (!adopt_signalfd())
        return false;
    ReadyInfo ready{getpid(), port, -1, {}};
    if (!start_control(ready))
        return false;

    log_event(LogLevel::info, LogFields("listening"), "wshost %s listening on %s://%s%s%s:%d%s",
              WSHOST_VERSION, sc.tls.enabled ? "wss" : "ws", ipv6 ? "[" : "", sc.address.c_str(),
              ipv6 ? "]" : "", port, sc.path.c_str());
    if (!sc.static_dir.empty())
        log_event(LogLevel::info, LogFields("static_files"), "serving the files of %s at http%s://%s%s%s:%d/",
                  sc.static_dir.c_str(), sc.tls.enabled ? "s" : "", ipv6 ? "[" : "", sc.address.c_str(),
                  ipv6 ? "]" : "", port);
    if (!ready_file.empty()) {
        std::string why;
        if (!write_ready_file(ready_file, ready, why)) {
            log_event(LogLevel::error, LogFields("start_failed"), "cannot write the ready file: %s",
                      why.c_str());
            return false;
        }
    }
    notify_.ready(reload_result().generation, gateway_.size());
    if (notify_.active())
        lws_sul_schedule(context_, 0, &status_timer_.sul, status_timer_fired, kStatusIntervalUs);
    return true;
}

bool Server::start_control(ReadyInfo &ready)
{
    ControlHooks hooks;
    hooks.ready = [this] { return !stopping_; };
    hooks.plugins_json = [this] { return plugins_json(); };
    hooks.reload_status = [this] { return reload_result().to_json(); };
    hooks.reload_start = [this](std::function<void(bool, std::string)> done) {
        request_reload(
            [done = std::move(done)](const ReloadResult &r) { done(r.status == "ok", r.to_json()); });
    };
    control_api_ = std::make_unique<ControlApi>(gateway_, config_.control, std::move(hooks));
    if (!config_.control.enabled)
        return true;
    control_vhost_ = create_control_vhost(context_, config_.control, *control_api_, &accept_gate_);
    if (!control_vhost_)
        return false; // logged
    if (config_.control.socket.empty())
        ready.control_port = lws_get_vhost_listen_port(control_vhost_);
    else
        ready.control_socket = config_.control.socket;
    return true;
}

std::string Server::plugins_json() const
{
    std::string out = "[";
    const auto &set = dispatcher_.plugins();
    if (set)
        for (const auto &p : set->plugins()) {
            if (out.size() > 1)
                out += ',';
            out += "{\"name\":";
            append_json_string(out, p->name());
            out += ",\"version\":";
            append_json_string(out, p->version());
            out += ",\"path\":";
            append_json_string(out, p->config().resolved);
            out += ",\"blocking\":";
            out += p->blocking() ? "true" : "false";
            out += ",\"actions\":[";
            bool first = true;
            for (const std::string &action : set->actions_of(*p)) {
                if (!first)
                    out += ',';
                first = false;
                append_json_string(out, action);
            }
            out += "]}";
        }
    return out + "]";
}

bool Server::adopt_signalfd()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signal_fd_ < 0) {
        log_event(LogLevel::error, LogFields("start_failed"), "signalfd: %s", std::strerror(errno));
        return false;
    }
    lws_sock_file_fd_type fd;
    fd.filefd = signal_fd_;
    if (!lws_adopt_descriptor_vhost(ws_vhost_, LWS_ADOPT_RAW_FILE_DESC, fd, "wshost-signal", nullptr)) {
        log_event(LogLevel::error, LogFields("start_failed"), "cannot watch the signalfd");
        return false;
    }
    return true;
}

int Server::run()
{
    // poll: lws_service() returns after each event or timer, and stop_loop_ is
    // checked. libev: lws_service() runs ev_run() and returns only once
    // leave_loop() (stop_loop_ set) has destroyed the context from inside the
    // loop (T15); the destructor's lws_context_destroy() finishes the job.
    while (!stop_loop_)
        if (lws_service(context_, 0) < 0)
            break;
    log_event(LogLevel::info, LogFields("stopped"), "stopped");
    return 0;
}

void Server::post(std::function<void()> task)
{
    {
        std::lock_guard lock(posted_mu_);
        posted_.push_back(std::move(task));
    }
    gateway_.wake();
}

void Server::run_posted()
{
    std::vector<std::function<void()>> tasks;
    {
        std::lock_guard lock(posted_mu_);
        tasks.swap(posted_);
    }
    for (auto &task : tasks)
        task();
}

void Server::on_wake()
{
    run_posted();
    gateway_.process_wakeups();
}

void Server::arm_deadline_timer()
{
    auto next = replies_.next_deadline();
    if (auto auth = auth_.next_deadline(); auth && (!next || *auth < *next))
        next = auth;
    if (!next || (deadline_timer_armed_ && deadline_timer_at_ <= *next))
        return;
    auto delay = std::chrono::duration_cast<std::chrono::microseconds>(*next - ReplyRegistry::Clock::now());
    deadline_timer_armed_ = true;
    deadline_timer_at_ = *next;
    lws_sul_schedule(context_, 0, &deadline_timer_.sul, deadline_timer_fired,
                     std::max<lws_usec_t>(delay.count(), 1));
}

void Server::deadline_timer_fired(lws_sorted_usec_list_t *sul)
{
    Server *self = lws_container_of(sul, Timer, sul)->server;
    self->deadline_timer_armed_ = false;
    auto now = ReplyRegistry::Clock::now();
    self->replies_.expire(now); // handler_timeout
    self->auth_.expire(now);    // authentication timeout: reject
    self->arm_deadline_timer();
}

void Server::drain_timer_fired(lws_sorted_usec_list_t *sul)
{
    Server *self = lws_container_of(sul, Timer, sul)->server;
    log_event(LogLevel::warn, LogFields("drain_deadline"),
              "drain deadline passed with %zu connection(s) open; closing them", self->gateway_.size());
    self->leave_loop();
}

void Server::libev_tick_fired(lws_sorted_usec_list_t *sul)
{
    // lws 4.1.6's libev backend re-arms its one ev_timer only when it is idle:
    // ev_timer_start() on the running timer is a no-op, so a timer scheduled
    // earlier than the pending one (a 200 ms handler timeout while a 30 s
    // ping timer waits) would fire late. Each expiry re-arms it to the
    // earliest timer, so this tick bounds the lateness to kLibevTickUs.
    Server *self = lws_container_of(sul, Timer, sul)->server;
    lws_sul_schedule(self->context_, 0, sul, libev_tick_fired, kLibevTickUs);
}

void Server::status_timer_fired(lws_sorted_usec_list_t *sul)
{
    Server *self = lws_container_of(sul, Timer, sul)->server;
    if (self->stopping_)
        return;
    self->notify_.status(self->reload_result().generation, self->gateway_.size());
    lws_sul_schedule(self->context_, 0, sul, status_timer_fired, kStatusIntervalUs);
}

void Server::leave_loop()
{
    if (stop_loop_)
        return;
    stop_loop_ = true;
    if (config_.server.event_loop == EventLoop::poll) {
        lws_cancel_service(context_); // lws_service() returns, run() sees the flag
        return;
    }
    // From a timer, not from whichever wsi callback got us here: the context
    // destroy closes every connection, and that wsi with them.
    lws_sul_schedule(context_, 0, &exit_timer_.sul, exit_timer_fired, 1);
}

void Server::exit_timer_fired(lws_sorted_usec_list_t *sul)
{
    Server *self = lws_container_of(sul, Timer, sul)->server;
    self->gateway_.detach(); // plugin threads' wakes must not reach a context going away
    lws_context_destroy(self->context_);
}

void Server::begin_shutdown(const char *why)
{
    if (stopping_)
        return;
    stopping_ = true;
    notify_.stopping(gateway_.size());
    log_event(LogLevel::info, LogFields("draining"), "%s: draining %zu connection(s)", why, gateway_.size());
    for (wsh_conn_id id : gateway_.connection_ids())
        gateway_.close(id, close_code::going_away, "server shutting down", true);
    lws_sul_schedule(context_, 0, &drain_timer_.sul, drain_timer_fired,
                     static_cast<lws_usec_t>(kDrainDeadlineMs) * 1000);
    finish_if_drained();
}

void Server::finish_if_drained()
{
    if (stopping_ && gateway_.size() == 0) {
        lws_sul_cancel(&drain_timer_.sul);
        leave_loop();
    }
}

int Server::on_http(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t)
{
    accept_gate_.on_callback(wsi, reason); // protocols[0]: sees every accept of this vhost
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (lws_get_vhost(wsi) == ws_vhost_)
            on_wake(); // broadcast to every protocol of every vhost: act once (T6)
        return 0;
    case LWS_CALLBACK_WSI_DESTROY: // every wsi of the vhost, whichever protocol it was bound to (T34)
        handshakes_.destroyed(wsi);
        break;
    // The WebSocket protocol is the vhost's default, so lws sends these there;
    // should a wsi still be bound here, the same rules apply.
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        return on_accepted(wsi) ? 0 : -1;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return confirm_upgrade(wsi, static_cast<const char *>(in));
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: // never a WebSocket on this protocol
        return 1;
    default:
        break;
    }
    // Plain HTTP on the WebSocket port: [server] static_dir, or 404.
    return static_files_callback(wsi, reason, static_cast<StaticSession *>(user), in,
                                 config_.server.static_dir);
}

int Server::on_signal(lws *, lws_callback_reasons reason, void *, void *, std::size_t)
{
    if (reason == LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION) // never a WebSocket on this protocol
        return 1;
    if (reason != LWS_CALLBACK_RAW_RX_FILE)
        return 0;
    signalfd_siginfo si;
    while (::read(signal_fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        if (si.ssi_signo == SIGHUP)
            request_reload(); // coalesced with any attempt already asked for
        else
            begin_shutdown(si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
    }
    return 0;
}

} // namespace wshost

#include "server.h"

#include "transport/accept_gate.h"
#include "config/config_diff.h"
#include "config/log_settings.h"
#include "control/control_http.h"
#include "base/log.h"
#include "plugins/hook_events.h"
#include "transport/ready_file.h"

#include <arpa/inet.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>

namespace wshost
{
namespace
{

using namespace std::chrono_literals;
constexpr std::chrono::microseconds kLibevTick = 50ms; // libev: how late one of our timers may fire
constexpr unsigned kFdMargin = 64; // fds kept free for what is not a connection: logs, plugins...
constexpr std::chrono::microseconds kStatusInterval = 2s; // how stale STATUS= may be

Server *server_of(lws *wsi)
{
    return static_cast<Server *>(lws_context_user(lws_get_context(wsi)));
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
                loop_.post([this, conn, v = std::move(verdict)]() mutable {
                    sessions_.apply_verdict(conn, std::move(v));
                });
            }),
      dispatcher_(config_.websocket, gateway_, replies_, workers_, loop_,
                  [this](ReplyRegistry::Clock::time_point deadline) { deadlines_.added(deadline); })
{
    // Hooks never run inside a plugin's own call into the host: queue them.
    gateway_.set_room_listener([this](const RoomEvent &e) {
        loop_.post([this, e] {
            if (const auto &set = dispatcher_.plugins())
                fire_room_event(*set, e);
        });
    });
}

Server::~Server()
{
    generations_.stop_reloads(); // an attempt under way finishes loading; its swap never runs
    loop_.detach();              // plugin threads may still call in until fini: no wakes into a dead context
    if (context_)
        lws_context_destroy(context_); // closes what is left; hooks still see the plugins
    context_ = nullptr;
    loop_.run_posted(); // hooks queued by those closes
    // Then the plugins, while everything they may call during fini still exists:
    // queued blocking handlers finish first, then the last reference goes.
    workers_.stop();
    generations_.uninstall();
    loop_.run_posted(); // the retired generations' unloads
    if (signal_fd_ >= 0)
        ::close(signal_fd_);
}

bool Server::load_plugins(std::vector<ConfigError> &errors)
{
    if (!generations_.load(config_, errors))
        return false;
    generations_.start_reloads(
        [this](const Config &next) {
            std::vector<std::string> restart = restart_required(config_, next);
            apply_reloadable(config_, next);
            apply_log_settings(config_.log);
            if (!set_log_file(config_.log.file))
                log_event(LogLevel::error, LogFields("log_file_failed"),
                          "reload: cannot open log file %s; logging where it did", config_.log.file.c_str());
            gateway_.set_limits(config_.websocket);
            if (control_api_)
                control_api_->set_config(config_.control);
            return restart;
        },
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
        WsSessions::http_protocol(),
        WsSessions::ws_protocol(config_.websocket.rx_buffer_bytes),
        {"wshost-signal", signal_callback, 0, 0, 0, nullptr, 0},
        {nullptr, nullptr, 0, 0, 0, nullptr, 0},
    };
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
    loop_.attach(context_);
    gateway_.attach(loop_);
    if (libev) {
        // Only libev: poll gives no point between lws's timers and its wait.
        gateway_.enable_corking();
        libev_pass_.start([this] { gateway_.flush_corked(); });
        libev_tick_fired();
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
    vi.user = &sessions_; // how its protocols' callbacks find it
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
        status_timer_.schedule_in(kStatusInterval);
    return true;
}

bool Server::start_control(ReadyInfo &ready)
{
    ControlHooks hooks;
    hooks.ready = [this] { return !drain_.stopping(); };
    hooks.plugins_json = [this] { return generations_.plugins_json(); };
    hooks.reload_status = [this] { return reload_result().to_json(); };
    hooks.reload_start = [this](std::function<void(bool, std::string)> done) {
        request_reload(
            [done = std::move(done)](const ReloadResult &r) { done(r.status == "ok", r.to_json()); });
    };
    control_api_ = std::make_unique<ControlApi>(gateway_, config_.control, std::move(hooks));
    if (!config_.control.enabled)
        return true;
    control_vhost_ = create_control_vhost(context_, config_.control, *control_api_, loop_, &accept_gate_);
    if (!control_vhost_)
        return false; // logged
    if (config_.control.socket.empty())
        ready.control_port = lws_get_vhost_listen_port(control_vhost_);
    else
        ready.control_socket = config_.control.socket;
    return true;
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

void Server::libev_tick_fired()
{
    // lws 4.1.6's libev backend re-arms its one ev_timer only when it is idle:
    // ev_timer_start() on the running timer is a no-op, so a timer scheduled
    // earlier than the pending one (a 200 ms handler timeout while a 30 s
    // ping timer waits) would fire late. Each expiry re-arms it to the
    // earliest timer, so this tick bounds the lateness to kLibevTickUs.
    libev_tick_.schedule_in(kLibevTick);
}

void Server::status_timer_fired()
{
    if (drain_.stopping())
        return;
    notify_.status(reload_result().generation, gateway_.size());
    status_timer_.schedule_in(kStatusInterval);
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
    exit_timer_.schedule_in(std::chrono::microseconds(1));
}

void Server::exit_timer_fired()
{
    loop_.detach(); // plugin threads' wakes must not reach a context going away
    lws_context_destroy(context_);
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
            drain_.begin(si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
    }
    return 0;
}

} // namespace wshost

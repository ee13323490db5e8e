#include "transport/lws_runtime.h"

#include "base/log.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace wshost
{
namespace
{

using namespace std::chrono_literals;
constexpr std::chrono::microseconds kLibevTick = 50ms; // libev: how late one of our timers may fire

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

RuntimeOptions RuntimeOptions::of(const Config &config)
{
    return {
        .libev = config.server.event_loop == EventLoop::libev,
        .tls = config.server.tls.enabled || (config.control.enabled && config.control.tls.enabled),
        // lws drops a request whose headers overflow its buffer, without an
        // answer (T11). Room beyond [server] max_header_bytes lets the host
        // answer 431 itself for most oversized requests (upgrade_checks.h).
        .header_bytes = std::min<std::size_t>(config.server.max_header_bytes + 8192, 65535),
    };
}

bool LwsRuntime::create(const RuntimeOptions &options)
{
    libev_ = options.libev;
    // lws's NOTICE lines are debug output; the libev backend logs every I/O
    // event at NOTICE (T15), so it never gets them.
    lws_set_log_level(log_enabled(LogLevel::debug) && !libev_ ? LLL_ERR | LLL_WARN | LLL_NOTICE
                                                              : LLL_ERR | LLL_WARN,
                      lws_log_to_ours);

    lws_context_creation_info info{};
    // VALIDATE_UTF8 is read from the context: invalid text closes with 1007.
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (options.tls)
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    if (libev_) {
        info.options |= LWS_SERVER_OPTION_LIBEV; // lws loads libwebsockets-evlib_ev.so for it
        // Our loop, so that the gateway can flush once per pass (loop_pass.h).
        foreign_loops_[0] = libev_pass_.create_loop();
        if (!foreign_loops_[0]) {
            log_event(LogLevel::error, LogFields("start_failed"), "cannot create the libev loop");
            return false;
        }
        info.foreign_loops = foreign_loops_;
    }
    // No fd_limit_per_thread: below the ulimit it makes lws 4.1.6 scan its fd
    // table on every event. The accept gate stops accepting instead (T19).
    info.max_http_header_data = static_cast<unsigned short>(options.header_bytes);
    context_ = lws_create_context(&info);
    if (!context_) {
        log_event(LogLevel::error, LogFields("start_failed"), "cannot create the libwebsockets context%s",
                  libev_ ? " (event_loop = \"libev\" needs the package libwebsockets-evlib-ev)" : "");
        return false;
    }
    loop_.attach(context_);
    if (libev_)
        libev_tick_fired();
    return true;
}

bool LwsRuntime::run_each_pass(std::function<void()> each_pass)
{
    // Only libev: poll gives no point between lws's timers and its wait.
    if (!libev_)
        return false;
    libev_pass_.start(std::move(each_pass));
    return true;
}

int LwsRuntime::run()
{
    // poll: lws_service() returns after each event or timer, and stop_ is
    // checked. libev: lws_service() runs ev_run() and returns only once
    // leave() has destroyed the context from inside the loop (T15).
    while (!stop_ && context_)
        if (lws_service(context_, 0) < 0)
            break;
    log_event(LogLevel::info, LogFields("stopped"), "stopped");
    return 0;
}

void LwsRuntime::leave()
{
    if (stop_)
        return;
    stop_ = true;
    if (!libev_) {
        lws_cancel_service(context_); // lws_service() returns, run() sees the flag
        return;
    }
    // From a timer, not from whichever wsi callback got us here: the context
    // destroy closes every connection, and that wsi with them.
    exit_timer_.schedule_in(std::chrono::microseconds(1));
}

void LwsRuntime::exit_timer_fired()
{
    loop_.detach(); // other threads' wakes must not reach a context going away
    // Inside the loop this makes lws_service() return; destroy() after it
    // finishes the job (T15).
    lws_context_destroy(context_);
}

void LwsRuntime::destroy()
{
    if (!context_)
        return;
    loop_.detach();
    lws_context_destroy(context_);
    context_ = nullptr;
}

void LwsRuntime::libev_tick_fired()
{
    // lws 4.1.6's libev backend re-arms its one ev_timer only when it is idle:
    // ev_timer_start() on the running timer is a no-op, so a timer scheduled
    // earlier than the pending one (a 200 ms handler timeout while a 30 s
    // ping timer waits) would fire late. Each expiry re-arms it to the
    // earliest timer, so this tick bounds the lateness to kLibevTick.
    libev_tick_.schedule_in(kLibevTick);
}

} // namespace wshost

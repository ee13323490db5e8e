#include "transport/signals.h"

#include "base/log.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

namespace wshost
{
namespace
{

// Not a token, so no Sec-WebSocket-Protocol name can bind an upgrade to it.
constexpr const char *kProtocolName = "wshost signal";

sigset_t server_signals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

} // namespace

SignalWatch::~SignalWatch()
{
    if (fd_ >= 0)
        ::close(fd_);
}

void SignalWatch::block()
{
    sigset_t set = server_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

lws_protocols SignalWatch::protocol()
{
    return {kProtocolName, callback, 0, 0, 0, nullptr, 0};
}

bool SignalWatch::adopt(lws_vhost *vhost, Handler on_signal)
{
    on_signal_ = std::move(on_signal);
    sigset_t set = server_signals();
    fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) {
        log_event(LogLevel::error, LogFields("start_failed"), "signalfd: %s", std::strerror(errno));
        return false;
    }
    lws_sock_file_fd_type fd;
    fd.filefd = fd_;
    lws *wsi = lws_adopt_descriptor_vhost(vhost, LWS_ADOPT_RAW_FILE_DESC, fd, kProtocolName, nullptr);
    if (!wsi) {
        log_event(LogLevel::error, LogFields("start_failed"), "cannot watch the signalfd");
        return false;
    }
    // The protocol has no per-session data: its user pointer is ours to set,
    // and every later callback of this wsi brings it back.
    lws_set_wsi_user(wsi, this);
    return true;
}

int SignalWatch::callback(lws *, lws_callback_reasons reason, void *user, void *, std::size_t)
{
    if (reason == LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION) // never a WebSocket on this protocol
        return 1;
    if (reason == LWS_CALLBACK_RAW_RX_FILE && user)
        static_cast<SignalWatch *>(user)->drain_signals();
    return 0;
}

void SignalWatch::drain_signals()
{
    signalfd_siginfo si;
    while (::read(fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si))
        on_signal_(static_cast<int>(si.ssi_signo));
}

} // namespace wshost

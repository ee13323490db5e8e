#include "transport/sd_notify.h"

#include "base/log.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <unistd.h>

namespace wshost
{

SdNotifier::SdNotifier()
{
    const char *path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path)
        return;
    const std::size_t n = std::strlen(path);
    if ((path[0] != '/' && path[0] != '@') || n >= sizeof addr_.sun_path) {
        log_event(LogLevel::warn, LogFields("notify_failed"),
                  "NOTIFY_SOCKET is not a usable socket path; not notifying");
        return;
    }
    addr_.sun_family = AF_UNIX;
    std::memcpy(addr_.sun_path, path, n);
    if (path[0] == '@')
        addr_.sun_path[0] = '\0'; // abstract namespace: the length, not a NUL, ends the name
    addr_len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
        log_event(LogLevel::warn, LogFields("notify_failed"), "notify socket: %s", std::strerror(errno));
}

SdNotifier::~SdNotifier()
{
    if (fd_ >= 0)
        ::close(fd_);
}

bool SdNotifier::send(std::string_view message)
{
    if (fd_ < 0)
        return false;
    ssize_t n = ::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL,
                         reinterpret_cast<const sockaddr *>(&addr_), addr_len_);
    if (n == static_cast<ssize_t>(message.size()))
        return true;
    if (!warned_.exchange(true)) // a datagram per reload or status change: say it once
        log_event(LogLevel::warn, LogFields("notify_failed"), "cannot notify the service manager: %s",
                  n < 0 ? std::strerror(errno) : "short write");
    return false;
}

std::string monotonic_usec_field()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const unsigned long long usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                                    static_cast<unsigned long long>(ts.tv_nsec) / 1000;
    return "MONOTONIC_USEC=" + std::to_string(usec);
}

} // namespace wshost

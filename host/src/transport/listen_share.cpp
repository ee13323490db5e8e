#include "transport/listen_share.h"

#include <atomic>

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace wshost
{
namespace
{

std::atomic<bool> share_next_listeners{false};

} // namespace

ListenShare::ListenShare(bool on) : on_(on)
{
    if (on_)
        share_next_listeners.store(true, std::memory_order_relaxed);
}

ListenShare::~ListenShare()
{
    if (on_)
        share_next_listeners.store(false, std::memory_order_relaxed);
}

} // namespace wshost

extern "C" int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    if (wshost::share_next_listeners.load(std::memory_order_relaxed) && addr &&
        (addr->sa_family == AF_INET || addr->sa_family == AF_INET6)) {
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
            return -1; // errno tells; lws logs the failed bind
    }
    return static_cast<int>(syscall(SYS_bind, fd, addr, len));
}

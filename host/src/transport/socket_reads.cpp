#include "transport/socket_reads.h"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace wshost
{

SocketReads &SocketReads::instance()
{
    static SocketReads *reads = new SocketReads; // never destroyed: other threads may recv() during exit
    return *reads;
}

ssize_t kernel_recv(int fd, void *buf, std::size_t len, int flags)
{
    return syscall(SYS_recvfrom, fd, buf, len, flags, nullptr, nullptr);
}

void SocketReads::attach()
{
    service_thread_ = std::this_thread::get_id();
    attached_.store(true, std::memory_order_release);
}

SocketReads::Entry *SocketReads::entry(int fd)
{
    if (fd < 0)
        return nullptr;
    if (static_cast<std::size_t>(fd) >= by_fd_.size())
        by_fd_.resize(static_cast<std::size_t>(fd) + 64);
    return &by_fd_[static_cast<std::size_t>(fd)];
}

void SocketReads::limit_to_headers(lws *wsi, int fd)
{
    Entry *e = entry(fd);
    if (!e)
        return;
    *e = Entry{Mode::headers};
    handshakes_[wsi] = fd;
}

void SocketReads::handshake_ended(lws *wsi)
{
    auto it = handshakes_.find(wsi);
    if (it == handshakes_.end())
        return;
    if (Entry *e = entry(it->second); e && e->mode == Mode::headers)
        *e = Entry{};
    handshakes_.erase(it);
}

void SocketReads::take(int fd, SocketReader read, void *owner)
{
    if (Entry *e = entry(fd))
        *e = Entry{Mode::taken, 0, read, owner};
}

void SocketReads::release(int fd)
{
    if (Entry *e = entry(fd); e && e->mode == Mode::taken)
        *e = Entry{};
}

ssize_t SocketReads::recv(int fd, void *buf, std::size_t len, int flags)
{
    if (!attached_.load(std::memory_order_acquire) || std::this_thread::get_id() != service_thread_ ||
        fd < 0 || static_cast<std::size_t>(fd) >= by_fd_.size())
        return kernel_recv(fd, buf, len, flags);
    Entry &e = by_fd_[static_cast<std::size_t>(fd)];
    switch (e.mode) {
    case Mode::none:
        break;
    case Mode::headers:
        return read_headers(e, fd, buf, len, flags);
    case Mode::taken:
        return e.read(e.owner, fd);
    }
    return kernel_recv(fd, buf, len, flags);
}

namespace
{

// The blank line that ends the request headers: LF, an optional CR, LF. So
// "\r\n\r\n" and the bare-LF forms a lenient parser takes ("\n\n",
// "\r\n\n") all end them. States: 0 inside a line, 1 after its LF, 2 after
// LF CR; 3 is the end.
constexpr std::uint8_t kHeadersEnded = 3;

std::uint8_t header_end_step(std::uint8_t state, char c)
{
    if (c == '\n')
        return state == 0 ? 1 : kHeadersEnded;
    if (c == '\r')
        return state == 1 ? 2 : 0;
    return 0;
}

// Scans `p[0, len)` from `state`; returns how many bytes end at the blank
// line (or `len`), with `state` updated for exactly those bytes.
std::size_t scan_header_end(const char *p, std::size_t len, std::uint8_t &state)
{
    for (std::size_t i = 0; i < len; ++i)
        if ((state = header_end_step(state, p[i])) == kHeadersEnded)
            return i + 1;
    return len;
}

} // namespace

// Hands lws the stream up to and including the blank line after the request
// headers, and nothing past it.
ssize_t SocketReads::read_headers(Entry &e, int fd, void *buf, std::size_t len, int flags)
{
    const ssize_t peeked = kernel_recv(fd, buf, len, flags | MSG_PEEK);
    if (peeked <= 0)
        return peeked;
    const auto *p = static_cast<const char *>(buf);
    std::uint8_t state = e.matched;
    const std::size_t take = scan_header_end(p, static_cast<std::size_t>(peeked), state);
    const ssize_t n = kernel_recv(fd, buf, take, flags);
    if (n <= 0)
        return n;
    if (static_cast<std::size_t>(n) != take) { // fewer than peeked: the state of what was read
        state = e.matched;
        scan_header_end(p, static_cast<std::size_t>(n), state);
    }
    if (state == kHeadersEnded)
        e.mode = Mode::none; // later reads (another request on keep-alive) are lws's own
    else
        e.matched = state;
    return n;
}

} // namespace wshost

// The definition lws's recv() calls resolve to (socket_reads.h). noexcept
// and C linkage like libc's.
extern "C" ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    return wshost::SocketReads::instance().recv(fd, buf, len, flags);
}

// Reads of lws-owned sockets that the host does itself (issue 15: the host
// frame reader on plain ws://).
//
// Why this shape: libwebsockets 4.1.6 has no public way to take over the
// reading of an established WebSocket connection, nor to hand back the bytes
// it has already read (frames a client pipelined behind its upgrade request
// sit in the wsi's private buffer; LWS-NOTES T31). A second descriptor per
// connection (dup + adopt) would double the fds a connection costs and make
// it a second lws connection. So the host defines recv() (socket_reads.cpp):
// lws 4.1.6 reads plain sockets with recv(), and a symbol the executable
// defines wins over libc's for every library it loads. Calls from any other
// thread, and for any socket not registered here, go straight to the kernel.
//
// For a registered socket, on the service thread:
// - limit_to_headers(): from accept until the blank line that ends the
//   request headers, lws's reads stop at that line (MSG_PEEK first), so lws
//   never holds a byte that follows the upgrade request;
// - take(): from then on, lws's read calls the owner instead, which reads
//   the socket itself and returns what lws should see: 0 (end of stream:
//   lws closes), or -1 with errno EAGAIN (nothing for lws), or another errno
//   (lws closes). lws keeps the event loop, POLLIN and its flow control
//   (lws_rx_flow_control stops the calls), writes, pings and timeouts.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <unordered_map>
#include <vector>

struct lws;

namespace wshost
{

// What recv() returns to lws for a taken socket (see above).
using SocketReader = ssize_t (*)(void *owner, int fd);

class SocketReads
{
  public:
    static SocketReads &instance();

    // The calling thread is the service thread from now on (before any
    // connection exists).
    void attach();

    // Service thread. `wsi` names the entry until handshake_ended().
    void limit_to_headers(lws *wsi, int fd);
    void handshake_ended(lws *wsi); // the upgrade is done, or the wsi goes away
    void take(int fd, SocketReader read, void *owner);
    void release(int fd);

    // The interposed recv().
    ssize_t recv(int fd, void *buf, std::size_t len, int flags);

  private:
    enum class Mode : std::uint8_t { none, headers, taken };
    struct Entry {
        Mode mode = Mode::none;
        std::uint8_t matched = 0; // HeaderEnd state at the end of what lws took
        SocketReader read = nullptr;
        void *owner = nullptr;
    };
    Entry *entry(int fd);
    ssize_t read_headers(Entry &e, int fd, void *buf, std::size_t len, int flags);

    std::atomic<bool> attached_{false};
    std::thread::id service_thread_;
    std::vector<Entry> by_fd_;
    std::unordered_map<lws *, int> handshakes_; // limited sockets by wsi
};

// recv() as the kernel does it (no host reader in the way).
ssize_t kernel_recv(int fd, void *buf, std::size_t len, int flags);

} // namespace wshost

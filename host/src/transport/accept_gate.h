// Stops accepting connections before the process runs out of file descriptors
// (LWS-NOTES T19), without lws's fd_limit_per_thread.
//
// Why not fd_limit_per_thread: in lws 4.1.6 any value below the process limit
// switches wsi_from_fd() to a linear scan of the fd table on every event (lib/
// plat/unix/unix-fds.c; 34-65 % of our instructions, docs/PERFORMANCE.md).
// Left unset, lws sizes its direct table and its own accept cut-off from the
// soft RLIMIT_NOFILE at context creation. That cut-off counts only the fds lws
// polls; the others (stdio, log file, plugin files, lws's own /dev/urandom and
// event-loop fds) would make accept() fail with EMFILE first, and lws then
// retries on every loop pass (the spin and log flood of T19). Lowering the
// soft limit does not help: the table must cover every fd number the kernel
// can hand out, and lws stops only when its count reaches the table size.
//
// So the host counts the connections itself and, a margin below the limit,
// turns POLLIN off on the listening sockets (lws_rx_flow_control on the
// listener's wsi). The kernel keeps excess clients in the backlog; they are
// accepted as soon as a connection closes.
//
// The lws 4.1.6 facts this relies on (pinned by tests/integration/
// test_fd_limit.py): every accepted or adopted wsi raises WSI_CREATE and later
// WSI_DESTROY on its vhost's protocols[0]; FILTER_NETWORK_CONNECTION gets the
// listening wsi; the accept loop stops when the listener's POLLIN is off; lws
// turns POLLIN back on for every listener whenever any fd is removed.
#pragma once

#include <libwebsockets.h>

#include <vector>

namespace wshost
{

class AcceptGate
{
  public:
    // max_open: how many lws connections (sockets accepted or adopted) may be
    // open at once. 0: no gate.
    explicit AcceptGate(unsigned max_open) : max_open_(max_open) {}

    // Feed every callback of a vhost's protocols[0]; cheap for other reasons.
    void on_callback(lws *wsi, lws_callback_reasons reason);

    unsigned open() const { return open_; }
    bool paused() const { return paused_; }

  private:
    void pause();
    void resume();

    unsigned max_open_;
    unsigned open_ = 0;
    bool paused_ = false;
    bool warned_ = false;          // logged this visit to the limit (reset 10 % below it)
    std::vector<lws *> listeners_; // learned from their first accept
};

// The fd budget: raises the soft RLIMIT_NOFILE to the hard one (no privilege
// needed; lws sizes its fd table from it, so it must happen before the
// context exists) and returns how many connections may be open, leaving
// `margin` fds for everything that is not a connection: logs, plugins' files...
inline constexpr unsigned kFdMargin = 64;
unsigned connection_fd_budget(unsigned margin = kFdMargin);

} // namespace wshost

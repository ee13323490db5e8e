// hiredis 0.14's async I/O hooks on the host's lws loop, the same on both of
// its backends ([server] event_loop = "poll" or "libev").
//
// The socket hiredis connected is watched by lws as a raw file descriptor
// (lws_adopt_descriptor_vhost with LWS_ADOPT_RAW_FILE_DESC): lws only reports
// readiness, hiredis does every read and write itself. What lws watches is a
// dup() of hiredis's fd: lws closes the fd of a wsi it frees and hiredis
// closes its own in redisFree(), and the two must never close one number
// twice (a reused number could be a client's socket by then).
//
// The hooks map onto lws as:
//   addRead / delRead  nothing: lws watches POLLIN from adoption until the wsi goes;
//   addWrite           lws_callback_on_writable() (one-shot, like hiredis expects);
//   delWrite           nothing (lws clears POLLOUT after each writeable callback);
//   cleanup            the wsi is detached and killed from lws's timer (LWS_TO_KILL_ASYNC),
//                      never from inside its own callback.
// lws 4.1.6's raw-file role clears POLLOUT *after* the writeable callback
// returns, so an addWrite made inside it (hiredis's output did not all fit
// the socket) would be lost: it is re-armed from a zero-delay lws timer.
// (On libev that timer can fire up to the host's libev tick late, 50 ms: see
// lws_runtime.cpp. Only a full socket buffer takes that path; an addWrite
// from a reply callback, the common case, asks lws at once.)
//
// Why not hiredis's own libev adapter on the libev backend: it would be a
// second code path for the poll backend's sake, and lws's libev backend does
// the same ev_io_start/ev_io_stop for this wsi (docs/CLUSTER-DESIGN.md has
// what was measured). The protocol() must be in the vhost's protocol list.
#pragma once

#include <libwebsockets.h>

#include <functional>

struct redisAsyncContext;

namespace wshost::cluster
{

// The lws protocol the adopted Redis sockets are bound to.
lws_protocols redis_socket_protocol();

// Attaches `ac` (connect just started, no event hooks yet) to `vhost`'s loop.
// `lost` runs (from lws's callback, at most once) if lws drops the socket on
// its own (POLLHUP, context destroy) while hiredis still holds it: the owner
// must then free the context, not from within `lost`. `wrote` (optional) runs
// after each write hiredis made while it still holds the socket: its output
// shrank. false: nothing attached.
bool attach_redis_to_lws(redisAsyncContext *ac, lws_vhost *vhost, std::function<void()> lost,
                         std::function<void()> wrote = {});

} // namespace wshost::cluster

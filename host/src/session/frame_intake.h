// The host frame reader at work ([server] frame_reader = "host", issue 15):
// established plain ws:// connections whose frames the host reads itself
// (wsframe/frame_reader.h) instead of lws (LWS-NOTES T31). lws keeps the
// socket, the event loop and the writes; the host takes lws's reads of the
// socket (transport/socket_reads.h).
//
// One receive buffer (kReceiveBytes) serves every connection of the service
// thread: each read takes what the socket has, up to that, and every frame
// in it is handled before the next read. Per connection: the reader's state
// (a partial header, a partial message) and, only while its reading is
// paused, the bytes read but not handled yet.
//
// - Complete messages go to `deliver` (the dispatcher path, through the
//   admission gate); a ping gets its pong queued behind the answers to what
//   came before it; a pong proves the connection alive to lws's keepalive.
// - A rule broken (masking, RSV, opcodes, control frames, a length over
//   max_message_bytes declared at the header, max_fragments, UTF-8): the
//   connection is closed with the reader's code (1002, 1007, 1009), nothing
//   of the offending frame reaches a handler, and what follows is ignored.
// - The peer's close: nothing after it is dispatched; the answers already
//   queued go out, then the close frame echoing its code; when the client's
//   close acknowledges one of ours, the socket is closed at once.
// - Backpressure and the admission gate pause reading (lws_rx_flow_control
//   stops lws's reads): the frames left in the buffer wait, in order, and are
//   handled first once reading resumes (resumed()).
#pragma once

#include "config/config.h"
#include "gateway/gateway.h"
#include "transport/service_loop.h"

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
struct lws;

namespace wshost
{

namespace wsframe
{
class FrameReader;
}

struct HostRead; // one connection's reading state (frame_intake.cpp)

class FrameIntake
{
  public:
    static constexpr std::size_t kReceiveBytes = 64 * 1024; // many frames per recv()

    using Deliver = std::function<void(Connection &, bool binary, std::string_view message)>;
    // A ping (after its pong was queued) or a pong, with its payload.
    using ControlSeen = std::function<void(Connection &, bool ping, std::string_view payload)>;
    // `config` is read at each use (a reload changes its limits in place).
    FrameIntake(const Config &config, Gateway &gateway, ServiceLoop &loop, Deliver deliver,
                ControlSeen control_seen);
    ~FrameIntake();
    FrameIntake(const FrameIntake &) = delete;
    FrameIntake &operator=(const FrameIntake &) = delete;

    // True when the host reads this listener's connections: frame_reader =
    // "host" and no TLS. (permessage-deflate is decided per connection.)
    bool applies() const { return applies_to(config_); }
    static bool applies_to(const Config &config);

    // Service thread, at ESTABLISHED of a connection without
    // permessage-deflate: the host reads it from now on. The client's close
    // code goes to the WsSession of `wsi` (lws's per-session data).
    HostRead *start(lws *wsi, Connection &conn);
    // At CLOSED.
    void stop(HostRead *read);
    // Reading of `id` resumed after a pause (posted by the gateway).
    void resumed(wsh_conn_id id);

  private:
    static ssize_t on_readable(void *owner, int fd);
    ssize_t read_socket(HostRead &r, int fd);
    enum class Outcome { go_on, paused, end };
    Outcome handle(HostRead &r, std::span<std::uint8_t> &in);
    Outcome handle(HostRead &r, wsframe::FrameReader &reader, std::span<std::uint8_t> &in);
    std::unique_ptr<wsframe::FrameReader> take_reader(HostRead &r);
    void put_reader(HostRead &r, std::unique_ptr<wsframe::FrameReader> reader);

    const Config &config_;
    Gateway &gateway_;
    ServiceLoop &loop_;
    Deliver deliver_;
    ControlSeen control_seen_;
    std::unique_ptr<std::uint8_t[]> buffer_; // kReceiveBytes, shared by every connection
    HostRead *reads_ = nullptr;              // every connection read here, a list through HostRead
    // A reader at rest, lent to whichever connection reads between frames: an
    // idle connection holds none of its own (issue 19).
    std::unique_ptr<wsframe::FrameReader> spare_;
};

} // namespace wshost

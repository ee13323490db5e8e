#include "session/frame_intake.h"

#include "base/log.h"
#include "transport/socket_reads.h"
#include "wsframe/frame_reader.h"

#include <libwebsockets.h>

#include <cerrno>
#include <string>

namespace wshost
{

struct HostRead {
    HostRead(FrameIntake &intake, lws *wsi, Connection &conn, int fd, int *peer_close_code,
             const wsframe::ReaderLimits &limits)
        : intake(intake), wsi(wsi), conn(conn), fd(fd), peer_close_code(peer_close_code), reader(limits)
    {
    }
    FrameIntake &intake;
    lws *wsi;
    Connection &conn;
    int fd;
    int *peer_close_code;
    wsframe::FrameReader reader;
    std::string held; // read while reading was paused, not handled yet
};

namespace
{

wsframe::ReaderLimits limits_of(const WebSocketConfig &ws)
{
    return {ws.max_message_bytes, ws.max_fragments, false};
}

std::span<std::uint8_t> bytes_of(std::string &s)
{
    return {reinterpret_cast<std::uint8_t *>(s.data()), s.size()};
}

} // namespace

FrameIntake::FrameIntake(const Config &config, Gateway &gateway, ServiceLoop &loop, Deliver deliver,
                         ControlSeen control_seen)
    : config_(config), gateway_(gateway), loop_(loop), deliver_(std::move(deliver)),
      control_seen_(std::move(control_seen)), buffer_(new std::uint8_t[kReceiveBytes])
{
    gateway_.set_rx_resumed_listener([this](wsh_conn_id id) {
        auto it = reads_.find(id);
        if (it != reads_.end() && !it->second->held.empty())
            loop_.post([this, id] { resumed(id); }); // the gateway's lock is held here
    });
}

FrameIntake::~FrameIntake()
{
    for (auto &[id, read] : reads_)
        delete read;
}

bool FrameIntake::applies_to(const Config &config)
{
    return config.server.frame_reader == FrameReaderKind::host && !config.server.tls.enabled;
}

HostRead *FrameIntake::start(lws *wsi, Connection &conn, int *peer_close_code)
{
    const int fd = lws_get_socket_fd(wsi);
    if (fd < 0)
        return nullptr;
    auto *read = new HostRead(*this, wsi, conn, fd, peer_close_code, limits_of(config_.websocket));
    reads_[conn.id] = read;
    SocketReads::instance().take(fd, &FrameIntake::on_readable, read);
    return read;
}

void FrameIntake::stop(HostRead *read)
{
    if (!read)
        return;
    SocketReads::instance().release(read->fd);
    reads_.erase(read->conn.id);
    delete read;
}

ssize_t FrameIntake::on_readable(void *owner, int fd)
{
    auto &read = *static_cast<HostRead *>(owner);
    return read.intake.read_socket(read, fd);
}

ssize_t FrameIntake::read_socket(HostRead &r, int fd)
{
    const WebSocketConfig &ws = config_.websocket;
    r.reader.set_limits(ws.max_message_bytes, ws.max_fragments);
    if (!r.held.empty()) { // normally handled by resumed(); lws may read first
        std::span<std::uint8_t> in = bytes_of(r.held);
        const Outcome o = handle(r, in);
        r.held.erase(0, r.held.size() - in.size());
        if (o == Outcome::end)
            return 0;
        if (o == Outcome::paused) {
            errno = EAGAIN;
            return -1;
        }
    }
    const ssize_t n = kernel_recv(fd, buffer_.get(), kReceiveBytes, 0);
    if (n <= 0)
        return n; // 0: end of stream, lws closes; -1: errno tells lws (EAGAIN, or a reset)
    std::span<std::uint8_t> in(buffer_.get(), static_cast<std::size_t>(n));
    const Outcome o = handle(r, in);
    if (o == Outcome::end)
        return 0;
    if (o == Outcome::paused)
        r.held.assign(reinterpret_cast<const char *>(in.data()), in.size());
    errno = EAGAIN; // nothing for lws to parse
    return -1;
}

void FrameIntake::resumed(wsh_conn_id id)
{
    auto it = reads_.find(id);
    if (it == reads_.end() || it->second->held.empty())
        return;
    HostRead &r = *it->second;
    std::span<std::uint8_t> in = bytes_of(r.held);
    const Outcome o = handle(r, in);
    r.held.erase(0, r.held.size() - in.size());
    if (r.held.capacity() > kReceiveBytes && r.held.empty())
        r.held.shrink_to_fit();
    if (o == Outcome::end) // the client acknowledged our close: no need to wait for it to hang up
        lws_set_timeout(r.wsi, PENDING_TIMEOUT_CLOSE_ACK, LWS_TO_KILL_ASYNC);
}

// Handles the frames of `in` until it is used up (go_on), reading pauses
// (paused: `in` holds the rest), or the connection is done (end).
FrameIntake::Outcome FrameIntake::handle(HostRead &r, std::span<std::uint8_t> &in)
{
    Connection &conn = r.conn;
    using Type = wsframe::ReadEvent::Type;
    for (;;) {
        if (conn.rx_paused)
            return Outcome::paused;
        const wsframe::ReadEvent ev = r.reader.next(in);
        switch (ev.type) {
        case Type::need_more:
            return Outcome::go_on;
        case Type::text:
        case Type::binary:
            if (!conn.closing && !conn.peer_closed)
                deliver_(conn, ev.type == Type::binary, ev.data);
            break;
        case Type::ping: // queued behind the answers to what came before it
            if (!conn.closing && !conn.peer_closed) {
                gateway_.send_response(conn.id, Frame::make_pong(ev.data));
                control_seen_(conn, true, ev.data);
            }
            break;
        case Type::pong: // lws counts only pongs as proof of life (T18)
            lws_validity_confirmed(r.wsi);
            if (!conn.closing && !conn.peer_closed)
                control_seen_(conn, false, ev.data);
            break;
        case Type::close:
            if (conn.closing)
                return Outcome::end; // it acknowledges ours
            if (ev.code != 1005)
                *r.peer_close_code = ev.code;
            // Nothing after the client's close reaches a handler (RFC 6455
            // §5.5.1, T32); what was dispatched before keeps its answer.
            conn.peer_closed = true;
            conn.close_echo = true;
            conn.held.clear();
            conn.held_bytes = 0;
            gateway_.close(conn.id, ev.code == 1005 ? 1000 : ev.code, {}, true);
            break;
        case Type::error:
            log_event(LogLevel::debug, LogFields("frame_rejected").conn(conn.id),
                      "connection %llu: closing with %u: %.*s", static_cast<unsigned long long>(conn.id),
                      unsigned{ev.code}, static_cast<int>(ev.data.size()), ev.data.data());
            gateway_.close(conn.id, ev.code, ev.data, false);
            break;
        }
    }
}

} // namespace wshost

#include "session/frame_intake.h"

#include "base/log.h"
#include "transport/socket_reads.h"
#include "transport/ws_session.h"
#include "wsframe/frame_reader.h"

#include <libwebsockets.h>

#include <cerrno>
#include <string>

namespace wshost
{

// 56 bytes (one 64-byte heap block) for an idle connection: its reader and
// the bytes held while paused exist only while needed (issue 19).
struct HostRead {
    HostRead(FrameIntake &intake, Connection &conn, int fd) : intake(intake), conn(conn), fd(fd) {}
    FrameIntake &intake;
    Connection &conn;                          // its wsi is the connection's
    HostRead *prev = nullptr, *next = nullptr; // FrameIntake's list of every HostRead
    // Only between frames is the reader at rest (wsframe::FrameReader::at_rest):
    // then it goes back to the intake's spare and this is null.
    std::unique_ptr<wsframe::FrameReader> reader;
    std::unique_ptr<std::string> held; // read while reading was paused, not handled yet
    int fd;

    bool holds() const { return held && !held->empty(); }
};
static_assert(sizeof(HostRead) <= 56, "an idle connection's HostRead fits a 64-byte heap block");

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

HostRead *host_read_of(const Connection &conn)
{
    auto *session = static_cast<WsSession *>(lws_wsi_user(conn.wsi));
    return session ? session->host_read : nullptr;
}

} // namespace

FrameIntake::FrameIntake(const Config &config, Gateway &gateway, ServiceLoop &loop, Deliver deliver,
                         ControlSeen control_seen)
    : config_(config), gateway_(gateway), loop_(loop), deliver_(std::move(deliver)),
      control_seen_(std::move(control_seen)), buffer_(new std::uint8_t[kReceiveBytes])
{
    gateway_.set_rx_resumed_listener([this](Connection &conn) {
        if (HostRead *read = host_read_of(conn); read && read->holds())
            loop_.post([this, id = conn.id] { resumed(id); }); // the gateway's lock is held here
    });
}

FrameIntake::~FrameIntake()
{
    while (reads_)
        stop(reads_);
}

bool FrameIntake::applies_to(const Config &config)
{
    return config.server.frame_reader == FrameReaderKind::host && !config.server.tls.enabled;
}

HostRead *FrameIntake::start(lws *wsi, Connection &conn)
{
    const int fd = lws_get_socket_fd(wsi);
    if (fd < 0)
        return nullptr;
    auto *read = new HostRead(*this, conn, fd);
    read->next = reads_;
    if (reads_)
        reads_->prev = read;
    reads_ = read;
    SocketReads::instance().take(fd, &FrameIntake::on_readable, read);
    return read;
}

void FrameIntake::stop(HostRead *read)
{
    if (!read)
        return;
    SocketReads::instance().release(read->fd);
    (read->prev ? read->prev->next : reads_) = read->next;
    if (read->next)
        read->next->prev = read->prev;
    delete read;
}

// The connection's reader while it is inside a frame, else a reader at rest
// (the spare, or a new one when the spare is in use).
std::unique_ptr<wsframe::FrameReader> FrameIntake::take_reader(HostRead &r)
{
    std::unique_ptr<wsframe::FrameReader> reader =
        r.reader ? std::move(r.reader)
        : spare_ ? std::move(spare_)
                 : std::make_unique<wsframe::FrameReader>(limits_of(config_.websocket));
    const WebSocketConfig &ws = config_.websocket;
    reader->set_limits(ws.max_message_bytes, ws.max_fragments);
    return reader;
}

void FrameIntake::put_reader(HostRead &r, std::unique_ptr<wsframe::FrameReader> reader)
{
    if (!reader->at_rest())
        r.reader = std::move(reader); // a frame or a message goes on in the next read
    else if (!spare_)
        spare_ = std::move(reader);
}

ssize_t FrameIntake::on_readable(void *owner, int fd)
{
    auto &read = *static_cast<HostRead *>(owner);
    return read.intake.read_socket(read, fd);
}

ssize_t FrameIntake::read_socket(HostRead &r, int fd)
{
    if (r.holds()) { // normally handled by resumed(); lws may read first
        std::span<std::uint8_t> in = bytes_of(*r.held);
        const Outcome o = handle(r, in);
        r.held->erase(0, r.held->size() - in.size());
        if (r.held->empty())
            r.held.reset();
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
    if (o == Outcome::paused) {
        if (!r.held)
            r.held = std::make_unique<std::string>();
        r.held->assign(reinterpret_cast<const char *>(in.data()), in.size());
    }
    errno = EAGAIN; // nothing for lws to parse
    return -1;
}

void FrameIntake::resumed(wsh_conn_id id)
{
    Connection *conn = gateway_.connection(id);
    HostRead *read = conn ? host_read_of(*conn) : nullptr;
    if (!read || !read->holds())
        return;
    HostRead &r = *read;
    std::span<std::uint8_t> in = bytes_of(*r.held);
    const Outcome o = handle(r, in);
    r.held->erase(0, r.held->size() - in.size());
    if (r.held->empty())
        r.held.reset();    // what a paused connection held goes once handled
    if (o == Outcome::end) // the client acknowledged our close: no need to wait for it to hang up
        lws_set_timeout(r.conn.wsi, PENDING_TIMEOUT_CLOSE_ACK, LWS_TO_KILL_ASYNC);
}

FrameIntake::Outcome FrameIntake::handle(HostRead &r, std::span<std::uint8_t> &in)
{
    std::unique_ptr<wsframe::FrameReader> reader = take_reader(r);
    const Outcome o = handle(r, *reader, in);
    put_reader(r, std::move(reader));
    return o;
}

// Handles the frames of `in` until it is used up (go_on), reading pauses
// (paused: `in` holds the rest), or the connection is done (end).
FrameIntake::Outcome FrameIntake::handle(HostRead &r, wsframe::FrameReader &reader,
                                         std::span<std::uint8_t> &in)
{
    Connection &conn = r.conn;
    using Type = wsframe::ReadEvent::Type;
    for (;;) {
        if (conn.rx_paused)
            return Outcome::paused;
        const wsframe::ReadEvent ev = reader.next(in);
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
            lws_validity_confirmed(conn.wsi);
            if (!conn.closing && !conn.peer_closed)
                control_seen_(conn, false, ev.data);
            break;
        case Type::close:
            if (conn.closing)
                return Outcome::end; // it acknowledges ours
            if (auto *session = static_cast<WsSession *>(lws_wsi_user(conn.wsi)); session && ev.code != 1005)
                session->peer_close_code = ev.code;
            // Nothing after the client's close reaches a handler (RFC 6455
            // §5.5.1, T32); what was dispatched before keeps its answer.
            conn.peer_closed = true;
            conn.close_echo = true;
            conn.drop_held();
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

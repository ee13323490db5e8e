#include "session/ws_sessions.h"

#include "auth/client_tags.h"
#include "base/close_codes.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/stats.h"
#include "base/text.h"
#include "plugins/hook_events.h"
#include "transport/handshake_http.h"
#include "transport/socket_reads.h"
#include "transport/static_files.h"
#include "transport/subprotocols.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace wshost
{
namespace
{

// The WebSocket protocol's name, which lws matches the client's
// Sec-WebSocket-Protocol against and echoes (subprotocols.h). It is "wshost"
// while the vhost is made (its "default" pvo names it), then whatever the
// upgrade under way needs. Service thread only.
char ws_protocol_name[64] = "wshost";

void name_ws_protocol(std::string_view name)
{
    const std::size_t n = std::min(name.size(), sizeof ws_protocol_name - 1);
    std::memcpy(ws_protocol_name, name.data(), n);
    ws_protocol_name[n] = '\0';
}

// A header's value, or empty (absent, or longer than we take).
std::string header(lws *wsi, lws_token_indexes token)
{
    int len = lws_hdr_total_length(wsi, token);
    if (len <= 0 || len > 16384)
        return {};
    std::string value(static_cast<std::size_t>(len) + 1, '\0');
    int n = lws_hdr_copy(wsi, value.data(), len + 1, token);
    value.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return value;
}

std::string custom_header(lws *wsi, const std::string &name)
{
    std::string key = name + ":";
    int len = lws_hdr_custom_length(wsi, key.c_str(), static_cast<int>(key.size()));
    if (len <= 0 || len > 16384)
        return {};
    std::string value(static_cast<std::size_t>(len) + 1, '\0');
    int n = lws_hdr_custom_copy(wsi, value.data(), len + 1, key.c_str(), static_cast<int>(key.size()));
    value.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return value;
}

// Every standard request header lws parsed, lowercase names without the colon.
void capture_headers(lws *wsi, UpgradeRequest &req, const std::vector<std::string> &extra)
{
    for (int t = 0; t < WSI_TOKEN_COUNT; ++t) {
        auto token = static_cast<lws_token_indexes>(t);
        const char *name = reinterpret_cast<const char *>(lws_token_to_string(token));
        std::size_t n = name ? std::strlen(name) : 0;
        if (n < 2 || name[n - 1] != ':' || name[0] == ':') // methods ("get ") and h2 pseudo-headers
            continue;
        if (lws_hdr_total_length(wsi, token) <= 0)
            continue;
        std::string key(name, n - 1);
        std::transform(key.begin(), key.end(), key.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        req.headers.emplace_back(std::move(key), header(wsi, token));
    }
    for (const std::string &name : extra)
        if (std::string value = custom_header(wsi, name); !value.empty())
            req.headers.emplace_back(name, std::move(value));
}

// The query arguments, percent-decoded by lws, joined by '&' (lws_hdr_copy
// would join them with ',', which a value may contain). Each argument is
// copied whole, however long (a JWT in ?token= easily passes 4 KiB).
std::string query_args(lws *wsi)
{
    std::string out, arg;
    for (int i = 0;; ++i) {
        int len = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (len <= 0)
            break;
        arg.assign(static_cast<std::size_t>(len) + 1, '\0');
        int n = lws_hdr_copy_fragment(wsi, arg.data(), len + 1, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0)
            break;
        if (i > 0)
            out += '&';
        out.append(arg.data(), static_cast<std::size_t>(n));
    }
    return out;
}

// The WebSocket vhost's user pointer is its WsSessions.
WsSessions *of(lws *wsi)
{
    lws_vhost *vh = lws_get_vhost(wsi);
    return vh ? static_cast<WsSessions *>(lws_vhost_user(vh)) : nullptr;
}

void refuse_busy(lws *wsi)
{
    refuse_handshake(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, {{"retry-after", "1"}});
    metrics::handshake_refused("503");
}

} // namespace

WsSessions::WsSessions(const Config &config, Gateway &gateway, AuthService &auth, Dispatcher &dispatcher,
                       Deadlines &deadlines, Drain &drain, ServiceLoop &loop, AcceptGate &accept_gate)
    : config_(config), gateway_(gateway), auth_(auth), dispatcher_(dispatcher), deadlines_(deadlines),
      drain_(drain), loop_(loop), accept_gate_(accept_gate), caps_(config_.websocket),
      handshakes_(caps_, config_.websocket),
      intake_(
          config_, gateway_, loop_,
          [this](Connection &conn, bool binary, std::string_view message) {
              on_message(conn, binary, message);
          },
          [this](Connection &conn, bool ping, std::string_view payload) {
              on_control_frame(conn, ping, payload);
          })
{
}

const lws_protocols *WsSessions::protocols(const Config &config, lws_protocols extra)
{
    // lws allocates the WebSocket protocol's rx_buffer_size for every
    // connection at its upgrade. When the host reads every connection's frames
    // (no TLS, no permessage-deflate) lws never fills that buffer: a token one
    // saves [websocket] rx_buffer_bytes per connection. lws allocates it with
    // LWS_PRE + 4 more bytes: 4 makes that glibc's smallest block (24 usable
    // bytes, 32 with its header; 128 took 160: issue 19). (0 would mean lws's
    // default, 4 KiB.) lws reads such a socket with its own per-thread buffer,
    // and sends are cut to tx_packet_size, not to this.
    constexpr std::size_t kUnreadRxBytes = 4;
    // lws cuts each send() to tx_packet_size (to rx_buffer_size when that is
    // 0) and drains the rest one such piece per POLLOUT. The gateway coalesces
    // up to 64 KiB of frames into one write: let the kernel take it in one call.
    constexpr std::size_t kSendBytes = 256 * 1024;
    const std::size_t rx = config.websocket.rx_buffer_bytes;
    const bool lws_reads = !FrameIntake::applies_to(config) || config.websocket.compression;
    static lws_protocols list[] = {
        // Not a token, so no Sec-WebSocket-Protocol name can bind an upgrade to it.
        {"http only", http_callback, sizeof(StaticSession), 0, 0, nullptr, 0},
        {ws_protocol_name, ws_callback, sizeof(WsSession), lws_reads ? rx : kUnreadRxBytes, 0, nullptr,
         kSendBytes},
        extra,
        {nullptr, nullptr, 0, 0, 0, nullptr, 0},
    };
    return list;
}

int WsSessions::http_callback(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len)
{
    WsSessions *self = of(wsi);
    if (!self)
        return 0; // not one of the vhost's wsis (LWS_CALLBACK_GET_THREAD_ID comes without a vhost)
    return self->on_http(wsi, reason, user, in, len);
}

int WsSessions::ws_callback(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len)
{
    WsSessions *self = of(wsi);
    if (!self)
        return 0; // not one of the vhost's wsis (LWS_CALLBACK_GET_THREAD_ID comes without a vhost)
    return self->on_ws(wsi, reason, user, in, len);
}

int WsSessions::on_http(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t)
{
    accept_gate_.on_callback(wsi, reason); // protocols[0]: sees every accept of this vhost
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: // broadcast to every protocol of every vhost: act once (T6)
        loop_.run_posted();
        return 0;
    case LWS_CALLBACK_WSI_DESTROY: // every wsi of the vhost, whichever protocol it was bound to (T34)
        handshakes_.destroyed(wsi);
        SocketReads::instance().handshake_ended(wsi);
        break;
    // The WebSocket protocol is the vhost's default, so lws sends these there;
    // should a wsi still be bound here, the same rules apply.
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        return on_accepted(wsi) ? 0 : -1;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return confirm_upgrade(wsi, static_cast<const char *>(in));
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: // never a WebSocket on this protocol
        return 1;
    default:
        break;
    }
    // Plain HTTP on the WebSocket port: [server] static_dir, or 404.
    return static_files_callback(wsi, reason, static_cast<StaticSession *>(user), in,
                                 config_.server.static_dir);
}

bool WsSessions::on_accepted(lws *wsi)
{
    char peer[64] = "";
    lws_get_peer_simple(wsi, peer, sizeof peer);
    const auto &proxies = config_.websocket.trusted_proxies;
    bool proxy = std::find(proxies.begin(), proxies.end(), std::string_view(peer)) != proxies.end();
    if (handshakes_.accepted(wsi, peer, proxy)) {
        if (intake_.applies()) { // lws reads the request, not a byte past it (socket_reads.h)
            static const bool attached =
                (SocketReads::instance().attach(), true); // this is the service thread
            (void)attached;
            SocketReads::instance().limit_to_headers(wsi, lws_get_socket_fd(wsi));
        }
        return true;
    }
    // Nothing has been read yet, so there is no request to answer: close.
    log_event(LogLevel::debug, LogFields("handshake_refused"),
              "connection from %s closed at once: max_handshakes_per_ip reached", peer);
    metrics::handshake_refused("closed");
    return false;
}

int WsSessions::confirm_upgrade(lws *wsi, const char *upgrade)
{
    if (!upgrade || !text::iequals(upgrade, "websocket")) {
        // h2c (or anything else): no protocol switch, the answer a plain
        // request gets here (T33).
        log_event(LogLevel::debug, LogFields("handshake_refused"), "handshake refused: Upgrade: %.32s",
                  upgrade ? upgrade : "");
        refuse_handshake(wsi, HTTP_STATUS_NOT_FOUND);
        metrics::handshake_refused("404");
        return 1;
    }
    const EndpointConfig *endpoint = endpoint_for(config_, header(wsi, WSI_TOKEN_GET_URI));
    if (!endpoint) {
        refuse_handshake(wsi, HTTP_STATUS_NOT_FOUND);
        metrics::handshake_refused("404");
        return 1;
    }
    UpgradeHeaderCopy headers;
    read_upgrade_headers(wsi, config_.server.max_header_bytes, headers);
    UpgradeProblem problem = check_upgrade(headers.view);
    if (!problem.status) {
        SubprotocolChoice choice = choose_subprotocol(headers.view.protocols, *endpoint);
        problem = {choice.status, std::move(choice.reason)};
        // lws binds the upgrade to the protocol the client names first, and
        // drops it if there is none: let that be ours (subprotocols.h).
        if (!choice.first_offered.empty())
            name_ws_protocol(choice.first_offered);
    }
    if (problem.status) {
        char peer[64] = "";
        lws_get_peer_simple(wsi, peer, sizeof peer);
        log_event(LogLevel::debug, LogFields("handshake_refused"), "handshake from %s refused with %d: %s",
                  peer, problem.status, problem.reason.c_str());
        if (problem.status == 426)
            refuse_handshake(wsi, problem.status, {{"sec-websocket-version", "13"}});
        else
            refuse_handshake(wsi, problem.status);
        metrics::handshake_refused(std::to_string(problem.status));
        return 1;
    }
    return 0;
}

int WsSessions::filter_upgrade(lws *wsi)
{
    if (drain_.stopping()) {
        refuse_busy(wsi);
        return 1;
    }
    std::string origin = header(wsi, WSI_TOKEN_ORIGIN);
    if (!origin_allowed(origin, config_.websocket)) {
        log_event(LogLevel::info, LogFields("handshake_refused"),
                  "handshake refused: origin '%.128s' is not allowed", origin.c_str());
        lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, nullptr);
        metrics::handshake_refused("403");
        return 1;
    }
    char peer[64] = "";
    lws_get_peer_simple(wsi, peer, sizeof peer);
    std::string address =
        client_address(peer, header(wsi, WSI_TOKEN_X_FORWARDED_FOR), config_.websocket.trusted_proxies);
    switch (handshakes_.reserve(wsi, address)) {
    case HandshakeTable::Reserve::ok:
        break;
    case HandshakeTable::Reserve::handshake_cap:
        log_event(LogLevel::info, LogFields("handshake_refused"),
                  "handshake refused: max_handshakes_per_ip reached (%s)", address.c_str());
        refuse_busy(wsi);
        return 1;
    case HandshakeTable::Reserve::connection_cap:
        log_event(LogLevel::info, LogFields("handshake_refused"),
                  "handshake refused: connection cap reached (%zu open; %s)", caps_.total(), address.c_str());
        refuse_busy(wsi);
        return 1;
    }
    auto req = std::make_unique<UpgradeRequest>();
    req->path = header(wsi, WSI_TOKEN_GET_URI);
    if (const EndpointConfig *endpoint = endpoint_for(config_, req->path)) {
        // lws answers next, echoing the protocol's name: the selected one, or
        // none for "" (confirm_upgrade has refused a client it cannot serve).
        req->subprotocol = choose_subprotocol(header(wsi, WSI_TOKEN_PROTOCOL), *endpoint).selected;
        name_ws_protocol(req->subprotocol);
    }
    req->query = query_args(wsi);
    req->origin = std::move(origin);
    req->address = std::move(address);
    capture_headers(wsi, *req, auth_.plugin().extra_headers);
    handshakes_.hold_request(wsi, std::move(req));
    return 0;
}

int WsSessions::on_established(lws *wsi, WsSession &session)
{
    std::unique_ptr<UpgradeRequest> req = handshakes_.established(wsi);
    if (!req) { // only a filtered upgrade gets here
        log_event(LogLevel::error, LogFields("handshake_refused"),
                  "connection established without its handshake record; closing it");
        return -1;
    }
    const EndpointConfig *endpoint = endpoint_for(config_, req->path);
    if (!endpoint) { // a reload took the path away since confirm_upgrade
        log_event(LogLevel::info, LogFields("handshake_refused"),
                  "connection established on %s, no longer an endpoint; closing it", req->path.c_str());
        return -1;
    }
    Connection *conn = gateway_.add(wsi, req->address, client_tags(req->query, config_.websocket.client_tags),
                                    endpoint->path, req->subprotocol);
    conn->raw = endpoint->protocol == EndpointProtocol::raw;
    conn->handler = endpoint->handler;
    session.conn = conn;
    bump(stats().connections_opened);
    // Free the deflater after each message (T16). -1: the client did not
    // negotiate permessage-deflate, so the gateway may frame and coalesce.
    conn->deflate =
        config_.websocket.compression &&
        lws_set_extension_option(wsi, "permessage-deflate", "client_no_context_takeover", "1") != -1;
    // A client's server_no_context_takeover makes lws 4.1.6 reset its
    // inflater after each message (the names swapped, T16), while the client
    // keeps its own compression context: its second message would not
    // inflate. The deflater reset above already is what that offer asks for.
    if (conn->deflate)
        lws_set_extension_option(wsi, "permessage-deflate", "server_no_context_takeover", "0");
    SocketReads::instance().handshake_ended(wsi);
    if (intake_.applies() && !conn->deflate) // else lws reads its frames (on_receive)
        session.host_read = intake_.start(wsi, *conn);
    log_event(LogLevel::debug, LogFields("conn_opened").conn(conn->id), "connection %llu opened from %s%s",
              static_cast<unsigned long long>(conn->id), req->address.c_str(),
              session.host_read ? " (host frame reader)" : "");
    if (drain_.stopping()) {
        gateway_.close(conn->id, close_code::going_away, "server shutting down", true);
        return 0;
    }
    if (auto verdict = auth_.begin(conn->id, *req)) {
        apply_verdict(conn->id, std::move(*verdict));
        return 0;
    }
    // Frames wait for the verdict, in order (on_message holds them). Reading
    // goes on, so a client that leaves is noticed at once; only when what it
    // sent meanwhile passes one maximum message does reading pause.
    deadlines_.arm();
    return 0;
}

void WsSessions::apply_verdict(wsh_conn_id id, Verdict verdict)
{
    Connection *conn = gateway_.connection(id);
    if (!conn || conn->admission != Connection::Admission::pending)
        return; // closed meanwhile
    if (verdict.kind == Verdict::Kind::anonymous && config_.auth.authenticator != "none" &&
        !config_.auth.allow_anonymous) {
        verdict.kind = Verdict::Kind::reject;
        verdict.reason += " and [auth] allow_anonymous is false";
        verdict.result = "missing";
    }
    metrics::auth(verdict.result);
    if (verdict.kind == Verdict::Kind::reject) {
        // The log says why; the client only learns that it failed.
        log_event(LogLevel::info, LogFields("auth_rejected").conn(id), "connection %llu from %s rejected: %s",
                  static_cast<unsigned long long>(id), conn->peer.c_str(), verdict.reason.c_str());
        conn->admission = Connection::Admission::rejected;
        conn->drop_held();
        gateway_.close(id, close_code::policy_violation, "authentication_failed", false);
        return;
    }
    if (verdict.kind == Verdict::Kind::accept) {
        gateway_.set_user(id, verdict.user_id);
        for (const auto &[key, value] : verdict.tags)
            gateway_.set_tag(id, key, value);
    }
    conn->admission = Connection::Admission::admitted;
    handshakes_.admitted(conn->wsi);

    auto snap = gateway_.snapshot(id);
    log_event(LogLevel::debug, LogFields("conn_admitted").conn(id).user(snap->user_id),
              "connection %llu admitted%s%s", static_cast<unsigned long long>(id),
              snap->user_id.empty() ? " (anonymous)" : " as user ", snap->user_id.c_str());
    if (const auto &set = dispatcher_.plugins())
        fire_authenticated(*set, id, snap->user_id, snap->tags, snap->endpoint, snap->subprotocol);

    std::vector<std::pair<bool, std::string>> held;
    if (Connection::Seldom *s = conn->seldom_if())
        held = std::move(s->held);
    conn->drop_held();
    for (auto &[binary, message] : held)
        on_message(*conn, binary, message);
    gateway_.hold_rx(*conn, false);
}

void WsSessions::on_message(Connection &conn, bool binary, std::string_view message)
{
    if (conn.peer_closed)
        return; // nothing after the client's close frame (RFC 6455 §5.5.1, T32)
    switch (conn.admission) {
    case Connection::Admission::pending: { // lws had it buffered before the pause
        Connection::Seldom &s = conn.seldom();
        s.held.emplace_back(binary, std::string(message));
        s.held_bytes += message.size();
        if (s.held_bytes > config_.websocket.max_message_bytes)
            gateway_.hold_rx(conn, true); // bounded: stop reading until the verdict
        return;
    }
    case Connection::Admission::rejected:
        return; // never reaches a handler
    case Connection::Admission::admitted:
        break;
    }
    if (conn.raw)
        dispatcher_.on_raw(conn, binary, message);
    else if (binary)
        dispatcher_.on_binary(conn, message);
    else
        dispatcher_.on_text(conn, message);
}

void WsSessions::on_closed(WsSession &session)
{
    Connection *conn = session.conn;
    session.conn = nullptr;
    int code = gateway_.close_code_of(*conn);
    if (!code)
        code = session.peer_close_code ? session.peer_close_code : close_code::abnormal;
    bump(stats().connections_closed);
    metrics::closed(code);
    auth_.forget(conn->id);
    dispatcher_.connection_closed(conn->id);
    handshakes_.connection_closed(conn->peer);
    bool admitted = conn->admission == Connection::Admission::admitted;
    auto user = gateway_.snapshot(conn->id);
    log_event(LogLevel::debug, LogFields("conn_closed").conn(conn->id).user(user->user_id),
              "connection %llu closed (%d)", static_cast<unsigned long long>(conn->id), code);
    gateway_.remove(conn); // queues room-left hooks first
    if (admitted)
        loop_.post([this, id = user->id, user_id = user->user_id, code] {
            if (const auto &set = dispatcher_.plugins())
                fire_disconnected(*set, id, user_id, code);
        });
    drain_.connection_closed();
}

void WsSessions::on_control_frame(Connection &conn, bool ping, std::string_view payload)
{
    if (conn.admission != Connection::Admission::admitted)
        return; // plugins meet a connection at its authenticated hook, not before
    if (const auto &set = dispatcher_.plugins())
        fire_control_frame(*set, ping ? WSH_HOOK_PING : WSH_HOOK_PONG, conn.id, conn.user_id, payload);
}

int WsSessions::on_receive(lws *wsi, WsSession &session, const void *in, std::size_t len)
{
    Connection *conn = session.conn;
    if (!conn || conn->closing || conn->peer_closed)
        return 0;
    if (lws_is_first_fragment(wsi)) {
        if (Connection::Seldom *s = conn->seldom_if())
            s->rx.clear();
        conn->rx_overflow = false;
        session.binary = lws_frame_is_binary(wsi);
    }
    if (conn->rx_overflow)
        return 0;
    Connection::Seldom *s = conn->seldom_if();
    const std::size_t assembled = s ? s->rx.size() : 0;
    if (assembled + len > config_.websocket.max_message_bytes) {
        // Drop what is buffered and whatever else arrives, and close 1009 from
        // the writeable callback: returning -1 here is swallowed when
        // permessage-deflate is active (T5). Reading goes on, so lws can take
        // the client's close acknowledgement instead of resetting the socket.
        conn->rx_overflow = true;
        if (s) {
            s->rx.clear();
            s->rx.shrink_to_fit();
        }
        gateway_.close(conn->id, close_code::message_too_big, "message too big", false);
        return 0;
    }
    const bool whole = lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);
    if (whole && assembled == 0) {
        // The common case, a message in one piece: straight from lws's buffer.
        on_message(*conn, session.binary, {static_cast<const char *>(in), len});
        return 0;
    }
    std::string &rx = conn->seldom().rx;
    rx.append(static_cast<const char *>(in), len);
    if (!whole)
        return 0;
    on_message(*conn, session.binary, rx);
    rx.clear();
    if (rx.capacity() > 64 * 1024) // don't keep a big buffer on an idle connection
        rx.shrink_to_fit();
    return 0;
}

int WsSessions::on_ws(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len)
{
    auto *session = static_cast<WsSession *>(user);
    switch (reason) {
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        return on_accepted(wsi) ? 0 : -1;

    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return confirm_upgrade(wsi, static_cast<const char *>(in));

    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return filter_upgrade(wsi);

    case LWS_CALLBACK_ESTABLISHED:
        return on_established(wsi, *session);

    case LWS_CALLBACK_RECEIVE:
        return on_receive(wsi, *session, in, len);

    case LWS_CALLBACK_SERVER_WRITEABLE:
        return session->conn ? gateway_.on_writeable(*session->conn) : 0;

    case LWS_CALLBACK_RECEIVE_PONG: // lws's reader (it answers pings itself, with no callback)
        if (session->conn && !session->conn->peer_closed)
            on_control_frame(*session->conn, false, {static_cast<const char *>(in), len});
        return 0;

    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
        auto *p = static_cast<unsigned char *>(in);
        const unsigned code = len >= 2 ? unsigned{p[0]} << 8 | p[1] : 0;
        if (Connection *conn = session->conn) {
            // lws 4.1.6 still delivers frames read behind the close frame
            // (T32): none of them, and no message left half-assembled, reaches
            // a handler. What was dispatched before keeps its answer, which
            // goes out if it is written before lws's close reply.
            conn->peer_closed = true;
            if (Connection::Seldom *s = conn->seldom_if())
                s->rx.clear();
            conn->drop_held();
        }
        if (len >= 2 && !close_code::peer_may_send(code)) {
            // lws echoes this payload as its close frame. It rewrites the
            // invalid codes it knows (below 1000, 1004-1006, 1012-2999) to
            // 1002 in place before this callback, but echoes codes past 4999
            // as they came: rewrite those too (docs/CONFORMANCE.md 7.9).
            p[0] = close_code::protocol_error >> 8;
            p[1] = close_code::protocol_error & 0xFF;
            return 0;
        }
        if (len == 1) {
            // An echo of 1 byte would be an invalid close frame (7.3.2).
            static unsigned char why[] = "close payload of 1 byte";
            lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR, why, sizeof why - 1);
            return -1;
        }
        if (len >= 2)
            session->peer_close_code = static_cast<int>(code);
        return 0;
    }

    case LWS_CALLBACK_CLOSED:
        intake_.stop(session->host_read);
        session->host_read = nullptr;
        if (session->conn)
            on_closed(*session);
        return 0;

    case LWS_CALLBACK_WSI_DESTROY: // lws 4.1.6 sends it to protocols[0] (on_http); here in case
        handshakes_.destroyed(wsi);
        SocketReads::instance().handshake_ended(wsi);
        return 0;

    default:
        return 0;
    }
}

} // namespace wshost

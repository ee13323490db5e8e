#include "control/control_http.h"

#include "transport/accept_gate.h"
#include "transport/listen_share.h"
#include "control/control_api.h"
#include "base/log.h"
#include "transport/service_loop.h"

#include <libwebsockets.h>
#include <openssl/rand.h>

#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>
#include <string>

namespace wshost
{
namespace
{

using Clock = std::chrono::steady_clock;

// An answer that arrives later, from any thread (POST /v1/reload): it is
// posted to the service loop, which writes it unless the request has gone
// meanwhile (`alive`, service thread only).
struct Deferred {
    lws *wsi;
    bool alive = true;
};

// One request and its answer. lws hands us raw zeroed per-session memory
// (LWS-NOTES T9), so the session holds only a pointer to this.
struct Exchange {
    Exchange() = default;
    Exchange(const Exchange &) = delete;
    Exchange &operator=(const Exchange &) = delete;
    ~Exchange()
    {
        if (parked)
            parked->alive = false; // the client left, or the answer was written
    }

    ControlRequest request;
    std::string out;          // LWS_PRE bytes, then the response body
    int status = 0;           // 0: no response yet
    std::size_t expected = 0; // Content-Length
    bool close_after = false; // refused with a body unread: close, don't reuse
    bool deferred = false;    // handled; the answer comes later (answer())
    std::shared_ptr<Deferred> parked;
    Clock::time_point start = Clock::now();
    char id[17] = {}; // request id (hex), also sent as X-Request-Id
};

struct Session {
    Exchange *x;
};

// What the vhost's protocol keeps besides the ControlApi (the vhost's user).
struct VhostParts {
    ServiceLoop *loop;
    AcceptGate *gate; // optional
};

VhostParts *parts_of(lws *wsi)
{
    // Set right after the vhost is created, before it can accept anything.
    return static_cast<VhostParts *>(lws_protocol_vh_priv_get(lws_get_vhost(wsi), lws_get_protocol(wsi)));
}

ControlApi &api_of(lws *wsi)
{
    return *static_cast<ControlApi *>(lws_vhost_user(lws_get_vhost(wsi)));
}

std::string header(lws *wsi, lws_token_indexes token)
{
    const int n = lws_hdr_total_length(wsi, token);
    if (n <= 0)
        return {};
    std::string s(static_cast<std::size_t>(n) + 1, '\0');
    const int got = lws_hdr_copy(wsi, s.data(), n + 1, token);
    s.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return s;
}

// lws has already percent-decoded the path and the query; ControlApi expects
// them encoded, so '%' (and '&' inside a query argument) are encoded again.
// (A %2F in the path has become a '/' before we see it: names containing
// '/' cannot be addressed through path parameters.)
std::string reencode(std::string_view s, bool query_part)
{
    std::string out;
    for (char c : s) {
        if (c == '%')
            out += "%25";
        else if (query_part && c == '&')
            out += "%26";
        else
            out.push_back(c);
    }
    return out;
}

std::string query_of(lws *wsi)
{
    std::string query;
    char buf[8193]; // a fragment never exceeds the header space (max_http_header_data)
    for (int i = 0; lws_hdr_copy_fragment(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_URI_ARGS, i) >= 0; ++i) {
        if (!query.empty())
            query.push_back('&');
        query += reencode(buf, true);
    }
    return query;
}

bool read_method_and_path(lws *wsi, ControlRequest &r)
{
    static const struct {
        lws_token_indexes token;
        const char *name;
    } kMethods[] = {
        {WSI_TOKEN_GET_URI, "GET"},     {WSI_TOKEN_POST_URI, "POST"},     {WSI_TOKEN_PUT_URI, "PUT"},
        {WSI_TOKEN_PATCH_URI, "PATCH"}, {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
        {WSI_TOKEN_HEAD_URI, "HEAD"},
    };
    for (const auto &m : kMethods) {
        if (lws_hdr_total_length(wsi, m.token) > 0) {
            r.method = m.name;
            r.path = reencode(header(wsi, m.token), false);
            return true;
        }
    }
    return false;
}

// Path for the access log: printable ASCII, bounded.
std::string loggable(std::string_view path)
{
    std::string out(path.substr(0, 200));
    for (char &c : out)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            c = '?';
    if (path.size() > 200)
        out += "...";
    return out;
}

// Writes the status line and headers now; the body follows in HTTP_WRITEABLE.
int respond(lws *wsi, Exchange &x, const ControlResponse &response)
{
    x.status = response.status;
    x.out.assign(LWS_PRE, '\0');
    x.out += response.body;

    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    auto add = [&](const char *name, std::string_view value) {
        return lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char *>(name),
                                           reinterpret_cast<const unsigned char *>(value.data()),
                                           static_cast<int>(value.size()), &p, end);
    };
    if (lws_add_http_common_headers(wsi, static_cast<unsigned>(response.status),
                                    response.content_type.c_str(), response.body.size(), &p, end) ||
        add("x-request-id:", x.id) || add("cache-control:", "no-store") ||
        (x.close_after && add("connection:", "close")))
        return -1;
    for (const auto &[name, value] : response.headers) {
        std::string n = name + ":";
        if (add(n.c_str(), value))
            return -1;
    }
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

// Responds now, or parks the request until its deferred answer arrives.
int answer(lws *wsi, Exchange &x, ControlResponse response)
{
    if (!response.defer)
        return respond(wsi, x, response);
    x.parked = std::make_shared<Deferred>();
    x.parked->wsi = wsi;
    x.deferred = true; // handled once: a later BODY_COMPLETION must not handle it again
    ServiceLoop *loop = parts_of(wsi)->loop;
    response.defer([parked = x.parked, loop](ControlResponse later) {
        loop->post([parked, later = std::move(later)] {
            if (!parked->alive)
                return; // the client left
            auto *s = static_cast<Session *>(lws_wsi_user(parked->wsi));
            if (s && s->x && respond(parked->wsi, *s->x, later) < 0)
                lws_set_timeout(parked->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
        });
    });
    return 0;
}

// Request ids: a random 64-bit start drawn once, then counted up (service
// thread only). Unique within the process, unlikely to repeat across
// restarts, and cheap: a random draw per request cost 18 % of a push request.
void write_request_id(char (&out)[17])
{
    static uint64_t next = [] {
        uint64_t seed = 0;
        if (RAND_bytes(reinterpret_cast<unsigned char *>(&seed), sizeof seed) != 1)
            seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        return seed;
    }();
    static constexpr char kHex[] = "0123456789abcdef";
    uint64_t v = next++;
    for (int i = 15; i >= 0; --i, v >>= 4)
        out[i] = kHex[v & 0xf];
    out[16] = '\0';
}

int begin(lws *wsi, Session &s)
{
    delete s.x; // keep-alive: the session outlives a request (T9)
    s.x = new Exchange;
    Exchange &x = *s.x;
    write_request_id(x.id);

    ControlApi &api = api_of(wsi);
    ControlRequest &r = x.request;
    if (!read_method_and_path(wsi, r)) {
        lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST, nullptr);
        return -1;
    }
    r.query = query_of(wsi);
    r.authorization = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);

    const std::string length = header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
        x.close_after = true;                                         // lws cannot read a chunked body (T12)
        if (std::optional<ControlResponse> refused = api.precheck(r)) // 401/403/404/405 first
            return respond(wsi, x, *refused);
        return respond(
            wsi, x,
            api.reject(r, 411, "send the body with Content-Length (chunked bodies are not supported)"));
    }
    if (!length.empty()) {
        char *endp = nullptr;
        errno = 0;
        unsigned long long n = std::strtoull(length.c_str(), &endp, 10);
        if (length[0] < '0' || length[0] > '9' || *endp || errno) {
            x.close_after = true;
            return respond(wsi, x, api.reject(r, 400, "invalid Content-Length"));
        }
        if (n > api.max_body_bytes()) {
            x.close_after = true; // nothing of the body is read
            // Who may not send anything learns that first: 401 before 413.
            if (std::optional<ControlResponse> refused = api.precheck(r))
                return respond(wsi, x, *refused);
            return respond(wsi, x,
                           api.reject(r, 413,
                                      "request body is larger than the limit of " +
                                          std::to_string(api.max_body_bytes()) + " bytes"));
        }
        x.expected = static_cast<std::size_t>(n);
    }
    if (x.expected == 0)
        return answer(wsi, x, api.handle(r));

    const std::string expect = header(wsi, WSI_TOKEN_HTTP_EXPECT);
    if (!expect.empty()) {
        // Refuse before the client sends its body; it may then send it or
        // not, so the connection cannot be reused.
        if (std::optional<ControlResponse> refused = api.precheck(r)) {
            x.close_after = true;
            return respond(wsi, x, *refused);
        }
        if (strcasecmp(expect.c_str(), "100-continue") == 0) {
            // lws never answers Expect (T12); curl would stall 1 s per request.
            static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
            unsigned char buf[LWS_PRE + sizeof kContinue];
            std::memcpy(buf + LWS_PRE, kContinue, sizeof kContinue - 1);
            if (lws_write(wsi, buf + LWS_PRE, sizeof kContinue - 1, LWS_WRITE_HTTP) < 0)
                return -1;
        }
    }
    r.body.reserve(x.expected);
    return 0; // LWS_CALLBACK_HTTP_BODY follows
}

int finish(lws *wsi, Session &s)
{
    Exchange &x = *s.x;
    const std::size_t n = x.out.size() - LWS_PRE;
    if (lws_write(wsi, reinterpret_cast<unsigned char *>(x.out.data()) + LWS_PRE, n, LWS_WRITE_HTTP_FINAL) <
        static_cast<int>(n))
        return -1;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - x.start).count();
    log_event(LogLevel::info, LogFields("control_request"), "control: %s %s %d %.2fms id=%s",
              x.request.method.c_str(), loggable(x.request.path).c_str(), x.status, ms, x.id);
    const bool close = x.close_after;
    delete s.x;
    s.x = nullptr;
    if (close)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int callback(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len)
{
    auto *s = static_cast<Session *>(user);
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return s ? begin(wsi, *s) : -1;

    case LWS_CALLBACK_HTTP_BODY:
        if (s && s->x && !s->x->status && !s->x->deferred) {
            Exchange &x = *s->x;
            // lws stops at Content-Length; the cap is a second guard.
            const std::size_t room = x.expected - std::min(x.expected, x.request.body.size());
            x.request.body.append(static_cast<const char *>(in), std::min(len, room));
        }
        return 0;

    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (s && s->x && !s->x->status && !s->x->deferred)
            return answer(wsi, *s->x, api_of(wsi).handle(s->x->request));
        return 0;

    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!s || !s->x || !s->x->status)
            return 0;
        return finish(wsi, *s);

    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
        // No WebSockets (or h2c) on the control listener.
        char peer[64] = "";
        lws_get_peer_simple(wsi, peer, sizeof peer);
        log_event(LogLevel::info, LogFields("control_upgrade_refused"),
                  "control: refused an upgrade to '%s' from %s", in ? static_cast<const char *>(in) : "",
                  peer);
        lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, nullptr);
        return 1;
    }

    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (s) {
            delete s->x;
            s->x = nullptr;
        }
        return 0;

    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
    case LWS_CALLBACK_WSI_CREATE:
    case LWS_CALLBACK_WSI_DESTROY:
        if (VhostParts *parts = parts_of(wsi); parts && parts->gate)
            parts->gate->on_callback(wsi, reason);
        return lws_callback_http_dummy(wsi, reason, user, in, len);

    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

lws_protocols protocols[] = {
    {"wshost-control", callback, sizeof(Session), 0, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

} // namespace

lws_vhost *create_control_vhost(lws_context *context, const ControlConfig &config, ControlApi &api,
                                ServiceLoop &loop, AcceptGate *gate, bool reuse_port)
{
    lws_context_creation_info vi{};
    vi.vhost_name = "control";
    vi.protocols = protocols;
    vi.user = &api;
    if (!config.socket.empty()) {
        vi.options = LWS_SERVER_OPTION_UNIX_SOCK;
        vi.iface = config.socket.c_str();
    } else {
        vi.iface = config.address.c_str();
        vi.port = config.port;
        if (config.address.find(':') == std::string::npos)
            vi.options = LWS_SERVER_OPTION_DISABLE_IPV6;        // else 127.0.0.1 binds every interface (T1)
        if (config.tls.enabled) {                               // as the WebSocket listener's (server.cpp)
            vi.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT; // per vhost too, or it serves plaintext (T2)
            vi.ssl_cert_filepath = config.tls.cert_file.c_str();
            vi.ssl_private_key_filepath = config.tls.key_file.c_str();
            vi.alpn = "http/1.1";                               // no h2 (T21)
            vi.ssl_cipher_list = "ECDHE+AESGCM:ECDHE+CHACHA20"; // forward secrecy only (T30)
            vi.tls1_3_plus_cipher_list =
                "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
        }
    }
    ListenShare share(reuse_port && config.socket.empty()); // [server] reuse_port (listen_share.h)
    lws_vhost *vh = lws_create_vhost(context, &vi);
    if (!vh) {
        if (!config.socket.empty())
            log_event(LogLevel::error, LogFields("listen_failed"),
                      "control: cannot listen on the Unix socket %s", config.socket.c_str());
        else
            log_event(LogLevel::error, LogFields("listen_failed"),
                      "control: cannot listen on %s:%d (address in use, or not an address of this machine?)",
                      config.address.c_str(), config.port);
        return nullptr;
    }
    // Freed by lws with the vhost.
    *static_cast<VhostParts *>(lws_protocol_vh_priv_zalloc(vh, &protocols[0], sizeof(VhostParts))) = {&loop,
                                                                                                      gate};
    if (!config.socket.empty())
        log_event(LogLevel::info, LogFields("control_listening"), "control API listening on unix:%s",
                  config.socket.c_str());
    else
        log_event(LogLevel::info, LogFields("control_listening"), "control API listening on %s://%s%s%s:%d",
                  config.tls.enabled ? "https" : "http",
                  config.address.find(':') != std::string::npos ? "[" : "", config.address.c_str(),
                  config.address.find(':') != std::string::npos ? "]" : "", lws_get_vhost_listen_port(vh));
    return vh;
}

bool listen_control(lws_context *context, const ControlConfig &config, ControlApi &api, ServiceLoop &loop,
                    AcceptGate *gate, ReadyInfo &ready, bool reuse_port)
{
    if (!config.enabled)
        return true;
    lws_vhost *vhost = create_control_vhost(context, config, api, loop, gate, reuse_port);
    if (!vhost)
        return false; // logged
    if (config.socket.empty())
        ready.control_port = lws_get_vhost_listen_port(vhost);
    else
        ready.control_socket = config.socket;
    return true;
}

} // namespace wshost

#include "transport/ws_listener.h"

#include "base/log.h"
#include "transport/listen_share.h"

namespace wshost
{
namespace
{

bool is_ipv6(const ServerConfig &server)
{
    return server.address.find(':') != std::string::npos;
}

} // namespace

lws_vhost *create_ws_vhost(lws_context *context, const ServerConfig &sc, const WebSocketConfig &ws,
                           const lws_protocols *protocols, void *user)
{
    static const lws_protocol_vhost_options pvo_default = {nullptr, nullptr, "default", "1"};
    static const lws_protocol_vhost_options pvo = {nullptr, &pvo_default, "wshost", ""};
    static const lws_extension extensions[] = {
        {"permessage-deflate", lws_extension_callback_pm_deflate,
         "permessage-deflate; client_no_context_takeover; client_max_window_bits"},
        {nullptr, nullptr, nullptr},
    };
    static lws_retry_bo_t retry{}; // lws keeps the pointer: one listener per process

    lws_context_creation_info vi{};
    vi.vhost_name = "ws";
    vi.iface = sc.address.c_str();
    vi.port = sc.port; // 0: the kernel picks a free port; the ready file tells which
    vi.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (!is_ipv6(sc))
        vi.options |= LWS_SERVER_OPTION_DISABLE_IPV6; // else 127.0.0.1 binds every interface (T1)
    vi.protocols = protocols;
    vi.user = user;
    vi.pvo = &pvo;
    if (ws.compression)
        vi.extensions = extensions;
    if (ws.ping_interval_s > 0) {
        retry.secs_since_valid_ping = static_cast<uint16_t>(ws.ping_interval_s);
        retry.secs_since_valid_hangup =
            static_cast<uint16_t>(ws.idle_timeout_s > 0 ? ws.idle_timeout_s : 0xffff);
        vi.retry_and_idle_policy = &retry;
    }
    if (sc.tls.enabled) {
        vi.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT; // per vhost too, or it serves plaintext (T2)
        vi.ssl_cert_filepath = sc.tls.cert_file.c_str();
        vi.ssl_private_key_filepath = sc.tls.key_file.c_str();
        vi.alpn = "http/1.1";                               // no WebSockets over h2 (T21)
        vi.ssl_cipher_list = "ECDHE+AESGCM:ECDHE+CHACHA20"; // forward secrecy only (T30)
        vi.tls1_3_plus_cipher_list =
            "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
    }
    ListenShare share(sc.reuse_port); // SO_REUSEPORT: N processes on one port (listen_share.h)
    lws_vhost *vhost = lws_create_vhost(context, &vi);
    if (!vhost)
        log_event(LogLevel::error, LogFields("listen_failed"),
                  "cannot listen on %s:%d (address in use, or not an address of this machine?)",
                  sc.address.c_str(), sc.port);
    return vhost;
}

void log_listening(const ServerConfig &sc, int port)
{
    const bool ipv6 = is_ipv6(sc);
    log_event(LogLevel::info, LogFields("listening"), "wshost %s listening on %s://%s%s%s:%d%s",
              WSHOST_VERSION, sc.tls.enabled ? "wss" : "ws", ipv6 ? "[" : "", sc.address.c_str(),
              ipv6 ? "]" : "", port, sc.path.c_str());
    if (!sc.static_dir.empty())
        log_event(LogLevel::info, LogFields("static_files"), "serving the files of %s at http%s://%s%s%s:%d/",
                  sc.static_dir.c_str(), sc.tls.enabled ? "s" : "", ipv6 ? "[" : "", sc.address.c_str(),
                  ipv6 ? "]" : "", port);
}

} // namespace wshost

#include "transport/handshake_http.h"

#include <cstring>

namespace wshost
{
namespace
{

std::string copy_header(lws *wsi, lws_token_indexes token)
{
    int len = lws_hdr_total_length(wsi, token);
    if (len <= 0)
        return {};
    std::string value(static_cast<std::size_t>(len) + 1, '\0');
    int n = lws_hdr_copy(wsi, value.data(), len + 1, token);
    value.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return value;
}

const char *reason_phrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 426:
        return "Upgrade Required";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

} // namespace

std::size_t request_header_bytes(lws *wsi)
{
    std::size_t total = 0;
    for (int t = 0; t < WSI_TOKEN_COUNT; ++t) {
        auto token = static_cast<lws_token_indexes>(t);
        int len = lws_hdr_total_length(wsi, token);
        if (len <= 0)
            continue;
        const char *name = reinterpret_cast<const char *>(lws_token_to_string(token));
        total += static_cast<std::size_t>(len) + (name ? std::strlen(name) : 0) + 2;
    }
    return total;
}

void read_upgrade_headers(lws *wsi, std::size_t max_header_bytes, UpgradeHeaderCopy &out)
{
    out.connection = copy_header(wsi, WSI_TOKEN_CONNECTION);
    out.key = copy_header(wsi, WSI_TOKEN_KEY);
    out.version = copy_header(wsi, WSI_TOKEN_VERSION);
    out.protocols = copy_header(wsi, WSI_TOKEN_PROTOCOL);
    out.view = {};
    out.view.has_host = lws_hdr_total_length(wsi, WSI_TOKEN_HOST) > 0;
    out.view.connection = out.connection;
    out.view.key = out.key;
    out.view.version = out.version;
    out.view.protocols = out.protocols;
    out.view.max_header_bytes = max_header_bytes;
    out.view.header_bytes = max_header_bytes ? request_header_bytes(wsi) : 0;
}

void refuse_handshake(lws *wsi, int status, std::initializer_list<HeaderField> fields)
{
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
    for (const auto &[name, value] : fields)
        head.append(name).append(": ").append(value).append("\r\n");
    head += "content-length: 0\r\nconnection: close\r\n\r\n";
    std::string buf(LWS_PRE, '\0');
    buf += head;
    lws_write(wsi, reinterpret_cast<unsigned char *>(buf.data()) + LWS_PRE, head.size(),
              LWS_WRITE_HTTP_HEADERS);
}

} // namespace wshost

#include "url.h"

#include <cctype>

namespace wshost::ctl
{

namespace
{

bool valid_port(std::string_view port)
{
    if (port.empty() || port.size() > 5)
        return false;
    unsigned value = 0;
    for (char c : port) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value >= 1 && value <= 65535;
}

bool parse_tcp(std::string_view rest, ControlUrl &out, std::string &error)
{
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    if (authority.find('@') != std::string_view::npos) {
        error = "credentials in the URL are not supported; use --token or --token-file";
        return false;
    }
    if (path.find_first_of("?#") != std::string_view::npos) {
        error = "the control URL cannot carry a query or fragment";
        return false;
    }
    std::string_view host = authority, port;
    if (!authority.empty() && authority.front() == '[') {
        size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "unterminated '[' in the URL's host";
            return false;
        }
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                error = "unexpected text after ']' in the URL's host";
                return false;
            }
            port = after.substr(1);
        } else {
            port = "80";
        }
    } else {
        size_t colon = authority.rfind(':');
        if (colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
        } else {
            port = "80";
        }
    }
    if (host.empty()) {
        error = "the URL has no host";
        return false;
    }
    if (!valid_port(port)) {
        error = "bad port '" + std::string(port) + "' in the URL";
        return false;
    }
    while (!path.empty() && path.back() == '/')
        path.remove_suffix(1);
    out.kind = ControlUrl::Kind::tcp;
    out.host = host;
    out.port = port;
    out.prefix = path;
    return true;
}

} // namespace

bool parse_control_url(std::string_view text, ControlUrl &out, std::string &error)
{
    out = ControlUrl{};
    if (text.starts_with("http://"))
        return parse_tcp(text.substr(7), out, error);
    if (text.starts_with("https://")) {
        error = "https is not supported: the control listener speaks plain HTTP on loopback or a Unix socket";
        return false;
    }
    if (text.starts_with("unix:")) {
        std::string_view path = text.substr(5);
        if (path.starts_with("//"))
            path.remove_prefix(2); // unix:///run/x.sock
        if (path.empty()) {
            error = "the unix: URL has no socket path";
            return false;
        }
        out.kind = ControlUrl::Kind::unix_socket;
        out.socket_path = path;
        return true;
    }
    error = "unsupported URL '" + std::string(text) + "' (expected http://HOST:PORT or unix:/PATH)";
    return false;
}

std::string ControlUrl::host_header() const
{
    if (kind == Kind::unix_socket)
        return "localhost";
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return h + ":" + port;
}

std::string ControlUrl::display() const
{
    if (kind == Kind::unix_socket)
        return "unix:" + socket_path;
    return "http://" + host_header() + prefix;
}

std::string percent_encode(std::string_view text)
{
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string encode_path_segment(std::string_view segment)
{
    // "." and ".." would be folded away by path normalisation on the way to the handler.
    if (segment == "." || segment == "..")
        return segment.size() == 1 ? "%2E" : "%2E%2E";
    return percent_encode(segment);
}

} // namespace wshost::ctl

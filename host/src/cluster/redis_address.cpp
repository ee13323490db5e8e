#include "cluster/redis_address.h"

#include <arpa/inet.h>
#include <sys/un.h>

#include <charconv>

namespace wshost::cluster
{

std::string RedisAddress::describe() const
{
    if (is_unix())
        return "unix:" + unix_path;
    if (ip.find(':') != std::string::npos)
        return "[" + ip + "]:" + std::to_string(port);
    return ip + ":" + std::to_string(port);
}

std::optional<RedisAddress> parse_redis_address(std::string_view text, std::string &why)
{
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            why = "expected [IPv6]:port";
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            why = "expected IP:port";
            return std::nullopt;
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            why = "an IPv6 address needs brackets: [::1]:6379";
            return std::nullopt;
        }
    }
    RedisAddress address;
    address.ip = std::string(host);
    unsigned char buf[sizeof(in6_addr)];
    if (inet_pton(AF_INET, address.ip.c_str(), buf) != 1 &&
        inet_pton(AF_INET6, address.ip.c_str(), buf) != 1) {
        why = "'" + address.ip + "' is not an IP literal (host names are not resolved)";
        return std::nullopt;
    }
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
        why = "the port must be 1..65535";
        return std::nullopt;
    }
    address.port = value;
    return address;
}

std::optional<RedisAddress> redis_socket_address(std::string_view path, std::string &why)
{
    if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path) ||
        path.find('\0') != std::string_view::npos) {
        why = "a Unix socket path of 1.." + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes";
        return std::nullopt;
    }
    RedisAddress address;
    address.unix_path = std::string(path);
    return address;
}

} // namespace wshost::cluster

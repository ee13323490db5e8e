// Where the Redis server is: an IP literal and a port, or a Unix socket path
// (DESIGN §10 [cluster.redis] address / socket). No host names: hiredis 0.14
// resolves them with a blocking getaddrinfo() on the calling thread, which
// would be the service thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wshost::cluster
{

struct RedisAddress {
    std::string ip;        // an IPv4 or IPv6 literal (no brackets); empty with a socket
    int port = 0;          // 1..65535 with ip
    std::string unix_path; // a Unix socket path instead of ip:port

    bool is_unix() const { return !unix_path.empty(); }
    // "127.0.0.1:6379", "[::1]:6379" or "unix:/run/redis.sock", for logs.
    std::string describe() const;
};

// "127.0.0.1:6379" or "[::1]:6379"; nullopt with the reason in `why`.
std::optional<RedisAddress> parse_redis_address(std::string_view text, std::string &why);
// A Unix socket path: absolute or relative, shorter than sun_path.
std::optional<RedisAddress> redis_socket_address(std::string_view path, std::string &why);

} // namespace wshost::cluster

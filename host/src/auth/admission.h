// Admission checks made at the WebSocket handshake (DESIGN §2): the Origin
// allow-list, the client's address behind trusted proxies, and connection
// caps in total and per IP. Pure logic; the server applies the answers.
#pragma once

#include "config/config.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wshost
{

// `origin` is the Origin header, empty when absent. Exact scheme://host[:port]
// match (scheme and host compared case-insensitively), "*" only when listed;
// an empty list admits every origin; a missing Origin follows
// allow_missing_origin.
bool origin_allowed(std::string_view origin, const WebSocketConfig &config);

// The address to log and to count per-IP caps by: the direct peer, unless it
// is a trusted proxy, in which case the right-most X-Forwarded-For entry that
// is not itself a trusted proxy.
std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string> &trusted_proxies);

// Counts open connections in total and per address. Service thread only.
class ConnectionCaps
{
  public:
    explicit ConnectionCaps(const WebSocketConfig &config) : config_(config) {}
    // False when admitting `address` would pass a cap (nothing is counted then).
    bool admit(const std::string &address);
    void release(const std::string &address);
    std::size_t total() const { return total_; }
    std::size_t addresses() const { return per_address_.size(); } // with a nonzero count

  private:
    const WebSocketConfig &config_;
    std::size_t total_ = 0;
    std::unordered_map<std::string, std::size_t> per_address_;
};

} // namespace wshost

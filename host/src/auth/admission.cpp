#include "auth/admission.h"

#include "base/text.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace wshost
{
namespace
{

using text::iequals;
using text::trim;

bool contains(const std::vector<std::string> &list, std::string_view item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

} // namespace

bool origin_allowed(std::string_view origin, const WebSocketConfig &config)
{
    if (origin.empty())
        return config.allow_missing_origin;
    if (config.origins.empty())
        return true;
    for (const std::string &allowed : config.origins)
        if (allowed == "*" || iequals(allowed, origin))
            return true;
    return false;
}

std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string> &trusted_proxies)
{
    if (forwarded_for.empty() || !contains(trusted_proxies, peer))
        return std::string(peer);
    // Walk from the right: each hop appended the address it saw. The first
    // one that is not our own proxy is the client as far as we can trust.
    std::string_view rest = forwarded_for;
    while (!rest.empty()) {
        std::size_t comma = rest.rfind(',');
        std::string_view hop = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
        if (!hop.empty() && !contains(trusted_proxies, hop))
            return std::string(hop);
    }
    return std::string(peer);
}

bool ConnectionCaps::admit(const std::string &address)
{
    if (config_.max_connections && total_ >= config_.max_connections)
        return false;
    std::size_t &mine = per_address_[address];
    if (config_.max_connections_per_ip && mine >= config_.max_connections_per_ip) {
        if (mine == 0)
            per_address_.erase(address);
        return false;
    }
    ++mine;
    ++total_;
    return true;
}

void ConnectionCaps::release(const std::string &address)
{
    auto it = per_address_.find(address);
    if (it == per_address_.end())
        return;
    if (--it->second == 0)
        per_address_.erase(it);
    --total_;
}

} // namespace wshost

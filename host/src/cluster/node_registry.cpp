#include "cluster/node_registry.h"

#include <functional>

namespace wshost::cluster
{
namespace
{

// Deletes both keys only while they hold our value (a clean stop, SIGTERM).
// (The presence key holds our value, a space and the presence payload.)
const char *const kReleaseScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end "
    "local v = redis.call('GET', KEYS[2]) "
    "if v and string.sub(v, 1, #ARGV[1] + 1) == ARGV[1] .. ' ' then redis.call('DEL', KEYS[2]) end "
    "return 1";

// FNV-1a: stable across builds and processes (std::hash need not be).
std::uint64_t stable_hash(std::string_view s)
{
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

} // namespace

const char *const kRefreshScript = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end "
                                   "redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
                                   "redis.call('SET', KEYS[2], ARGV[1] .. ' ' .. ARGV[3], 'PX', ARGV[2]) "
                                   "return 1";

std::string default_node_id(std::string_view host_name, long pid)
{
    return std::string(host_name.empty() ? "node" : host_name) + "-" + std::to_string(pid);
}

std::string claim_value(std::string_view node_id, std::string_view instance)
{
    return std::string(node_id) + " " + std::string(instance);
}

NodeNumberClaim::NodeNumberClaim(std::string_view node_id)
    : first_(static_cast<std::uint16_t>(stable_hash(node_id) % kMaxNodeNumber + 1))
{
}

std::optional<std::uint16_t> NodeNumberClaim::candidate() const
{
    if (tried_ >= kMaxNodeNumber)
        return std::nullopt;
    return static_cast<std::uint16_t>((first_ - 1 + tried_) % kMaxNodeNumber + 1);
}

bool NodeNumberClaim::answered(bool set_ok)
{
    if (claimed_ || tried_ >= kMaxNodeNumber)
        return claimed_;
    if (set_ok) {
        claimed_ = true;
        return true;
    }
    ++collisions_;
    ++tried_;
    return false;
}

std::vector<std::string> claim_command(const std::string &key, const std::string &value, std::int64_t ttl_ms)
{
    return {"SET", key, value, "NX", "PX", std::to_string(ttl_ms)};
}

std::vector<std::string> release_script_command(const std::string &number_key, const std::string &alive_key,
                                                const std::string &value)
{
    return {"EVAL", kReleaseScript, "2", number_key, alive_key, value};
}

} // namespace wshost::cluster

// Node presence and node numbers (DESIGN §10), as pure rules and the Redis
// commands they need; the driver that runs them on a RedisLink every
// heartbeat is not written yet (docs/CLUSTER-DESIGN.md, "What is left").
//
// Connection ids: 64 bits, the high 16 a node number (1..65535) the node
// claims in Redis, the low 48 its own counter, so a node mints ids without
// asking anyone and two nodes never mint the same one. engine = "none" is
// node number 0: the ids of today, unchanged.
//
// Claim: SET PREFIX:number:N "NODE_ID INSTANCE" NX PX node_ttl_ms, where
// INSTANCE is random per process. The first N tried is derived from the node
// id (a restarted node tends to get its number back once the old claim
// expired); a number held by anyone else is a collision: counted, logged and
// the next number is tried. The claim and the presence key are refreshed
// every heartbeat by a script that extends them only while they still hold
// our value (kRefreshScript): a node that finds its claim gone or taken (it
// was cut off longer than the TTL and another node took the number) must
// stop minting ids with it, loudly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wshost::cluster
{

inline constexpr unsigned kNodeNumberBits = 16;
inline constexpr unsigned kLocalIdBits = 64 - kNodeNumberBits;
inline constexpr std::uint64_t kMaxLocalId = (std::uint64_t(1) << kLocalIdBits) - 1;
inline constexpr std::uint32_t kMaxNodeNumber = (1u << kNodeNumberBits) - 1;

// 0 when `local` does not fit its 48 bits (the node must then claim anew).
constexpr std::uint64_t compose_connection_id(std::uint16_t node, std::uint64_t local)
{
    return local == 0 || local > kMaxLocalId ? 0 : (std::uint64_t(node) << kLocalIdBits) | local;
}
constexpr std::uint16_t node_number_of(std::uint64_t id)
{
    return static_cast<std::uint16_t>(id >> kLocalIdBits);
}
constexpr std::uint64_t local_id_of(std::uint64_t id)
{
    return id & kMaxLocalId;
}

// "host-pid" when [cluster] node_id is empty.
std::string default_node_id(std::string_view host_name, long pid);

// What a node writes into its claim and presence keys: "NODE_ID INSTANCE".
std::string claim_value(std::string_view node_id, std::string_view instance);

// Picks node numbers to try, from the node id's hash onwards, wrapping, each
// at most once; nullopt once all 65535 were tried.
class NodeNumberClaim
{
  public:
    explicit NodeNumberClaim(std::string_view node_id);
    std::optional<std::uint16_t> candidate() const;
    // The SET NX answer for the current candidate: true claimed (stop), false
    // held by someone else (a collision: the next candidate is up).
    bool answered(bool set_ok);
    std::uint32_t collisions() const { return collisions_; }

  private:
    std::uint16_t first_;
    std::uint32_t tried_ = 0;
    std::uint32_t collisions_ = 0;
    bool claimed_ = false;
};

// KEYS[1] claim key, KEYS[2] presence key; ARGV[1] our value, ARGV[2] ttl ms,
// ARGV[3] the presence payload. Returns 1 refreshed, 0 the claim is no longer ours.
extern const char *const kRefreshScript;

// argv for the commands (binary-safe views into the strings given).
std::vector<std::string> claim_command(const std::string &key, const std::string &value, std::int64_t ttl_ms);
std::vector<std::string> release_script_command(const std::string &number_key, const std::string &alive_key,
                                                const std::string &value);

} // namespace wshost::cluster

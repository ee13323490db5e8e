// The message one node publishes for the others (DESIGN §10): the gateway
// target of §3 with its exclusions, the payload exactly as the sender gave it
// (text or binary), the origin node and the sender's sequence number, so a
// receiver can keep per-sender order and see a gap (a publish lost while
// Redis was away).
//
// Wire form: "wsh1\n" then netstrings (LEN ":" BYTES ","), in this order:
//   origin, seq (decimal), target kind, opcode ("text"/"binary"),
//   N then N targets (connection ids in decimal, user ids, a room, or tag
//   key and value as two netstrings each), M then M excluded users,
//   K then K excluded connection ids, and the payload.
// Counts are netstrings too. It stays readable in `redis-cli MONITOR` and is
// binary-safe; decoding is strict (canonical decimals, nothing after the
// payload), so decode(encode(m)) == m and a decoded message re-encodes to
// the same bytes (tests/fuzz/fuzz_cluster_message.cpp checks both).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wshost::cluster
{

enum class TargetKind { connection, user, users, room, tags, all };

struct ClusterMessage {
    std::string origin;    // node id of the sender
    std::uint64_t seq = 0; // per origin, from 1
    TargetKind kind = TargetKind::all;
    bool binary = false;
    std::vector<std::uint64_t> connections;                // kind connection: exactly one
    std::vector<std::string> names;                        // user, room: one; users: one or more
    std::vector<std::pair<std::string, std::string>> tags; // kind tags: one or more, AND
    std::vector<std::string> except_users;
    std::vector<std::uint64_t> except_connections;
    std::string payload;

    bool operator==(const ClusterMessage &) const = default;
};

inline constexpr std::string_view kClusterMessageMagic = "wsh1\n";
inline constexpr std::size_t kMaxListEntries = 100000; // per list, on decode

std::string encode_cluster_message(const ClusterMessage &m);
// nullopt with the reason in `why` for anything encode() could not have written.
std::optional<ClusterMessage> decode_cluster_message(std::string_view bytes, std::string &why);
std::string_view target_kind_name(TargetKind kind);

// Per-origin order on the receiving side: what a message's seq says.
class SenderSequence
{
  public:
    enum class Seen { next, gap, old }; // gap: seqs were skipped (lost); old: duplicate or reordered
    Seen observe(const std::string &origin, std::uint64_t seq);
    void forget(const std::string &origin) { last_.erase(origin); } // the node left the cluster

  private:
    std::unordered_map<std::string, std::uint64_t> last_;
};

} // namespace wshost::cluster

// Redis names of a cluster (docs/CLUSTER-CHANNELS.md, for operators reading
// `redis-cli MONITOR`). Everything starts with `[cluster.redis] prefix` and a
// colon, so two clusters can share one Redis:
//   channels  PREFIX:user:ID  PREFIX:room:NAME  PREFIX:tag:KEY=VALUE  PREFIX:all  PREFIX:node:NODE_ID
//   keys      PREFIX:alive:NODE_ID (presence, with a TTL)  PREFIX:number:N (a claimed node number)
// Ids and names go in as they are (the name rule already keeps NUL out); in a
// tag pair the key has '%' and '=' escaped (%25, %3D) so that the first '='
// always ends it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wshost::cluster
{

enum class ChannelKind { user, room, tag, all, node };

struct Channel {
    ChannelKind kind;
    std::string name;  // user id, room, tag key, node id; empty for all
    std::string value; // tag value
    bool operator==(const Channel &) const = default;
};

class ClusterNames
{
  public:
    explicit ClusterNames(std::string prefix) : prefix_(std::move(prefix)) {}
    const std::string &prefix() const { return prefix_; }

    std::string user(std::string_view id) const { return join("user:", id); }
    std::string room(std::string_view name) const { return join("room:", name); }
    std::string tag(std::string_view key, std::string_view value) const;
    std::string all() const { return prefix_ + ":all"; }
    std::string node(std::string_view node_id) const { return join("node:", node_id); }
    std::string channel(const Channel &c) const;

    std::string alive_key(std::string_view node_id) const { return join("alive:", node_id); }
    std::string alive_pattern() const { return prefix_ + ":alive:*"; } // SCAN MATCH (escape-free ids only)
    std::string number_key(std::uint16_t number) const { return join("number:", std::to_string(number)); }

    // The channel a name denotes, or nullopt when it is not one of ours.
    std::optional<Channel> parse(std::string_view channel) const;

  private:
    std::string join(std::string_view kind, std::string_view rest) const;
    std::string prefix_;
};

} // namespace wshost::cluster

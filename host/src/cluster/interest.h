// What a node subscribes to (DESIGN §10: "a node receives only what it may
// deliver"): the user, room and tag-pair channels of the connections it
// holds, counted, plus "everyone" for its life (its own node channel, named
// by the node number it may claim late, is the relay's: cluster_relay.h).
// A channel is subscribed when its count leaves 0 and unsubscribed when it
// returns there; the deltas are what the subscriber link is told, and
// channels() is everything, to resubscribe after a reconnect.
//
// And where one message is published (publish_channels): once per target
// channel, never per recipient connection. Pure; the service thread owns it.
#pragma once

#include "cluster/channels.h"
#include "cluster/cluster_message.h"

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace wshost::cluster
{

class Interest
{
  public:
    // `changed(channel, subscribe)` runs for each 0 <-> 1 transition.
    using Changed = std::function<void(const std::string &channel, bool subscribe)>;
    Interest(ClusterNames names, Changed changed);

    // A connection's user (non-empty), rooms and tags, as they come and go.
    void user_added(const std::string &user) { add(names_.user(user)); }
    void user_removed(const std::string &user) { remove(names_.user(user)); }
    void room_joined(const std::string &room) { add(names_.room(room)); }
    void room_left(const std::string &room) { remove(names_.room(room)); }
    void tag_set(const std::string &key, const std::string &value) { add(names_.tag(key, value)); }
    void tag_removed(const std::string &key, const std::string &value) { remove(names_.tag(key, value)); }

    // Every channel of interest now, "everyone" first.
    std::vector<std::string> channels() const;
    std::size_t count(const std::string &channel) const;

    // The channels one message goes to. A connection target goes to the node
    // that holds it (`owner_of` gives its node channel's name, the node number;
    // empty: no other node holds it, no publish). A tags target (all pairs must match) goes to its first
    // pair's channel: every node holding a match holds that pair.
    std::vector<std::string>
    publish_channels(const ClusterMessage &m,
                     const std::function<std::string(std::uint64_t)> &owner_of) const;

  private:
    void add(const std::string &channel);
    void remove(const std::string &channel);

    ClusterNames names_;
    std::string all_;
    Changed changed_;
    std::map<std::string, std::size_t> counts_;
};

} // namespace wshost::cluster

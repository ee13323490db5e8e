// gatekit's target spec ("to" and "except" of gk_send, gk_hammer, gk_flood;
// see the top of gatekit.cpp).
#pragma once

#include <wshost/gateway.hpp>
#include <wshost/plugin.hpp>

#include <cjson/cJSON.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatekit
{

// A parsed target: either a wshost::Target (owns its strings) or, for tag
// predicates given as pairs, the raw pairs (wshost::Target keeps a map).
struct TargetSpec {
    std::optional<wshost::Target> target;
    std::vector<std::pair<std::string, std::string>> tag_pairs; // kind tags via pairs
    std::vector<std::string> except_users;
    std::vector<wsh_conn_id> except_conns;

    // Calls the host's send with this target.
    wshost::Receipt send(const wshost::Host &host, std::string_view data, bool binary) const;
};

TargetSpec parse_target(const cJSON *payload, wsh_conn_id self);

} // namespace gatekit

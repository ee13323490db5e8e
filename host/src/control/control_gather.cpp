// Control API: cluster-wide answers (DESIGN §10). A list or a user/room form
// is answered from every node that holds a part of it: this node's part is
// computed as on one node, the others are asked through the cluster (each
// answers for its own connections), and the parts are merged here.
#include "control/control_internal.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <utility>

namespace wshost::control
{
namespace
{

// Every part's body parsed; an error answer (or an unreadable one) instead.
std::optional<ControlResponse> parse_parts(const ControlResponse &local,
                                           const std::vector<ControlResponse> &others,
                                           std::vector<JsonValue> &parts)
{
    auto add = [&](const ControlResponse &r) -> std::optional<ControlResponse> {
        if (r.status != 200)
            return r;
        std::string why;
        parts.emplace_back();
        if (!parse_json(r.body, parts.back(), why) || !parts.back().is(JsonValue::Type::object))
            return ControlApi::error(500, "a node answered its part with a body that is not a JSON object");
        return std::nullopt;
    };
    if (std::optional<ControlResponse> bad = add(local))
        return bad;
    for (const ControlResponse &r : others)
        if (std::optional<ControlResponse> bad = add(r))
            return bad;
    return std::nullopt;
}

// No answer from the cluster: what was (not) done, and where to look.
ControlResponse cluster_error(int status, bool change)
{
    std::string why = status == 504 ? "a node holding a part of this answer did not answer within 3 s"
                                    : "the cluster is down: Redis does not answer";
    if (change)
        why += status == 504 ? "; the nodes that answered, this one included, made the change"
                             : "; this node's connections were changed, the other nodes' were not";
    else
        why += "; ?scope=local answers with this node's part";
    return ControlApi::error(status == 504 ? 504 : 503, why);
}

} // namespace

ControlResponse gathered(const Call &call, ControlResponse local, GatherScope scope, Merge merge)
{
    if (call.local || !call.hooks.gather || (!local.defer && local.status != 200))
        return local;
    ControlResponse later;
    later.defer = [gather = call.hooks.gather, request = call.request, local = std::move(local),
                   scope = std::move(scope),
                   merge = std::move(merge)](std::function<void(ControlResponse)> reply) mutable {
        auto ask_others = [gather, request, scope, merge, reply](ControlResponse mine) {
            if (mine.status != 200) {
                reply(std::move(mine));
                return;
            }
            const bool change = request.method == "POST";
            gather(request, scope, [mine = std::move(mine), merge, reply, change](Gathered others) {
                if (others.error) {
                    reply(cluster_error(others.error->status, change));
                    return;
                }
                std::vector<JsonValue> parts;
                if (std::optional<ControlResponse> bad = parse_parts(mine, others.answers, parts))
                    reply(std::move(*bad));
                else
                    reply(merge(parts));
            });
        };
        if (local.defer)
            local.defer(std::move(ask_others)); // called back on the service thread (cluster_settled)
        else
            ask_others(std::move(local));
    };
    return later;
}

// -- merges --

void write_value(JsonWriter &w, const JsonValue &v)
{
    switch (v.type) {
    case JsonValue::Type::null:
        w.null();
        break;
    case JsonValue::Type::boolean:
        w.boolean(v.boolean);
        break;
    case JsonValue::Type::number:
        w.raw(v.text);
        break;
    case JsonValue::Type::string:
        w.string(v.text);
        break;
    case JsonValue::Type::array:
        w.begin_array();
        for (const JsonValue &item : v.items)
            write_value(w, item);
        w.end_array();
        break;
    case JsonValue::Type::object:
        w.begin_object();
        for (const JsonMember &m : v.members)
            write_value(w.key(m.key), m.value);
        w.end_object();
        break;
    }
}

bool read_count(const JsonValue *v, std::uint64_t &out)
{
    if (!v || !v->is(JsonValue::Type::number))
        return false;
    const char *begin = v->text.data(), *end = begin + v->text.size();
    auto [ptr, ec] = std::from_chars(begin, end, out); // no sign, no overflow
    return ec == std::errc() && ptr == end;
}

std::uint64_t sum_of(const std::vector<JsonValue> &parts, std::string_view key)
{
    std::uint64_t total = 0;
    for (const JsonValue &part : parts)
        if (std::uint64_t n = 0; read_count(part.find(key), n))
            total += n;
    return total;
}

std::vector<const JsonValue *> items_by_id(const std::vector<JsonValue> &parts, std::string_view array,
                                           std::string_view id_key)
{
    std::vector<std::pair<wsh_conn_id, const JsonValue *>> keyed;
    for (const JsonValue &part : parts)
        if (const JsonValue *list = part.find(array); list && list->is(JsonValue::Type::array))
            for (const JsonValue &item : list->items) {
                wsh_conn_id id = 0;
                if (const JsonValue *v = item.find(id_key))
                    parse_conn_id(v->text, id);
                keyed.emplace_back(id, &item);
            }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<const JsonValue *> out;
    out.reserve(keyed.size());
    for (const auto &[id, item] : keyed)
        out.push_back(item);
    return out;
}

void write_items(JsonWriter &w, const std::vector<const JsonValue *> &items, std::size_t limit)
{
    w.begin_array();
    for (std::size_t i = 0; i < items.size() && i < limit; ++i)
        write_value(w, *items[i]);
    w.end_array();
}

} // namespace wshost::control

// Control API: health, metrics, rooms, tags, disconnect, listings, plugins,
// reload.
#include "control/control_internal.h"

#include "base/close_codes.h"
#include "base/metrics.h"
#include "json/json_scan.h"
#include "base/stats.h"

#include <algorithm>
#include <map>

namespace wshost::control
{
namespace
{

constexpr std::size_t kDefaultPageSize = 100;
constexpr std::size_t kMaxPageSize = 1000;

// A {room} path parameter; empty (with `error` set) when invalid.
bool room_param(const Call &call, std::string &room, ControlResponse &error)
{
    room = call.params.at(0);
    if (valid_name(room))
        return true;
    error = bad_request("path parameter {room} must be a room name: " + std::string(kNameRuleText) +
                        ", percent-encoded");
    return false;
}

bool conn_param(const Call &call, wsh_conn_id &id, ControlResponse &error)
{
    if (parse_conn_id(call.params.at(0), id))
        return true;
    error = bad_request("path parameter {id} must be a connection id (decimal, 1 to 18446744073709551615)");
    return false;
}

ControlResponse gone(wsh_conn_id id)
{
    return not_found("connection " + std::to_string(id) + " is not connected");
}

// {"connection":"17"} or {"user":"42"} (plus the extra keys `others`).
struct Subject {
    bool is_user = false;
    wsh_conn_id connection = 0;
    std::string user;
};

void read_subject(Reader &r, const JsonValue &body, Subject &s)
{
    const JsonValue *conn = body.find("connection");
    const JsonValue *user = body.find("user");
    if (conn && user)
        r.fail("give exactly one of \"connection\" or \"user\", not both");
    else if (!conn && !user)
        r.fail("missing required field \"connection\" or \"user\"");
    else if (conn)
        r.connection(*conn, "connection", s.connection);
    else
        s.is_user = r.user(*user, "user", s.user);
}

// With a cluster, `answer` waits until the subscriptions of the change just
// made are live in Redis (DESIGN §10: a send right after the answer sees it).
ControlResponse when_settled(const Call &call, ControlResponse answer)
{
    if (!call.hooks.cluster_settled)
        return answer;
    ControlResponse later;
    later.defer = [settled = call.hooks.cluster_settled,
                   answer = std::move(answer)](std::function<void(ControlResponse)> reply) mutable {
        settled(
            [answer = std::move(answer), reply = std::move(reply)]() mutable { reply(std::move(answer)); });
    };
    return later;
}

ControlResponse room_change(const Call &call, Gateway::RoomChange change)
{
    std::string room;
    ControlResponse error;
    if (!room_param(call, room, error))
        return error;
    Reader r;
    Subject s;
    r.only_keys(call.body, "", {"connection", "user"});
    read_subject(r, call.body, s);
    if (!r.ok())
        return bad_request(r.error());
    if (!s.is_user)
        if (std::optional<ControlResponse> there = forwarded(call, s.connection))
            return std::move(*there);
    std::size_t changed;
    if (s.is_user) {
        changed = call.gateway.change_user_rooms(s.user, room, change);
    } else {
        std::optional<bool> done = call.gateway.change_room(s.connection, room, change);
        if (!done)
            return gone(s.connection);
        changed = *done ? 1 : 0;
    }
    ControlResponse answer = when_settled(
        call, success([&](JsonWriter &w) { w.key("room").string(room).key("changed").number(changed); }));
    if (!s.is_user)
        return answer;
    // Cluster: every node holding the user changes its connections.
    return gathered(call, std::move(answer), {GatherScope::Kind::user, s.user},
                    [room](const std::vector<JsonValue> &parts) {
                        return success([&](JsonWriter &w) {
                            w.key("room").string(room).key("changed").number(sum_of(parts, "changed"));
                        });
                    });
}

// The query parameters of a GET: each of `allowed` at most once, no other.
bool read_query(std::string_view query, std::initializer_list<std::string_view> allowed,
                std::map<std::string, std::string, std::less<>> &out, std::string &error)
{
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (part.empty())
            continue;
        std::size_t eq = part.find('=');
        std::string key, value;
        if (!percent_decode(part.substr(0, eq), key) ||
            !percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1), value)) {
            error = "query string is not valid percent-encoding";
            return false;
        }
        const bool known = std::find(allowed.begin(), allowed.end(), key) != allowed.end();
        if (!known || out.count(key)) {
            std::string valid;
            for (std::string_view k : allowed)
                valid += (valid.empty() ? "" : ", ") + quote(k);
            error = (known ? "duplicate query parameter " : "unknown query parameter ") + quote(key) +
                    " (valid: " + valid + ")";
            return false;
        }
        out.emplace(std::move(key), std::move(value));
    }
    return true;
}

// ?scope=cluster (the default: every node's part) or ?scope=local (this
// node's connections only, whatever the state of Redis).
bool read_scope(const std::map<std::string, std::string, std::less<>> &query, bool &local, std::string &error)
{
    auto it = query.find("scope");
    local = it != query.end() && it->second == "local";
    if (it == query.end() || local || it->second == "cluster")
        return true;
    error = "query parameter \"scope\" must be \"cluster\" or \"local\"";
    return false;
}

// ?scope= alone (rooms, a room, a user).
bool read_scope_query(const Call &call, bool &local, std::string &error)
{
    std::map<std::string, std::string, std::less<>> query;
    return read_query(call.request.query, {"scope"}, query, error) && read_scope(query, local, error);
}

// cursor=, limit= and scope= of GET /v1/connections.
bool read_page_query(std::string_view text, wsh_conn_id &cursor, std::size_t &limit, bool &local,
                     std::string &error)
{
    std::map<std::string, std::string, std::less<>> query;
    if (!read_query(text, {"cursor", "limit", "scope"}, query, error) || !read_scope(query, local, error))
        return false;
    if (auto it = query.find("cursor");
        it != query.end() && !it->second.empty() && !parse_conn_id(it->second, cursor)) {
        error = "query parameter \"cursor\" must be a connection id (the next_cursor of the previous page)";
        return false;
    }
    if (auto it = query.find("limit"); it != query.end()) {
        wsh_conn_id n = 0;
        if (!parse_conn_id(it->second, n) || n > kMaxPageSize) {
            error = "query parameter \"limit\" must be an integer from 1 to " + std::to_string(kMaxPageSize);
            return false;
        }
        limit = static_cast<std::size_t>(n);
    }
    return true;
}

void write_snapshots(JsonWriter &w, const std::vector<ConnectionSnapshot> &snaps, std::string_view node)
{
    w.begin_array();
    for (const ConnectionSnapshot &snap : snaps)
        write_snapshot(w, snap, node);
    w.end_array();
}

ControlResponse not_implemented_reload()
{
    return ControlApi::error(501, "configuration reload is not available in this build yet");
}

} // namespace

ControlResponse healthz(const Call &call)
{
    ControlResponse r;
    const std::string cluster = call.hooks.cluster_state ? call.hooks.cluster_state() : "none";
    JsonWriter(r.body).begin_object().key("status").string("ok").key("cluster").string(cluster).end_object();
    return r;
}

ControlResponse readyz(const Call &call)
{
    ControlResponse r;
    const bool ready = !call.hooks.ready || call.hooks.ready();
    r.status = ready ? 200 : 503;
    JsonWriter(r.body).begin_object().key("status").string(ready ? "ready" : "not_ready").end_object();
    return r;
}

ControlResponse metrics_scrape(const Call &)
{
    ControlResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics::render(stats());
    return r;
}

ControlResponse room_join(const Call &call)
{
    return room_change(call, Gateway::RoomChange::join);
}
ControlResponse room_leave(const Call &call)
{
    return room_change(call, Gateway::RoomChange::leave);
}

ControlResponse rooms_list(const Call &call)
{
    bool local_scope = false;
    std::string why;
    if (!read_scope_query(call, local_scope, why))
        return bad_request(why);
    ControlResponse local = success([&](JsonWriter &w) {
        w.key("rooms").begin_array();
        for (const auto &[room, count] : call.gateway.rooms())
            w.begin_object().key("room").string(room).key("count").number(count).end_object();
        w.end_array();
    });
    if (local_scope)
        return local;
    // Cluster: one entry per room, its members on every node counted.
    return gathered(call, std::move(local), {}, [](const std::vector<JsonValue> &parts) {
        std::map<std::string, std::uint64_t> rooms;
        for (const JsonValue &part : parts)
            if (const JsonValue *list = part.find("rooms"))
                for (const JsonValue &item : list->items) {
                    const JsonValue *room = item.find("room");
                    std::uint64_t count = 0;
                    if (room && read_count(item.find("count"), count))
                        rooms[room->text] += count;
                }
        return success([&](JsonWriter &w) {
            w.key("rooms").begin_array();
            for (const auto &[room, count] : rooms)
                w.begin_object().key("room").string(room).key("count").number(count).end_object();
            w.end_array();
        });
    });
}

ControlResponse room_get(const Call &call)
{
    std::string room;
    ControlResponse error;
    if (!room_param(call, room, error))
        return error;
    bool local_scope = false;
    std::string why;
    if (!read_scope_query(call, local_scope, why))
        return bad_request(why);
    std::vector<ConnectionSnapshot> members = call.gateway.room_members(room);
    std::sort(members.begin(), members.end(), [](const auto &a, const auto &b) { return a.id < b.id; });
    ControlResponse local = success([&](JsonWriter &w) {
        w.key("room").string(room).key("count").number(members.size()).key("members").begin_array();
        for (const ConnectionSnapshot &m : members) {
            w.begin_object().key("connection").id(m.id);
            if (!call.hooks.node_id.empty())
                w.key("node").string(call.hooks.node_id);
            w.key("user").string_or_null(m.user_id).end_object();
        }
        w.end_array();
    });
    if (local_scope)
        return local;
    // Cluster: the members on every node holding some, in id order.
    return gathered(call, std::move(local), {GatherScope::Kind::room, room},
                    [room](const std::vector<JsonValue> &parts) {
                        std::vector<const JsonValue *> members = items_by_id(parts, "members", "connection");
                        return success([&](JsonWriter &w) {
                            w.key("room").string(room).key("count").number(members.size());
                            write_items(w.key("members"), members);
                        });
                    });
}

namespace
{

// {"connection": <snapshot>}, or gone.
ControlResponse connection_answer(const Call &call, wsh_conn_id id)
{
    std::optional<ConnectionSnapshot> snap = call.gateway.snapshot(id);
    if (!snap)
        return gone(id);
    return success([&](JsonWriter &w) { write_snapshot(w.key("connection"), *snap, call.hooks.node_id); });
}

} // namespace

// POST /v1/connections/{id}/tags {"set":{...},"remove":[...]}
ControlResponse connection_tags(const Call &call)
{
    wsh_conn_id id;
    ControlResponse error;
    if (!conn_param(call, id, error))
        return error;
    if (std::optional<ControlResponse> there = forwarded(call, id))
        return std::move(*there);
    Reader r;
    Tags set;
    std::vector<std::string> remove;
    r.only_keys(call.body, "", {"set", "remove"});
    if (const JsonValue *v = call.body.find("set");
        v && !(v->is(JsonValue::Type::object) && v->members.empty()))
        r.tags(*v, "set", set);
    if (const JsonValue *v = call.body.find("remove")) {
        if (!v->is(JsonValue::Type::array))
            r.fail("\"remove\" must be an array of tag keys");
        for (std::size_t i = 0; r.ok() && i < v->items.size(); ++i) {
            remove.emplace_back();
            if (r.name(v->items[i], "remove[" + std::to_string(i) + "]", remove.back()) &&
                set.count(remove.back()))
                r.fail("tag " + quote(remove.back()) + " is both in \"set\" and in \"remove\"");
        }
    }
    if (!r.ok())
        return bad_request(r.error());
    if (!call.gateway.snapshot(id))
        return gone(id);
    for (const auto &[key, value] : set)
        if (!call.gateway.set_tag(id, key, value))
            return gone(id);
    for (const std::string &key : remove)
        if (!call.gateway.remove_tag(id, key))
            return gone(id);
    return when_settled(call, connection_answer(call, id));
}

ControlResponse connection_get(const Call &call)
{
    wsh_conn_id id;
    ControlResponse error;
    if (!conn_param(call, id, error))
        return error;
    if (std::optional<ControlResponse> there = forwarded(call, id))
        return std::move(*there);
    return connection_answer(call, id);
}

// GET /v1/connections?cursor=&limit= : ascending ids after `cursor`.
ControlResponse connections_list(const Call &call)
{
    wsh_conn_id cursor = 0;
    std::size_t limit = kDefaultPageSize;
    bool local_scope = false;
    std::string why;
    if (!read_page_query(call.request.query, cursor, limit, local_scope, why))
        return bad_request(why);
    std::vector<wsh_conn_id> ids = call.gateway.connection_ids(); // sorted
    auto from = std::upper_bound(ids.begin(), ids.end(), cursor);
    auto to = static_cast<std::size_t>(ids.end() - from) > limit ? from + static_cast<std::ptrdiff_t>(limit)
                                                                 : ids.end();
    std::vector<ConnectionSnapshot> page;
    for (auto it = from; it != to; ++it)
        if (std::optional<ConnectionSnapshot> snap = call.gateway.snapshot(*it))
            page.push_back(std::move(*snap));
    ControlResponse local = success([&](JsonWriter &w) {
        write_snapshots(w.key("connections"), page, call.hooks.node_id);
        w.key("next_cursor");
        to != ids.end() ? w.id(*(to - 1)) : w.null();
    });
    if (local_scope)
        return local;
    // Cluster: every node's first `limit` after the cursor hold the
    // cluster's first `limit`; there are more when some node had more.
    return gathered(call, std::move(local), {}, [limit](const std::vector<JsonValue> &parts) {
        std::vector<const JsonValue *> all = items_by_id(parts, "connections", "id");
        bool more = all.size() > limit;
        for (const JsonValue &part : parts)
            if (const JsonValue *next = part.find("next_cursor"); next && !next->is(JsonValue::Type::null))
                more = true;
        return success([&](JsonWriter &w) {
            write_items(w.key("connections"), all, limit);
            w.key("next_cursor");
            const JsonValue *last =
                more && !all.empty() ? all[std::min(all.size(), limit) - 1]->find("id") : nullptr;
            last ? write_value(w, *last) : (void)w.null();
        });
    });
}

// POST /v1/disconnect {"connection"|"user", "code", "reason"}
ControlResponse disconnect(const Call &call)
{
    Reader r;
    Subject s;
    int code = 1000;
    std::string reason;
    r.only_keys(call.body, "", {"connection", "user", "code", "reason"});
    read_subject(r, call.body, s);
    if (const JsonValue *v = call.body.find("code")) {
        const bool integer =
            v->is(JsonValue::Type::number) && is_integer_literal(v->text) && v->text.size() <= 5;
        code = integer ? std::stoi(v->text) : 0;
        if (!close_code::application_may_send(code))
            r.fail("\"code\" must be 1000 or an integer from 3000 to 4999");
    }
    if (const JsonValue *v = call.body.find("reason");
        v && r.text(*v, "reason", reason) && reason.size() > close_code::max_reason_bytes)
        r.fail("\"reason\" must be at most " + std::to_string(close_code::max_reason_bytes) + " bytes");
    if (!r.ok())
        return bad_request(r.error());
    if (!s.is_user)
        if (std::optional<ControlResponse> there = forwarded(call, s.connection))
            return std::move(*there);
    std::size_t closed = 0;
    if (s.is_user) {
        for (wsh_conn_id id : call.gateway.user_connections(s.user))
            closed += call.gateway.close(id, code, reason, true) ? 1 : 0;
    } else {
        if (!call.gateway.close(s.connection, code, reason, true))
            return gone(s.connection);
        closed = 1;
    }
    ControlResponse local = success([&](JsonWriter &w) { w.key("closed").number(closed); });
    if (!s.is_user)
        return local;
    // Cluster: every node holding the user closes its connections.
    return gathered(
        call, std::move(local), {GatherScope::Kind::user, s.user}, [](const std::vector<JsonValue> &parts) {
            return success([&](JsonWriter &w) { w.key("closed").number(sum_of(parts, "closed")); });
        });
}

ControlResponse user_get(const Call &call)
{
    const std::string &user = call.params.at(0);
    if (!valid_name(user))
        return bad_request("path parameter {id} must be a user id: " + std::string(kNameRuleText) +
                           ", percent-encoded");
    bool local_scope = false;
    std::string why;
    if (!read_scope_query(call, local_scope, why))
        return bad_request(why);
    std::vector<ConnectionSnapshot> snaps;
    for (wsh_conn_id id : call.gateway.user_connections(user))
        if (std::optional<ConnectionSnapshot> snap = call.gateway.snapshot(id))
            snaps.push_back(std::move(*snap));
    ControlResponse local = success([&](JsonWriter &w) {
        write_snapshots(w.key("user").string(user).key("connections"), snaps, call.hooks.node_id);
    });
    if (local_scope)
        return local;
    // Cluster: the user's connections on every node holding some, in id order.
    return gathered(call, std::move(local), {GatherScope::Kind::user, user},
                    [user](const std::vector<JsonValue> &parts) {
                        return success([&](JsonWriter &w) {
                            w.key("user").string(user);
                            write_items(w.key("connections"), items_by_id(parts, "connections", "id"));
                        });
                    });
}

ControlResponse plugins_list(const Call &call)
{
    std::string plugins = call.hooks.plugins_json ? call.hooks.plugins_json() : "[]";
    std::size_t first = plugins.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || plugins[first] != '[' || !is_json_value(plugins))
        return ControlApi::error(500, "the plugin list is not available");
    return success([&](JsonWriter &w) { w.key("plugins").raw(plugins); });
}

ControlResponse reload_start(const Call &call)
{
    if (!call.hooks.reload_start)
        return not_implemented_reload();
    ControlResponse r;
    r.defer = [start = call.hooks.reload_start](std::function<void(ControlResponse)> deliver) {
        start([deliver = std::move(deliver)](bool ok, std::string json) {
            ControlResponse done;
            done.status = ok ? 200 : 422; // 422: understood, but the new configuration was refused
            done.body = std::move(json);
            deliver(std::move(done));
        });
    };
    return r;
}

ControlResponse reload_status(const Call &call)
{
    if (!call.hooks.reload_status)
        return not_implemented_reload();
    ControlResponse r;
    r.body = call.hooks.reload_status();
    return r;
}

// The nodes Redis lists (presence keys), answered once Redis has.
ControlResponse nodes_list(const Call &call)
{
    if (!call.hooks.nodes_list)
        return success(
            [](JsonWriter &w) { w.key("cluster").string("none").key("nodes").begin_array().end_array(); });
    ControlResponse r;
    r.defer = [list = call.hooks.nodes_list](std::function<void(ControlResponse)> deliver) {
        list([deliver = std::move(deliver)](int status, std::string json) {
            if (status != 200) {
                deliver(ControlApi::error(503, "the cluster is down: Redis does not answer"));
                return;
            }
            ControlResponse done;
            done.body = std::move(json);
            deliver(std::move(done));
        });
    };
    return r;
}

} // namespace wshost::control

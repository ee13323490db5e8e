// Builders of the operating commands: rooms, tags, disconnect, listings, reload, health, metrics.
#include "commands.h"
#include "json_body.h"

namespace wshost::ctl
{

namespace
{

// A room or user id as one path segment. The server's HTTP layer (libwebsockets) decodes the
// path before routing, so "%2F" turns into a separator and dot segments are folded: such names
// cannot be addressed by path (docs/control-api.md), which is said here instead of a 404.
bool path_param(const char *what, const std::string &value, std::string &segment, std::string &error)
{
    if (value.empty()) {
        error = std::string("empty ") + what;
        return false;
    }
    if (value.find('/') != std::string::npos || value == "." || value == "..") {
        error = std::string(what) + " '" + value +
                "' cannot be addressed in a URL path (a '/' or a dot segment is decoded by the server's HTTP "
                "layer)";
        return false;
    }
    segment = percent_encode(value);
    return true;
}

Request get(std::string target)
{
    return Request{"GET", std::move(target), {}};
}
Request post(std::string target, const JsonDoc &body)
{
    return Request{"POST", std::move(target), json_text(body.get())};
}

// Exactly one of --connection ID / --user ID → {"connection":"17"} or {"user":"42"}.
bool member_body(const ParsedArgs &args, JsonDoc &body, std::string &error)
{
    bool conn = args.has("--connection"), user = args.has("--user");
    if (conn == user) {
        error = conn ? "give --connection or --user, not both" : "missing --connection ID or --user ID";
        return false;
    }
    if (conn) {
        std::string id = *args.value("--connection");
        if (!valid_connection_id(id)) {
            error = "bad connection id '" + id + "' (expected a decimal number)";
            return false;
        }
        cJSON_AddStringToObject(body.get(), "connection", id.c_str());
    } else {
        std::string id = *args.value("--user");
        if (id.empty()) {
            error = "empty user id";
            return false;
        }
        cJSON_AddStringToObject(body.get(), "user", id.c_str());
    }
    return true;
}

bool room_member(const char *verb, const ParsedArgs &args, Plan &plan, std::string &error)
{
    std::string room;
    if (!path_param("room name", args.positionals[0], room, error))
        return false;
    JsonDoc body = json_object();
    if (!member_body(args, body, error))
        return false;
    plan.request = post("/v1/rooms/" + room + "/" + verb, body);
    return true;
}

} // namespace

bool build_join(const ParsedArgs &args, Plan &plan, std::string &error)
{
    return room_member("join", args, plan, error);
}

bool build_leave(const ParsedArgs &args, Plan &plan, std::string &error)
{
    return room_member("leave", args, plan, error);
}

// {"set":{...},"remove":[...]} → /v1/connections/{id}/tags (both members always present)
bool build_tags(const ParsedArgs &args, Plan &plan, std::string &error)
{
    const std::string &id = args.positionals[0];
    if (!valid_connection_id(id)) {
        error = "bad connection id '" + id + "' (expected a decimal number)";
        return false;
    }
    std::vector<std::string> sets = args.values("--set"), removes = args.values("--remove");
    if (sets.empty() && removes.empty()) {
        error = "nothing to do: give --set KEY=VALUE and/or --remove KEY";
        return false;
    }
    JsonDoc body = json_object();
    cJSON *set = cJSON_AddObjectToObject(body.get(), "set");
    for (const std::string &pair : sets) {
        std::string key, value;
        if (!split_tag(pair, key, value)) {
            error = "bad tag '" + pair + "' (expected KEY=VALUE)";
            return false;
        }
        if (cJSON_GetObjectItemCaseSensitive(set, key.c_str())) {
            error = "tag key '" + key + "' set twice";
            return false;
        }
        cJSON_AddStringToObject(set, key.c_str(), value.c_str());
    }
    for (const std::string &key : removes) {
        if (key.empty()) {
            error = "empty tag key in --remove";
            return false;
        }
    }
    cJSON_AddItemToObject(body.get(), "remove", json_string_array(removes));
    plan.request = post("/v1/connections/" + id + "/tags", body);
    return true;
}

// {"connection":"17"} or {"user":"42"}, optional "code" and "reason" → /v1/disconnect
bool build_disconnect(const ParsedArgs &args, Plan &plan, std::string &error)
{
    JsonDoc body = json_object();
    if (!member_body(args, body, error))
        return false;
    if (auto code = args.value("--code")) {
        long long n = 0;
        // RFC 6455 §7.4.2: an application closes with 1000 or a code from 3000 to 4999.
        if (!parse_int(*code, 1000, 4999, n) || (n != 1000 && n < 3000)) {
            error = "bad --code '" + *code + "' (expected 1000 or a close code from 3000 to 4999)";
            return false;
        }
        cJSON_AddNumberToObject(body.get(), "code", static_cast<double>(n));
    }
    if (auto reason = args.value("--reason")) {
        // A close frame carries at most 125 bytes: the 2-byte code and 123 of reason.
        if (reason->size() > 123) {
            error = "--reason is longer than 123 bytes (the close frame limit)";
            return false;
        }
        cJSON_AddStringToObject(body.get(), "reason", reason->c_str());
    }
    plan.request = post("/v1/disconnect", body);
    return true;
}

// GET /v1/connections[?cursor=C][&limit=N]
// --local: a cluster node's own part of a list (DESIGN §10 lists are cluster-wide).
static std::string local_scope(const ParsedArgs &args)
{
    return args.has("--local") ? "?scope=local" : "";
}

bool build_connections(const ParsedArgs &args, Plan &plan, std::string &error)
{
    std::string query;
    if (auto cursor = args.value("--cursor"))
        query += "cursor=" + percent_encode(*cursor);
    if (auto limit = args.value("--limit")) {
        long long n = 0;
        if (!parse_int(*limit, 1, 1'000'000'000, n)) {
            error = "bad --limit '" + *limit + "' (expected a positive number)";
            return false;
        }
        query += (query.empty() ? "" : "&") + std::string("limit=") + std::to_string(n);
    }
    if (args.has("--local"))
        query += (query.empty() ? "" : "&") + std::string("scope=local");
    plan.request = get("/v1/connections" + (query.empty() ? "" : "?" + query));
    if (args.has("--all"))
        plan.flow = Flow::paginate;
    return true;
}

bool build_user(const ParsedArgs &args, Plan &plan, std::string &error)
{
    std::string user;
    if (!path_param("user id", args.positionals[0], user, error))
        return false;
    plan.request = get("/v1/users/" + user + local_scope(args));
    return true;
}

bool build_rooms(const ParsedArgs &args, Plan &plan, std::string &error)
{
    if (args.positionals.empty()) {
        plan.request = get("/v1/rooms" + local_scope(args));
        return true;
    }
    std::string room;
    if (!path_param("room name", args.positionals[0], room, error))
        return false;
    plan.request = get("/v1/rooms/" + room + local_scope(args));
    return true;
}

bool build_plugins(const ParsedArgs &, Plan &plan, std::string &)
{
    plan.request = get("/v1/plugins");
    return true;
}

bool build_nodes(const ParsedArgs &, Plan &plan, std::string &)
{
    plan.request = get("/v1/nodes");
    return true;
}

// The server answers POST /v1/reload when the attempt has finished (plugins loaded and
// initialised), which may take longer than an ordinary request.
constexpr int reload_timeout_ms = 60'000;

// POST /v1/reload with "{}" (a body every JSON-reading handler accepts).
bool build_reload(const ParsedArgs &, Plan &plan, std::string &)
{
    plan.request = Request{"POST", "/v1/reload", "{}", reload_timeout_ms};
    return true;
}

bool build_reload_status(const ParsedArgs &, Plan &plan, std::string &)
{
    plan.request = get("/v1/reload");
    return true;
}

// GET /healthz; the runner follows with GET /readyz.
bool build_status(const ParsedArgs &, Plan &plan, std::string &)
{
    plan.request = get("/healthz");
    return true;
}

bool build_metrics(const ParsedArgs &, Plan &plan, std::string &)
{
    plan.request = get("/metrics");
    return true;
}

} // namespace wshost::ctl

// Builders of the push commands: the webnarmin-compatible endpoints, /publish and /v1/send.
#include "commands.h"
#include "json_body.h"
#include "payload.h"

#include "json/base64.h"

namespace wshost::ctl
{

namespace
{

Request post(std::string target, const JsonDoc &body)
{
    return Request{"POST", std::move(target), json_text(body.get())};
}

bool users_arg(const std::string &text, std::vector<std::string> &users, std::string &error)
{
    if (!split_list(text, users)) {
        error = "bad user list '" + text + "' (expected USER[,USER...])";
        return false;
    }
    return true;
}

// Every value of a repeatable list option ("--except a,b --except c" → a, b, c).
bool list_option(const ParsedArgs &args, std::string_view name, std::vector<std::string> &out,
                 std::string &error)
{
    for (const std::string &v : args.values(name)) {
        if (!split_list(v, out)) {
            error = "bad list '" + v + "' for " + std::string(name) + " (expected A[,B...])";
            return false;
        }
    }
    return true;
}

bool binary_payload(const std::string &file, std::string &base64, std::string &error)
{
    std::string bytes;
    if (!read_payload_file(file, bytes, error))
        return false;
    base64 = wshost::base64_encode(bytes);
    return true;
}

// {"userId":USER,"payload":P} → /send-text or /send-binary
bool build_unicast(const std::string &target, const std::string &user, const std::string &payload, Plan &plan,
                   std::string &error)
{
    if (user.empty()) {
        error = "empty user id";
        return false;
    }
    JsonDoc body = json_object();
    cJSON_AddStringToObject(body.get(), "userId", user.c_str());
    cJSON_AddStringToObject(body.get(), "payload", payload.c_str());
    plan.request = post(target, body);
    return true;
}

// {"userIds":[...],"payload":P} → /multicast-text or /multicast-binary
bool build_multicast(const std::string &target, const std::string &users_text, const std::string &payload,
                     Plan &plan, std::string &error)
{
    std::vector<std::string> users;
    if (!users_arg(users_text, users, error))
        return false;
    JsonDoc body = json_object();
    cJSON_AddItemToObject(body.get(), "userIds", json_string_array(users));
    cJSON_AddStringToObject(body.get(), "payload", payload.c_str());
    plan.request = post(target, body);
    return true;
}

// {"payload":P,"excludedUserIds":[...]} → /broadcast-text or /broadcast-binary
bool build_broadcast(const std::string &target, const ParsedArgs &args, const std::string &payload,
                     Plan &plan, std::string &error)
{
    std::vector<std::string> excluded;
    if (!list_option(args, "--except", excluded, error))
        return false;
    JsonDoc body = json_object();
    cJSON_AddStringToObject(body.get(), "payload", payload.c_str());
    cJSON_AddItemToObject(body.get(), "excludedUserIds", json_string_array(excluded));
    plan.request = post(target, body);
    return true;
}

// Repeated --tag K=V → {"K":"V",...}; a key given twice is an error (one value per key).
bool tag_object(const std::vector<std::string> &pairs, cJSON *&out, std::string &error)
{
    JsonDoc tags = json_object();
    for (const std::string &pair : pairs) {
        std::string key, value;
        if (!split_tag(pair, key, value)) {
            error = "bad tag '" + pair + "' (expected KEY=VALUE)";
            return false;
        }
        if (cJSON_GetObjectItemCaseSensitive(tags.get(), key.c_str())) {
            error = "tag key '" + key + "' given twice";
            return false;
        }
        cJSON_AddStringToObject(tags.get(), key.c_str(), value.c_str());
    }
    out = tags.release();
    return true;
}

} // namespace

bool build_send_text(const ParsedArgs &args, Plan &plan, std::string &error)
{
    return build_unicast("/send-text", args.positionals[0], args.positionals[1], plan, error);
}

bool build_multicast_text(const ParsedArgs &args, Plan &plan, std::string &error)
{
    return build_multicast("/multicast-text", args.positionals[0], args.positionals[1], plan, error);
}

bool build_broadcast_text(const ParsedArgs &args, Plan &plan, std::string &error)
{
    return build_broadcast("/broadcast-text", args, args.positionals[0], plan, error);
}

bool build_send_binary(const ParsedArgs &args, Plan &plan, std::string &error)
{
    std::string payload;
    return binary_payload(args.positionals[1], payload, error) &&
           build_unicast("/send-binary", args.positionals[0], payload, plan, error);
}

bool build_multicast_binary(const ParsedArgs &args, Plan &plan, std::string &error)
{
    std::string payload;
    return binary_payload(args.positionals[1], payload, error) &&
           build_multicast("/multicast-binary", args.positionals[0], payload, plan, error);
}

bool build_broadcast_binary(const ParsedArgs &args, Plan &plan, std::string &error)
{
    std::string payload;
    return binary_payload(args.positionals[0], payload, error) &&
           build_broadcast("/broadcast-binary", args, payload, plan, error);
}

// {"tags":{...},"payload":TEXT} → /publish
bool build_publish(const ParsedArgs &args, Plan &plan, std::string &error)
{
    std::vector<std::string> pairs = args.values("--tag");
    if (pairs.empty()) {
        error = "publish needs at least one --tag KEY=VALUE (use broadcast-text to reach everyone)";
        return false;
    }
    cJSON *tags = nullptr;
    if (!tag_object(pairs, tags, error))
        return false;
    JsonDoc body = json_object();
    cJSON_AddItemToObject(body.get(), "tags", tags);
    cJSON_AddStringToObject(body.get(), "payload", args.positionals[0].c_str());
    plan.request = post("/publish", body);
    return true;
}

// {"to":{...},"except":{"users":[...],"connections":[...]},"text"|"binary":...} → /v1/send
bool build_send(const ParsedArgs &args, Plan &plan, std::string &error)
{
    static constexpr std::string_view targets[] = {"--connection", "--user", "--users",
                                                   "--room",       "--tag",  "--all"};
    std::string_view chosen;
    for (std::string_view t : targets) {
        if (!args.has(t))
            continue;
        if (!chosen.empty()) {
            error = "choose one target: " + std::string(chosen) + " and " + std::string(t) + " both given";
            return false;
        }
        chosen = t;
    }
    if (chosen.empty()) {
        error = "missing target (--connection, --user, --users, --room, --tag or --all)";
        return false;
    }
    JsonDoc to = json_object();
    if (chosen == "--connection") {
        std::string id = *args.value(chosen);
        if (!valid_connection_id(id)) {
            error = "bad connection id '" + id + "' (expected a decimal number)";
            return false;
        }
        cJSON_AddStringToObject(to.get(), "connection", id.c_str());
    } else if (chosen == "--user") {
        if (args.value(chosen)->empty()) {
            error = "empty user id";
            return false;
        }
        cJSON_AddStringToObject(to.get(), "user", args.value(chosen)->c_str());
    } else if (chosen == "--users") {
        std::vector<std::string> users;
        if (!users_arg(*args.value(chosen), users, error))
            return false;
        cJSON_AddItemToObject(to.get(), "users", json_string_array(users));
    } else if (chosen == "--room") {
        cJSON_AddStringToObject(to.get(), "room", args.value(chosen)->c_str());
    } else if (chosen == "--tag") {
        cJSON *tags = nullptr;
        if (!tag_object(args.values("--tag"), tags, error))
            return false;
        cJSON_AddItemToObject(to.get(), "tags", tags);
    } else {
        cJSON_AddBoolToObject(to.get(), "all", true);
    }

    std::vector<std::string> except_users, except_connections;
    if (!list_option(args, "--except-user", except_users, error) ||
        !list_option(args, "--except-connection", except_connections, error))
        return false;
    for (const std::string &c : except_connections) {
        if (!valid_connection_id(c)) {
            error = "bad connection id '" + c + "' in --except-connection";
            return false;
        }
    }

    bool has_text = args.has("--text"), has_binary = args.has("--binary-file");
    if (has_text == has_binary) {
        error = has_text ? "give --text or --binary-file, not both"
                         : "missing payload (--text TEXT or --binary-file FILE)";
        return false;
    }
    std::string binary;
    if (has_binary && !binary_payload(*args.value("--binary-file"), binary, error))
        return false;

    JsonDoc body = json_object();
    cJSON_AddItemToObject(body.get(), "to", to.release());
    if (!except_users.empty() || !except_connections.empty()) {
        cJSON *except = cJSON_AddObjectToObject(body.get(), "except");
        if (!except_users.empty())
            cJSON_AddItemToObject(except, "users", json_string_array(except_users));
        if (!except_connections.empty())
            cJSON_AddItemToObject(except, "connections", json_string_array(except_connections));
    }
    if (has_text)
        cJSON_AddStringToObject(body.get(), "text", args.value("--text")->c_str());
    else
        cJSON_AddStringToObject(body.get(), "binary", binary.c_str());
    plan.request = post("/v1/send", body);
    return true;
}

} // namespace wshost::ctl

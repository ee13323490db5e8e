// gatekit's payload reading and reply building.
#include "gatekit_json.h"

#include <cstdint>
#include <new>
#include <string>

namespace gatekit
{

Json parse(std::string_view text)
{
    const std::string buf(text);
    return Json(cJSON_ParseWithLengthOpts(buf.c_str(), buf.size() + 1, nullptr, 1));
}

std::string print(const cJSON *json)
{
    char *text = cJSON_PrintUnformatted(json);
    if (!text)
        throw std::bad_alloc();
    std::string out(text);
    cJSON_free(text);
    return out;
}

[[noreturn]] void bad(std::string message)
{
    throw BadPayload{std::move(message)};
}

Json object()
{
    return Json(cJSON_CreateObject());
}

void add_u64(cJSON *obj, const char *name, uint64_t v)
{
    cJSON_AddNumberToObject(obj, name, static_cast<double>(v));
}

void add_id(cJSON *obj, const char *name, wsh_conn_id id)
{
    cJSON_AddStringToObject(obj, name, std::to_string(id).c_str());
}

void add_str_or_null(cJSON *obj, const char *name, std::string_view s)
{
    if (s.empty())
        cJSON_AddNullToObject(obj, name);
    else
        cJSON_AddStringToObject(obj, name, std::string(s).c_str());
}

wsh_conn_id conn_from(const cJSON *item, wsh_conn_id self)
{
    if (!item || cJSON_IsNull(item))
        return self;
    if (cJSON_IsString(item)) {
        std::string_view s(item->valuestring);
        if (s == "self")
            return self;
        if (s.empty() || s.size() > 20)
            bad("connection ids are decimal strings");
        uint64_t v = 0;
        for (char c : s) {
            if (c < '0' || c > '9')
                bad("connection ids are decimal strings");
            uint64_t next = v * 10 + static_cast<uint64_t>(c - '0');
            if (next / 10 != v)
                bad("connection id out of range");
            v = next;
        }
        return v;
    }
    if (cJSON_IsNumber(item) && item->valuedouble >= 0 && item->valuedouble < 9007199254740992.0)
        return static_cast<wsh_conn_id>(item->valuedouble);
    bad("a connection id must be a decimal string");
}

wsh_conn_id conn_member(const cJSON *obj, const char *name, wsh_conn_id self)
{
    return conn_from(cJSON_GetObjectItemCaseSensitive(obj, name), self);
}

std::string str_member(const cJSON *obj, const char *name, bool allow_empty)
{
    // "<name>_base64" instead: raw bytes, e.g. a name that is not UTF-8, which
    // a JSON string cannot carry (the host must refuse it).
    const std::string raw_name = std::string(name) + "_base64";
    if (const cJSON *raw = cJSON_GetObjectItemCaseSensitive(obj, raw_name.c_str()); cJSON_IsString(raw))
        return base64_decode(raw->valuestring);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsString(item))
        bad(std::string("'") + name + "' must be a string");
    std::string s(item->valuestring);
    if (s.empty() && !allow_empty)
        bad(std::string("'") + name + "' must not be empty");
    return s;
}

const cJSON *opt_member(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsNull(item) ? nullptr : item;
}

uint64_t uint_member(const cJSON *obj, const char *name, uint64_t lo, uint64_t hi,
                     std::optional<uint64_t> dflt)
{
    const cJSON *item = opt_member(obj, name);
    if (!item) {
        if (dflt)
            return *dflt;
        bad(std::string("'") + name + "' is required");
    }
    if (!cJSON_IsNumber(item) || item->valuedouble < static_cast<double>(lo) ||
        item->valuedouble > static_cast<double>(hi) ||
        item->valuedouble != static_cast<double>(static_cast<uint64_t>(item->valuedouble)))
        bad(std::string("'") + name + "' must be an integer in [" + std::to_string(lo) + ", " +
            std::to_string(hi) + "]");
    return static_cast<uint64_t>(item->valuedouble);
}

std::vector<std::string> string_list(const cJSON *item, const char *what)
{
    std::vector<std::string> out;
    if (!cJSON_IsArray(item))
        bad(std::string("'") + what + "' must be an array of strings");
    for (const cJSON *e = item->child; e; e = e->next) {
        if (!cJSON_IsString(e))
            bad(std::string("'") + what + "' must be an array of strings");
        out.emplace_back(e->valuestring);
    }
    return out;
}

// ---- base64 --------------------------------------------------------------------

std::string base64_decode(std::string_view in)
{
    auto val = [](char c) -> int {
        if (c >= 'A' && c <= 'Z')
            return c - 'A';
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 26;
        if (c >= '0' && c <= '9')
            return c - '0' + 52;
        if (c == '+')
            return 62;
        if (c == '/')
            return 63;
        return -1;
    };
    while (!in.empty() && in.back() == '=')
        in.remove_suffix(1);
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        int v = val(c);
        if (v < 0)
            bad("invalid base64");
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    if (bits >= 6)
        bad("invalid base64 length");
    return out;
}

// ---- connection infos ----------------------------------------------------------

void add_info(cJSON *obj, const wshost::ConnInfo &info)
{
    add_id(obj, "connection", info.conn);
    add_str_or_null(obj, "user", info.user_id);
    cJSON_AddStringToObject(obj, "peer", info.peer.c_str());
    cJSON *tags = cJSON_AddObjectToObject(obj, "tags");
    for (const auto &[k, v] : info.tags)
        cJSON_AddStringToObject(tags, k.c_str(), v.c_str());
    cJSON *rooms = cJSON_AddArrayToObject(obj, "rooms");
    for (const auto &r : info.rooms)
        cJSON_AddItemToArray(rooms, cJSON_CreateString(r.c_str()));
    add_u64(obj, "queued_messages", info.queued_messages);
    add_u64(obj, "queued_bytes", info.queued_bytes);
    add_u64(obj, "queued_bytes_peak", info.queued_bytes_peak);
    add_u64(obj, "dropped", info.dropped);
}

Json receipt_json(uint64_t matched, uint64_t enqueued, uint64_t dropped)
{
    Json r = object();
    add_u64(r.get(), "matched", matched);
    add_u64(r.get(), "enqueued", enqueued);
    add_u64(r.get(), "dropped", dropped);
    return r;
}

Reply status_error(int st)
{
    if (st == WSH_E_GONE)
        return reply_error("gone", "the host answered WSH_E_GONE");
    if (st == WSH_E_NOT_MEMBER)
        return reply_error("not_member", "the host answered WSH_E_NOT_MEMBER");
    return reply_error("host_error", "status " + std::to_string(st));
}

} // namespace gatekit

// gatekit's payload reading and reply building (cJSON). Every reader throws
// BadPayload, which the action wrapper turns into `invalid_payload`.
#pragma once

#include <wshost/gateway.hpp>
#include <wshost/plugin.hpp>

#include <cjson/cJSON.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatekit
{

using wshost::Reply;
using wshost::reply_error;
using wshost::reply_success;
using wshost::Request;

struct JsonDeleter {
    void operator()(cJSON *j) const noexcept { cJSON_Delete(j); }
};
using Json = std::unique_ptr<cJSON, JsonDeleter>;

Json parse(std::string_view text);
std::string print(const cJSON *json);

struct BadPayload {
    std::string message;
};

[[noreturn]] void bad(std::string message);

Json object();
void add_u64(cJSON *obj, const char *name, uint64_t v);
void add_id(cJSON *obj, const char *name, wsh_conn_id id);
void add_str_or_null(cJSON *obj, const char *name, std::string_view s);

// A connection id from a JSON value: "17" or 17, "self" or null -> caller.
wsh_conn_id conn_from(const cJSON *item, wsh_conn_id self);
wsh_conn_id conn_member(const cJSON *obj, const char *name, wsh_conn_id self);
// A required string member (may be empty only when allow_empty); a member
// "<name>_base64" instead gives its bytes raw (see gatekit.cpp).
std::string str_member(const cJSON *obj, const char *name, bool allow_empty = false);
const cJSON *opt_member(const cJSON *obj, const char *name);
uint64_t uint_member(const cJSON *obj, const char *name, uint64_t lo, uint64_t hi,
                     std::optional<uint64_t> dflt = {});
std::vector<std::string> string_list(const cJSON *item, const char *what);

std::string base64_decode(std::string_view in);

void add_info(cJSON *obj, const wshost::ConnInfo &info);
Json receipt_json(uint64_t matched, uint64_t enqueued, uint64_t dropped);
Reply status_error(int st);

} // namespace gatekit

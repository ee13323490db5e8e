// Control API: response builders and body field readers.
#include "control/control_internal.h"

#include "json/base64.h"

#include <algorithm>

namespace wshost::control
{
namespace
{

const std::string kUserRule = "a user id (" + std::string(kNameRuleText) + ", or an integer)";
constexpr const char *kConnRule =
    "a connection id (a decimal string or an integer, 1 to 18446744073709551615)";
constexpr std::string_view kNameRule = kNameRuleText;

} // namespace

std::string quote(std::string_view field)
{
    constexpr std::size_t kMaxShown = 200; // client-chosen keys: keep messages short
    std::size_t n = field.size();
    if (n > kMaxShown) {
        n = kMaxShown;
        while (n > 0 && (static_cast<unsigned char>(field[n]) & 0xC0) == 0x80)
            --n; // not inside a UTF-8 sequence
    }
    std::string out = "\"";
    out.append(field.substr(0, n)).append(n < field.size() ? "...\"" : "\"");
    return out;
}

ControlResponse success()
{
    return success([](JsonWriter &) {});
}

ControlResponse bad_request(std::string_view message)
{
    return ControlApi::error(400, message);
}

ControlResponse not_found(std::string_view message)
{
    return ControlApi::error(404, message);
}

void write_receipt(JsonWriter &w, const Receipt &receipt, const ClusterReach *reach)
{
    w.begin_object().key("matched").number(receipt.matched).key("enqueued").number(receipt.enqueued);
    w.key("dropped").number(receipt.dropped);
    if (reach) {
        w.key("nodes").number(reach->nodes);
        if (reach->failed)
            w.key("publish_failed").number(reach->failed);
    }
    w.end_object();
}

ControlResponse push_receipt(const Receipt &receipt, const std::optional<ClusterReach> &reach)
{
    return success(
        [&](JsonWriter &w) { write_receipt(w.key("delivery"), receipt, reach ? &*reach : nullptr); });
}

std::optional<ControlResponse> forwarded(const Call &call, wsh_conn_id id)
{
    if (call.local || !call.hooks.held_elsewhere || !call.hooks.held_elsewhere(id))
        return std::nullopt;
    ControlResponse later;
    later.defer = [forward = call.hooks.forward, id, request = call.request](
                      std::function<void(ControlResponse)> reply) { forward(id, request, std::move(reply)); };
    return later;
}

void write_snapshot(JsonWriter &w, const ConnectionSnapshot &s, std::string_view node)
{
    w.begin_object().key("id").id(s.id);
    if (!node.empty())
        w.key("node").string(node);
    w.key("user").string_or_null(s.user_id).key("peer").string(s.peer);
    w.key("endpoint").string(s.endpoint).key("subprotocol").string_or_null(s.subprotocol);
    w.key("tags").begin_object();
    for (const auto &[key, value] : s.tags)
        w.key(key).string(value);
    w.end_object().key("rooms").begin_array();
    for (const std::string &room : s.rooms)
        w.string(room);
    w.end_array();
    w.key("queued_messages").number(s.queued_messages).key("queued_bytes").number(s.queued_bytes);
    w.key("dropped").number(s.dropped).end_object();
}

bool Reader::fail(std::string message)
{
    if (error_.empty())
        error_ = std::move(message);
    return false;
}

bool Reader::only_keys(const JsonValue &object, std::string_view where,
                       std::initializer_list<std::string_view> allowed)
{
    for (const auto &[key, value] : object.members) {
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end())
            continue;
        std::string valid;
        for (std::string_view a : allowed)
            valid += (valid.empty() ? "" : ", ") + quote(std::string(where) + std::string(a));
        return fail("unknown field " + quote(std::string(where) + key) + " (valid: " + valid + ")");
    }
    return true;
}

const JsonValue *Reader::get(const JsonValue &object, std::string_view key, std::string_view field,
                             bool required)
{
    const JsonValue *v = object.find(key);
    if (!v && required)
        fail("missing required field " + quote(field));
    return v;
}

bool Reader::user(const JsonValue &v, const std::string &field, std::string &out)
{
    if (v.is(JsonValue::Type::string) && valid_name(v.text)) {
        out = v.text;
        return true;
    }
    if (v.is(JsonValue::Type::number) && is_integer_literal(v.text)) {
        out = v.text;
        return true;
    }
    return fail(quote(field) + " must be " + kUserRule);
}

bool Reader::users(const JsonValue &v, const std::string &field, std::vector<std::string> &out)
{
    if (!v.is(JsonValue::Type::array))
        return fail(quote(field) + " must be an array of user ids");
    out.reserve(v.items.size());
    for (std::size_t i = 0; i < v.items.size(); ++i) {
        out.emplace_back();
        if (!user(v.items[i], field + "[" + std::to_string(i) + "]", out.back()))
            return false;
    }
    return true;
}

bool Reader::connection(const JsonValue &v, const std::string &field, wsh_conn_id &out)
{
    if ((v.is(JsonValue::Type::string) || v.is(JsonValue::Type::number)) && parse_conn_id(v.text, out))
        return true;
    return fail(quote(field) + " must be " + kConnRule);
}

bool Reader::connections(const JsonValue &v, const std::string &field, std::vector<wsh_conn_id> &out)
{
    if (!v.is(JsonValue::Type::array))
        return fail(quote(field) + " must be an array of connection ids");
    out.reserve(v.items.size());
    for (std::size_t i = 0; i < v.items.size(); ++i) {
        out.emplace_back();
        if (!connection(v.items[i], field + "[" + std::to_string(i) + "]", out.back()))
            return false;
    }
    return true;
}

bool Reader::name(const JsonValue &v, const std::string &field, std::string &out)
{
    if (v.is(JsonValue::Type::string) && valid_name(v.text)) {
        out = v.text;
        return true;
    }
    return fail(quote(field) + " must be " + std::string(kNameRule));
}

bool Reader::tags(const JsonValue &v, const std::string &field, Tags &out)
{
    if (!v.is(JsonValue::Type::object) || v.members.empty())
        return fail(quote(field) +
                    " must be a non-empty object of string values, e.g. {\"language\":\"FR\"}");
    for (const auto &[key, value] : v.members) {
        if (!valid_name(key))
            return fail("tag keys in " + quote(field) + " must be " + std::string(kNameRule));
        std::string text;
        if (!name(value, field + "." + key, text))
            return false;
        out.emplace(key, std::move(text));
    }
    return true;
}

bool Reader::text(const JsonValue &v, const std::string &field, std::string &out)
{
    if (!v.is(JsonValue::Type::string))
        return fail(quote(field) + " must be a string");
    out = v.text;
    return true;
}

bool Reader::base64(const JsonValue &v, const std::string &field, std::string &out)
{
    if (!v.is(JsonValue::Type::string))
        return fail(quote(field) + " must be a base64 string");
    std::optional<std::string> bytes = base64_decode(v.text);
    if (!bytes)
        return fail(quote(field) +
                    " is not valid base64 (standard alphabet with '=' padding, no whitespace)");
    out = std::move(*bytes);
    return true;
}

} // namespace wshost::control

#include "control/control_json.h"

#include "json/json_scan.h"

#include <cstring>
#include <unordered_set>

namespace wshost::control
{
namespace
{

// Builds the tree over text that json::Scanner already accepted whole, so
// every step here succeeds; recursion is bounded by kMaxJsonDepth.
bool build(json::Scanner &s, JsonValue &out, std::string &error)
{
    s.skip_ws();
    const char c = s.peek();
    if (c == '{') {
        out.type = JsonValue::Type::object;
        s.consume('{');
        s.skip_ws();
        if (s.consume('}'))
            return true;
        std::unordered_set<std::string> seen;
        for (;;) {
            std::string key;
            if (!s.member_key(&key))
                return false;
            if (!seen.insert(key).second) {
                error = "duplicate key \"" + key + "\"";
                return false;
            }
            out.members.push_back(JsonMember{std::move(key), JsonValue{}});
            if (!build(s, out.members.back().value, error))
                return false;
            s.skip_ws();
            if (s.consume('}'))
                return true;
            s.consume(',');
        }
    }
    if (c == '[') {
        out.type = JsonValue::Type::array;
        s.consume('[');
        s.skip_ws();
        if (s.consume(']'))
            return true;
        for (;;) {
            out.items.emplace_back();
            if (!build(s, out.items.back(), error))
                return false;
            s.skip_ws();
            if (s.consume(']'))
                return true;
            s.consume(',');
        }
    }
    if (c == '"') {
        out.type = JsonValue::Type::string;
        return s.string(&out.text);
    }
    const char *start = s.pos();
    if (!s.value(0))
        return false;
    if (c == 't' || c == 'f') {
        out.type = JsonValue::Type::boolean;
        out.boolean = c == 't';
    } else if (c == 'n') {
        out.type = JsonValue::Type::null;
    } else {
        out.type = JsonValue::Type::number;
        out.text.assign(start, static_cast<std::size_t>(s.pos() - start));
    }
    return true;
}

int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

const JsonValue *JsonValue::find(std::string_view key) const
{
    for (const auto &[k, v] : members)
        if (k == key)
            return &v;
    return nullptr;
}

bool parse_json(std::string_view text, JsonValue &out, std::string &error)
{
    json::Scanner check(text, kMaxJsonDepth);
    if (!check.value(0) || !check.end_of_document()) {
        error = std::string(check.error()) + " at byte " + std::to_string(check.error_offset());
        return false;
    }
    if (check.too_deep()) {
        error = "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels";
        return false;
    }
    out = JsonValue{};
    json::Scanner s(text, kMaxJsonDepth);
    return build(s, out, error);
}

bool is_integer_literal(std::string_view n)
{
    if (n.empty() || n == "-0")
        return false;
    std::size_t i = n[0] == '-' ? 1 : 0;
    if (i == n.size())
        return false;
    for (; i < n.size(); ++i)
        if (n[i] < '0' || n[i] > '9')
            return false;
    return true;
}

bool parse_conn_id(std::string_view text, wsh_conn_id &out)
{
    if (text.empty() || text.size() > 20 || text[0] == '0')
        return false;
    wsh_conn_id v = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        const wsh_conn_id d = static_cast<wsh_conn_id>(c - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false; // past 2^64-1
        v = v * 10 + d;
    }
    out = v;
    return true;
}

bool percent_decode(std::string_view in, std::string &out)
{
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out.push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size())
            return false;
        const int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
        if (hi < 0 || lo < 0)
            return false;
        out.push_back(static_cast<char>(hi << 4 | lo));
        i += 2;
    }
    return true;
}

} // namespace wshost::control

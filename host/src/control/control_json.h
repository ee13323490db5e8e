// JSON and text helpers of the control API (internal to the host).
//
// Control bodies are read into a small tree built on the strict scanner of
// json_scan.h, not with cJSON: cJSON accepts duplicate keys and trailing
// garbage and turns integers into doubles, while the control API must refuse
// the former and read integer ids exactly ("userId": 9007199254740993 is the
// user "9007199254740993"). Numbers therefore keep their source text.
#pragma once

#include <wshost/plugin.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wshost::control
{

struct JsonMember;

struct JsonValue {
    enum class Type { null, boolean, number, string, array, object };
    Type type = Type::null;
    bool boolean = false;
    std::string text;                // string: decoded bytes; number: the literal as written
    std::vector<JsonValue> items;    // array
    std::vector<JsonMember> members; // object, in source order, keys unique

    bool is(Type t) const { return type == t; }
    // The member `key` of an object, or null.
    const JsonValue *find(std::string_view key) const;
};

struct JsonMember {
    std::string key;
    JsonValue value;
};

// Parses `text` as exactly one strict RFC 8259 value (valid UTF-8, no
// duplicate object keys, nesting at most kMaxJsonDepth). On failure returns
// false with a reason ("... at byte N") in `error`.
bool parse_json(std::string_view text, JsonValue &out, std::string &error);

// A JSON number that is an integer written without fraction or exponent
// ("-0" excluded); its text is the decimal form.
bool is_integer_literal(std::string_view number);

// Decimal text of a connection id: 1..2^64-1, digits only, no leading zero.
bool parse_conn_id(std::string_view text, wsh_conn_id &out);

// Percent-decodes one URL path segment. False on a malformed escape.
bool percent_decode(std::string_view in, std::string &out);

} // namespace wshost::control

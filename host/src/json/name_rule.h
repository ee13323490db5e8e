// The name rule: what the host accepts as a user id, a room name, a tag key or
// a tag value, wherever it comes from (plugin ABI, control API, JWT claims,
// client tags in the upgrade query, a plugin authenticator's verdict).
//
// A name is 1..kMaxNameBytes bytes of valid UTF-8 without NUL. One rule for
// every path keeps every name addressable from every other path: a room a
// plugin creates can be named in a control API URL and in a JSON body, a user
// id from a JWT can be targeted by a plugin.
#pragma once

#include <cstddef>
#include <string_view>

namespace wshost
{

inline constexpr std::size_t kMaxNameBytes = 256;

// True when `s` obeys the name rule.
bool valid_name(std::string_view s) noexcept;

// The rule in words, for error messages: "a non-empty string of at most 256
// bytes of UTF-8 without NUL".
inline constexpr std::string_view kNameRuleText =
    "a non-empty string of at most 256 bytes of UTF-8 without NUL";

} // namespace wshost

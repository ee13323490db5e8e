// TOML -> JSON text, for a plugin's [plugin.config] table (DESIGN §4: plugin
// configuration crosses the ABI as JSON text).
//
// Integers are written as their exact decimal digits (int64, no detour through
// double), floats in their shortest round-trip form (always with a '.' or an
// exponent), strings JSON-escaped with UTF-8 passed through, dates and times
// as strings in TOML's own (RFC 3339) format. NaN and infinities have no JSON
// form: they are reported through on_error and written as null.
#pragma once

#include <toml++/toml.h>

#include <functional>
#include <string>
#include <string_view>

namespace wshost::cfg
{

using JsonErrorFn = std::function<void(const toml::node &where, std::string message)>;

std::string toml_to_json(const toml::node &node, const JsonErrorFn &on_error);

} // namespace wshost::cfg

// Writing JSON text: the one string escaper.
#pragma once

#include <string>
#include <string_view>

namespace wshost
{

// Appends `s` to `out` as a JSON string literal (quotes included), escaping
// '"', '\\', control characters and DEL. `s` is assumed valid UTF-8.
void append_json_string(std::string &out, std::string_view s);

} // namespace wshost

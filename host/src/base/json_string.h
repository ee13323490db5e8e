// The host's one JSON string escaper. It lives in base, the lowest layer that
// writes JSON (log lines); json/writer.h builds the JSON writer on it.
#pragma once

#include <string>
#include <string_view>

namespace wshost
{

// Appends `s` to `out` as a JSON string literal (quotes included): '"', '\\',
// control characters and DEL escaped (DEL too: keeps logs readable), and every
// byte that is not part of valid UTF-8 (RFC 3629: no overlongs, surrogates or
// code points past U+10FFFF) written as U+FFFD, so the output is valid JSON
// whatever `s` holds. Valid UTF-8 is copied unchanged.
void append_json_string(std::string &out, std::string_view s);

} // namespace wshost

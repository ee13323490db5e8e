// Binary payloads: reading FILE (or `-` for stdin) and base64 for the JSON body.
#pragma once

#include <string>
#include <string_view>

namespace wshost::ctl
{

// Standard base64 (RFC 4648 §4, with padding, no line breaks), as the control API expects.
std::string base64_encode(std::string_view bytes);

// Reads a whole file, or stdin when `path` is "-". False with `error` set ("FILE: reason").
bool read_payload_file(const std::string &path, std::string &out, std::string &error);

} // namespace wshost::ctl

// Binary payloads: reading FILE (or `-` for stdin); the JSON body carries them in
// standard base64, encoded with the host's codec (json/base64.h).
#pragma once

#include <string>
#include <string_view>

namespace wshost::ctl
{

// Reads a whole file, or stdin when `path` is "-". False with `error` set ("FILE: reason").
bool read_payload_file(const std::string &path, std::string &out, std::string &error);

} // namespace wshost::ctl

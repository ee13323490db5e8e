// `wshostctl token`: mints an HS256 JWT with a key from a wshost config file,
// for tests, scripts and first steps. It works offline: no request is sent.
#pragma once

#include <span>
#include <string>

namespace wshost::ctl
{

// Runs `token` with the words after it; writes the token (or errors) and
// returns the exit code.
int run_token(std::span<const std::string> args, std::string &out, std::string &err);

// Parses "3600", "90s", "30m", "1h", "7d" into seconds; false when invalid.
bool parse_duration(const std::string &text, long long &seconds);

} // namespace wshost::ctl

// Control API addresses and percent-encoding, both left to libcurl's URL API.
#pragma once

#include <string>
#include <string_view>

namespace wshost::ctl
{

struct ControlUrl {
    std::string base;        // "http[s]://HOST[:PORT][/PREFIX]", no trailing '/'; requests append their path
    std::string socket_path; // non-empty: connect to this Unix socket (base is then "http://localhost")

    // The URL as the user would recognise it, for error messages.
    std::string display() const { return socket_path.empty() ? base : "unix:" + socket_path; }
};

// Accepts `http://HOST[:PORT][/PREFIX]`, `https://...` (HOST: name, IPv4, or [IPv6]) and
// `unix:/PATH` (also `unix:///PATH` and `unix:PATH`). False with `error` set otherwise: other
// schemes, credentials (use --token), a query or fragment.
bool parse_control_url(std::string_view text, ControlUrl &out, std::string &error);

// RFC 3986 percent-encoding of everything except unreserved characters (ALPHA DIGIT - . _ ~),
// so the result is safe as one path segment or one query value.
std::string percent_encode(std::string_view text);

} // namespace wshost::ctl

// Control API addresses (`http://host:port[/prefix]`, `unix:/path/to.sock`) and percent-encoding.
#pragma once

#include <string>
#include <string_view>

namespace wshost::ctl
{

struct ControlUrl {
    enum class Kind { tcp, unix_socket };
    Kind kind = Kind::tcp;
    std::string host;        // tcp: a name or IP literal, without brackets
    std::string port = "80"; // tcp: decimal text
    std::string socket_path; // unix: absolute or relative filesystem path
    std::string prefix;      // path prepended to every request ("" or "/x/y", no trailing '/')

    // Value of the Host header: "host:port" (IPv6 in brackets); "localhost" for a Unix socket.
    std::string host_header() const;
    // The URL as the user would recognise it, for error messages.
    std::string display() const;
};

// Accepts `http://HOST[:PORT][/PREFIX]` (HOST: name, IPv4, or [IPv6]) and `unix:/PATH` (also
// `unix:///PATH` and `unix:PATH`). False with `error` set otherwise (https is refused: the
// control listener speaks plain HTTP; put a TLS proxy in front and tunnel, or use a socket).
bool parse_control_url(std::string_view text, ControlUrl &out, std::string &error);

// RFC 3986 percent-encoding of everything except unreserved characters (ALPHA DIGIT - . _ ~),
// so the result is safe as one path segment or one query value.
std::string percent_encode(std::string_view text);

// percent_encode for one path segment; also encodes the dot segments "." and "..".
std::string encode_path_segment(std::string_view segment);

} // namespace wshost::ctl

// The transport of wshostctl: one libcurl exchange per request, over TCP (http, https) or a
// Unix socket, one request per connection (`Connection: close`), never `Expect: 100-continue`.
#pragma once

#include "url.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wshost::ctl
{

struct Request {
    std::string method; // "GET" or "POST"
    std::string target; // path and query, e.g. "/v1/connections?limit=10"; the URL's prefix goes in front
    std::string body;   // JSON text; a POST always sends Content-Type and Content-Length, a GET neither
    int timeout_ms = 0; // when longer than the client's timeout, this request gets that long

    bool operator==(const Request &) const = default;
};

struct Response {
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers; // names lower-cased, in arrival order
    std::string body;

    // First header of that name (case-insensitive), or nullptr.
    const std::string *header(std::string_view name) const;
};

struct ClientOptions {
    ControlUrl url;
    std::string token;       // sent as `Authorization: Bearer` when non-empty; never printed
    int timeout_ms = 10'000; // whole exchange: connect, send, receive
    std::string ca_file;     // https: trust these CAs instead of the system's (--cacert)
    bool insecure = false;   // https: do not verify the server's certificate (--insecure)
};

// Outcome of one exchange. `error` is set when the server could not be reached or answered
// something that is not HTTP (exit code 3); any status the server answered is a success here.
struct Exchange {
    bool ok = false;
    Response response;
    std::string error;
};

Exchange send_request(const ClientOptions &options, const Request &request);

} // namespace wshost::ctl

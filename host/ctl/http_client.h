// A deliberately small HTTP/1.1 client for the control API: one request per connection
// (`Connection: close`), Content-Length request bodies, never `Expect: 100-continue`.
// Responses may carry Content-Length, chunked or read-to-EOF bodies.
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
};

// The exact bytes sent for `request`.
std::string serialize_request(const Request &request, const ClientOptions &options);

// Incremental HTTP/1.x response parser, fed whatever the socket returns.
class ResponseParser
{
  public:
    enum class State { need_more, done, error };

    static constexpr size_t max_head_bytes = 64 * 1024;
    static constexpr size_t max_body_bytes = 256 * 1024 * 1024;

    State feed(std::string_view bytes);
    State finish(); // the peer closed the connection
    State state() const { return state_; }
    const Response &response() const { return response_; }
    Response take_response() { return std::move(response_); }
    const std::string &error() const { return error_; }

  private:
    enum class Phase { head, body_length, body_chunked, body_eof, done };
    State parse();
    State parse_head();
    State parse_chunked();
    State fail(std::string message);

    std::string buffer_;
    Phase phase_ = Phase::head;
    State state_ = State::need_more;
    size_t remaining_ = 0; // body_length: bytes still to come
    Response response_;
    std::string error_;
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

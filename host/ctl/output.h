// Human output of control API answers, and the error text for refused requests.
// Printers never fail: a body that is not the expected shape is shown as pretty-printed JSON,
// and a body that is not JSON at all is shown as text.
#pragma once

#include "http_client.h"

#include <cjson/cJSON.h>

#include <span>
#include <string>
#include <string_view>

namespace wshost::ctl
{

// Push receipts: "delivered: matched 3, enqueued 3, dropped 0".
void print_delivery(std::span<const Response> responses, std::string &out);
// {"status":"success"} alone → "ok"; any other JSON pretty-printed; text as is.
void print_generic(std::span<const Response> responses, std::string &out);
// Listings (connections, rooms, plugins): the first array becomes a table (objects) or a list
// (scalars); the other top-level members are printed as "key: value" lines above it. Several
// responses (pages) make one table.
void print_table(std::span<const Response> responses, std::string &out);
// Reload results: "reload generation 3: ok", times, then "file:line:col: message" per error.
void print_reload(std::span<const Response> responses, std::string &out);
// `status`: /healthz then /readyz → "health: ok (HTTP 200)" / "ready: no (HTTP 503)".
void print_status(std::span<const Response> responses, std::string &out);
// The body, unchanged (metrics).
void print_raw(std::span<const Response> responses, std::string &out);

// One line (plus a hint line for 401/403) describing a non-2xx answer:
// "HTTP 400 Bad Request: <server's message> (invalid_control_request)".
std::string format_error(const Response &response, bool token_sent);

// Strips control characters (terminal escapes) from text that came from the server.
std::string sanitize(std::string_view text);

// The cell text of a JSON value in a table: strings as is, {"k":"v"} → "k=v", ["a","b"] → "a,b".
std::string cell_text(const cJSON *value);

} // namespace wshost::ctl

// The control HTTP API (DESIGN §6) as plain request handling: no sockets, no
// libwebsockets. control_http.cpp feeds it requests from the control
// listener; tests call it directly.
//
// Order of checks for one request (the first failure answers):
//   1. route lookup by path; /healthz and /readyz skip 2 (no token needed);
//   2. bearer token: missing or unknown -> 401 + WWW-Authenticate: Bearer
//      (also for unknown paths, so the API cannot be mapped without a token);
//   3. unknown path -> 404; known path, other method -> 405 + Allow;
//   4. scope: the token lacks the route's scope -> 403;
//   5. body: over max_body_bytes -> 413; not a JSON object, or any field
//      invalid -> 400 naming the field. The whole body is validated before
//      the gateway is called, so a rejected request pushes nothing.
//
// Error bodies: {"status":"error","error":{"code":C,"message":M}}. C is
// "invalid_control_request" for every 4xx, as DESIGN §6 pins (401 and 403
// included; the message tells which); 5xx use "not_implemented" (501) and
// "internal_error" (500). Success bodies carry "status":"success" (pushes add
// "delivery":{matched,enqueued,dropped}); /healthz and /readyz answer
// {"status":"ok","cluster":"up"|"down"|"none"} / {"status":"ready"|"not_ready"}.
//
// Threads: handle() is called on the lws service thread; it only uses the
// Gateway's any-thread calls and the hooks below.
#pragma once

#include "config/config.h"
#include "gateway/gateway.h"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wshost
{

struct ControlRequest {
    std::string method; // "GET", "POST", ... (upper case)
    std::string path;   // as sent, still percent-encoded, without the query
    std::string query;  // after '?', without it; may be empty
    std::string body;
    std::string authorization; // the Authorization header value, or empty
};

struct ControlResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; // extra headers (e.g. Allow)
    // Set instead of an answer now: the listener calls it once with a function
    // that delivers the answer later, from any thread (POST /v1/reload answers
    // when its attempt has finished).
    std::function<void(std::function<void(ControlResponse)>)> defer;
};

// Cluster: which nodes hold a part of a cluster-wide answer (DESIGN §10):
// every node (lists), or those holding a user or a room (Redis's subscribers
// of its channel, so a request reaches only the nodes that can add to it).
struct GatherScope {
    enum class Kind { everyone, user, room };
    Kind kind = Kind::everyone;
    std::string name; // the user id or room name
};

// The other nodes' answers to one gathered request, or why there are none.
struct Gathered {
    std::optional<ControlResponse> error; // 503 Redis away, 504 a node did not answer in time
    std::vector<ControlResponse> answers; // one per node that holds a part, in arrival order
};

// Bits of ControlToken::scopes.
enum ControlScope : unsigned { scope_none = 0, scope_push = 1, scope_admin = 2, scope_metrics = 4 };

struct ControlHooks {
    // GET /readyz: true -> 200, false -> 503. Null: always ready.
    std::function<bool()> ready;
    // GET /v1/plugins: a JSON array, one object per loaded plugin (name,
    // version, path, blocking, actions). Null: [].
    std::function<std::string()> plugins_json;
    // GET /v1/reload: the JSON reload status of DESIGN §6. Null: 501.
    std::function<std::string()> reload_status;
    // POST /v1/reload: starts (or joins) an attempt and calls `done` once it
    // has finished — from the reload or the service thread — with whether it
    // succeeded and its JSON status. It must not wait: the swap needs the
    // service thread, where this runs. Null: 501.
    std::function<void(std::function<void(bool ok, std::string json)> done)> reload_start;
    // GET /healthz's "cluster": "up", "down" or "none" (DESIGN §10). Null: "none".
    std::function<std::string()> cluster_state;
    // GET /v1/nodes: answers `done` (service thread) with a status and a JSON
    // body ("" for an error status). Null: engine "none", no nodes to list.
    std::function<void(std::function<void(int status, std::string json)> done)> nodes_list;
    // Cluster: publishes a push for the other nodes (the API delivers locally
    // itself) and calls `done` (service thread) with the other nodes the
    // publishes reached and how many failed. Null: engine "none", answered at once.
    std::function<void(const Target &target, std::string_view data, bool binary,
                       std::function<void(std::uint64_t nodes, std::uint64_t failed)> done)>
        cluster_send;
    // Cluster: calls `done` once the subscriptions of the changes made so far
    // are live in Redis (or Redis is down), so a send after the answer sees
    // them. Null: answered at once.
    std::function<void(std::function<void()> done)> cluster_settled;
    // Cluster: true when connection `id` belongs to another node (the node
    // number in its high bits); the request is then forwarded whole to that
    // node and answered with what it answered (`forward`, service thread).
    std::function<bool(wsh_conn_id id)> held_elsewhere;
    std::function<void(wsh_conn_id id, const ControlRequest &request,
                       std::function<void(ControlResponse)> done)>
        forward;
    // Cluster: runs `request` on the other nodes `scope` names, each answering
    // for its own connections (as handle_forwarded()); `done` (service thread)
    // gets their answers for the caller to merge with its own part. Null:
    // engine "none", this node's answer is the whole answer.
    std::function<void(const ControlRequest &request, const GatherScope &scope,
                       std::function<void(Gathered)> done)>
        gather;
    // Cluster: this node's id, written as "node" in connection objects. Empty: none.
    std::string node_id;
};

class ControlApi
{
  public:
    ControlApi(Gateway &gateway, const ControlConfig &config, ControlHooks hooks);
    ControlApi(Gateway &gateway, const ControlConfig &config, std::function<bool()> ready,
               std::function<std::string()> plugins_json = {});

    // Answers one complete request. Records wshost_control_requests_total.
    ControlResponse handle(const ControlRequest &request);
    // Cluster: a request another node's control API forwarded here (it
    // checked the token, the scope and the body size): routed and answered
    // as handle() would, for this node's connections only (never forwarded
    // or gathered again). Counted under the route like any request.
    ControlResponse handle_forwarded(const ControlRequest &request);

    // Steps 1-4 above on a request whose body has not been read yet: an error
    // response (already counted in the metrics) or nullopt when the request
    // may proceed. Lets the listener refuse before it reads a body or sends
    // "100 Continue". handle() repeats these checks.
    std::optional<ControlResponse> precheck(const ControlRequest &request);

    // An error the listener detected itself (411 chunked body, 413 from
    // Content-Length), in the API's error shape and counted in the metrics
    // under the request's route.
    ControlResponse reject(const ControlRequest &request, int status, std::string_view message);

    std::size_t max_body_bytes() const { return max_body_bytes_; }
    // Reload: new tokens and body limit (service thread, like handle()).
    void set_config(const ControlConfig &config);

    // The error body shape shared by every error.
    static ControlResponse error(int status, std::string_view message);

    struct Route; // defined in control_api.cpp

  private:
    struct Token {
        std::array<unsigned char, 32> digest; // SHA-256 of the token
        unsigned scopes;
    };
    struct Match {
        const Route *route = nullptr;        // path and method matched
        const Route *path_only = nullptr;    // some route has this path (for 405)
        std::string allow;                   // methods allowed on this path
        std::vector<std::string> raw_params; // still percent-encoded
    };

    Match match(const ControlRequest &request) const;
    // Bits of the scopes the request's bearer token holds; nullopt: no valid token.
    std::optional<unsigned> authenticate(std::string_view authorization) const;
    std::optional<ControlResponse> check(const ControlRequest &request, const Match &m) const;
    ControlResponse dispatch(const ControlRequest &request, const Match &m, bool local = false);
    static std::string_view endpoint_label(const Match &m);

    Gateway &gateway_;
    ControlHooks hooks_;
    std::vector<Token> tokens_;
    std::size_t max_body_bytes_ = 0;
};

} // namespace wshost

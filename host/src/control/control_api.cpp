// Control API: the route table, bearer-token check and request dispatch.
#include "control/control_api.h"

#include "base/text.h"

#include "control/control_internal.h"
#include "base/metrics.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>

namespace wshost
{

using control::Call;
using control::JsonValue;

// One endpoint. `pattern` segments in braces are path parameters; `scope`
// scope_none makes the route public (no token at all).
struct ControlApi::Route {
    const char *method;
    const char *pattern;
    unsigned scope;
    bool body; // the request body must be a JSON object
    control::Handler handler;
};

namespace
{

// Every endpoint of DESIGN §6 (plus GET /v1/connections/{id}). Listing rooms
// reveals who is online, so it needs "admin" like the other /v1 reads.
const ControlApi::Route kRoutes[] = {
    {"GET", "/healthz", scope_none, false, control::healthz},
    {"GET", "/readyz", scope_none, false, control::readyz},
    {"GET", "/metrics", scope_metrics, false, control::metrics_scrape},
    {"POST", "/send-text", scope_push, true, control::send_text},
    {"POST", "/send-binary", scope_push, true, control::send_binary},
    {"POST", "/multicast-text", scope_push, true, control::multicast_text},
    {"POST", "/multicast-binary", scope_push, true, control::multicast_binary},
    {"POST", "/broadcast-text", scope_push, true, control::broadcast_text},
    {"POST", "/broadcast-binary", scope_push, true, control::broadcast_binary},
    {"POST", "/publish", scope_push, true, control::publish},
    {"POST", "/v1/send", scope_push, true, control::generic_send},
    {"POST", "/v1/send-batch", scope_push, true, control::send_batch},
    {"POST", "/v1/rooms/{room}/join", scope_admin, true, control::room_join},
    {"POST", "/v1/rooms/{room}/leave", scope_admin, true, control::room_leave},
    {"GET", "/v1/rooms", scope_admin, false, control::rooms_list},
    {"GET", "/v1/rooms/{room}", scope_admin, false, control::room_get},
    {"GET", "/v1/connections", scope_admin, false, control::connections_list},
    {"GET", "/v1/connections/{id}", scope_admin, false, control::connection_get},
    {"POST", "/v1/connections/{id}/tags", scope_admin, true, control::connection_tags},
    {"POST", "/v1/disconnect", scope_admin, true, control::disconnect},
    {"GET", "/v1/users/{id}", scope_admin, false, control::user_get},
    {"GET", "/v1/plugins", scope_admin, false, control::plugins_list},
    {"POST", "/v1/reload", scope_admin, false, control::reload_start},
    {"GET", "/v1/reload", scope_admin, false, control::reload_status},
    {"GET", "/v1/nodes", scope_admin | scope_metrics, false, control::nodes_list},
};

static_assert(scope_push == 1u << 0 && scope_admin == 1u << 1 && scope_metrics == 1u << 2 &&
                  kControlScopes[0] == "push" && kControlScopes[1] == "admin" &&
                  kControlScopes[2] == "metrics",
              "scope bits are 1 << the index in kControlScopes");

std::string_view scope_name(unsigned scope)
{
    for (std::size_t i = 0; i < kControlScopes.size(); ++i)
        if (scope == 1u << i)
            return kControlScopes[i];
    return {};
}

unsigned scope_bits(const std::vector<std::string> &scopes)
{
    unsigned bits = 0;
    for (const std::string &s : scopes)
        for (std::size_t i = 0; i < kControlScopes.size(); ++i)
            if (s == kControlScopes[i])
                bits |= 1u << i;
    return bits;
}

// Matches `path` against `pattern` segment by segment; `{x}` takes any
// non-empty segment, collected (still encoded) into `params`.
bool path_matches(std::string_view pattern, std::string_view path, std::vector<std::string> &params)
{
    params.clear();
    while (!pattern.empty() && !path.empty()) {
        if (pattern[0] != '/' || path[0] != '/')
            return false;
        pattern.remove_prefix(1);
        path.remove_prefix(1);
        std::string_view pseg = pattern.substr(0, pattern.find('/'));
        std::string_view seg = path.substr(0, path.find('/'));
        if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
            if (seg.empty())
                return false;
            params.emplace_back(seg);
        } else if (pseg != seg) {
            return false;
        }
        pattern.remove_prefix(pseg.size());
        path.remove_prefix(seg.size());
    }
    return pattern.empty() && path.empty();
}

std::array<unsigned char, 32> sha256(std::string_view text)
{
    std::array<unsigned char, 32> digest{};
    unsigned int n = 0;
    EVP_Digest(text.data(), text.size(), digest.data(), &n, EVP_sha256(), nullptr);
    return digest;
}

using text::iequals;
using text::trim;

} // namespace

ControlApi::ControlApi(Gateway &gateway, const ControlConfig &config, ControlHooks hooks)
    : gateway_(gateway), hooks_(std::move(hooks))
{
    set_config(config);
}

void ControlApi::set_config(const ControlConfig &config)
{
    max_body_bytes_ = config.max_body_bytes;
    // Only digests are kept: comparing fixed-size digests in constant time
    // leaks neither the tokens' contents nor their lengths.
    tokens_.clear();
    for (const ControlToken &t : config.tokens)
        tokens_.push_back({sha256(t.token), scope_bits(t.scopes)});
}

ControlApi::ControlApi(Gateway &gateway, const ControlConfig &config, std::function<bool()> ready,
                       std::function<std::string()> plugins_json)
    : ControlApi(gateway, config, [&] {
          ControlHooks hooks;
          hooks.ready = std::move(ready);
          hooks.plugins_json = std::move(plugins_json);
          return hooks;
      }())
{
}

ControlResponse ControlApi::error(int status, std::string_view message)
{
    // DESIGN §6 pins "invalid_control_request" for client errors; server-side
    // conditions get codes of their own.
    const char *code = status < 500    ? "invalid_control_request"
                       : status == 501 ? "not_implemented"
                                       : "internal_error";
    ControlResponse r;
    r.status = status;
    JsonWriter w(r.body);
    w.begin_object().key("status").string("error").key("error").begin_object();
    w.key("code").string(code).key("message").string(message).end_object().end_object();
    return r;
}

ControlApi::Match ControlApi::match(const ControlRequest &request) const
{
    Match m;
    std::vector<std::string> params;
    for (const Route &route : kRoutes) {
        if (!path_matches(route.pattern, request.path, params))
            continue;
        m.allow += m.allow.empty() ? route.method : std::string(", ") + route.method;
        if (!m.path_only)
            m.path_only = &route;
        if (!m.route && request.method == route.method) {
            m.route = &route;
            m.raw_params = params;
        }
    }
    return m;
}

std::optional<unsigned> ControlApi::authenticate(std::string_view authorization) const
{
    authorization = trim(authorization);
    if (authorization.size() < 7 || !iequals(authorization.substr(0, 6), "bearer") ||
        (authorization[6] != ' ' && authorization[6] != '\t'))
        return std::nullopt;
    std::string_view token = trim(authorization.substr(7));
    if (token.empty())
        return std::nullopt;
    const std::array<unsigned char, 32> digest = sha256(token);
    unsigned scopes = 0, matched = 0;
    for (const Token &t : tokens_) { // no early exit: every token is compared
        const unsigned equal = CRYPTO_memcmp(digest.data(), t.digest.data(), digest.size()) == 0;
        scopes |= t.scopes & (0u - equal);
        matched |= equal;
    }
    if (!matched)
        return std::nullopt;
    return scopes;
}

std::optional<ControlResponse> ControlApi::check(const ControlRequest &request, const Match &m) const
{
    const bool public_path = m.path_only && m.path_only->scope == scope_none;
    if (m.route && public_path)
        return std::nullopt;
    std::optional<unsigned> scopes;
    if (!public_path) {
        scopes = authenticate(request.authorization);
        if (!scopes) {
            ControlResponse r =
                error(401, request.authorization.empty()
                               ? "missing bearer token (send \"Authorization: Bearer <token>\")"
                               : "invalid bearer token");
            r.headers.emplace_back("WWW-Authenticate", "Bearer");
            return r;
        }
    }
    if (!m.path_only)
        return error(404, "no endpoint at this path");
    if (!m.route) {
        ControlResponse r = error(405, "method " + request.method.substr(0, 16) +
                                           " is not allowed here (allowed: " + m.allow + ")");
        r.headers.emplace_back("Allow", m.allow);
        return r;
    }
    if (!(*scopes & m.route->scope))
        return error(403,
                     m.route->scope == (scope_admin | scope_metrics)
                         ? std::string("this endpoint needs a token with the \"admin\" or \"metrics\" scope")
                         : std::string("this endpoint needs a token with the \"") +
                               std::string(scope_name(m.route->scope)) + "\" scope");
    return std::nullopt;
}

std::string_view ControlApi::endpoint_label(const Match &m)
{
    return m.route ? m.route->pattern : m.path_only ? m.path_only->pattern : "unmatched";
}

std::optional<ControlResponse> ControlApi::precheck(const ControlRequest &request)
{
    Match m = match(request);
    std::optional<ControlResponse> r = check(request, m);
    if (r)
        metrics::control(endpoint_label(m), r->status);
    return r;
}

ControlResponse ControlApi::reject(const ControlRequest &request, int status, std::string_view message)
{
    ControlResponse r = error(status, message);
    metrics::control(endpoint_label(match(request)), status);
    return r;
}

ControlResponse ControlApi::handle(const ControlRequest &request)
{
    Match m = match(request);
    ControlResponse r;
    if (std::optional<ControlResponse> refused = check(request, m))
        r = std::move(*refused);
    else if (request.body.size() > max_body_bytes_)
        r = error(413,
                  "request body is larger than the limit of " + std::to_string(max_body_bytes_) + " bytes");
    else
        r = dispatch(request, m);
    metrics::control(endpoint_label(m), r.status);
    return r;
}

ControlResponse ControlApi::handle_forwarded(const ControlRequest &request)
{
    Match m = match(request);
    ControlResponse r = m.route ? dispatch(request, m, true) : error(404, "no endpoint at this path");
    metrics::control(endpoint_label(m), r.status);
    return r;
}

ControlResponse ControlApi::dispatch(const ControlRequest &request, const Match &m, bool local)
{
    const Route &route = *m.route;
    std::vector<std::string> params(m.raw_params.size());
    for (std::size_t i = 0; i < params.size(); ++i)
        if (!control::percent_decode(m.raw_params[i], params[i]))
            return error(400, "a path parameter is not valid percent-encoding");
    JsonValue body;
    if (route.body) {
        std::string why;
        if (request.body.find_first_not_of(" \t\r\n") == std::string::npos)
            return error(400, "request body is empty: expected a JSON object");
        if (!control::parse_json(request.body, body, why))
            return error(400, "request body is not valid JSON: " + why);
        if (!body.is(JsonValue::Type::object))
            return error(400, "request body must be a JSON object");
    }
    return route.handler(Call{request, params, body, gateway_, hooks_, local});
}

} // namespace wshost

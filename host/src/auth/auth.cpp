#include "auth/auth.h"

#include "json/json_scan.h"
#include "json/name_rule.h"
#include "auth/jwt.h"
#include "base/log.h"
#include "base/text.h"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace wshost
{
namespace
{

using text::trim;

// Value of `name` in a "k=v; k2=v2" cookie header, or empty.
std::string_view cookie_value(std::string_view cookies, std::string_view name)
{
    while (!cookies.empty()) {
        std::size_t semi = cookies.find(';');
        std::string_view pair = trim(cookies.substr(0, semi));
        cookies = semi == std::string_view::npos ? std::string_view() : cookies.substr(semi + 1);
        std::size_t eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name)
            return pair.substr(eq + 1);
    }
    return {};
}

// Value of `name` in "a=1&b=2", or empty.
std::string_view query_value(std::string_view query, std::string_view name)
{
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view arg = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=')
            return arg.substr(name.size() + 1);
    }
    return {};
}

Verdict rejected(std::string reason, std::string result)
{
    Verdict v;
    v.kind = Verdict::Kind::reject;
    v.reason = std::move(reason);
    v.result = std::move(result);
    return v;
}

} // namespace

std::string_view UpgradeRequest::header(std::string_view name) const
{
    for (const auto &[k, v] : headers)
        if (k == name)
            return v;
    return {};
}

std::string find_token(const UpgradeRequest &request, const JwtConfig &config)
{
    std::string_view authorization = trim(request.header("authorization"));
    if (text::istarts_with(authorization, "bearer "))
        return std::string(trim(authorization.substr(7)));
    if (!config.cookie.empty())
        if (auto v = cookie_value(request.header("cookie"), config.cookie); !v.empty())
            return std::string(v);
    if (!config.query_param.empty())
        if (auto v = query_value(request.query, config.query_param); !v.empty())
            return std::string(v);
    return {};
}

AuthService::AuthService(const AuthConfig &config, Deliver deliver)
    : config_(config), deliver_(std::move(deliver))
{
}

Verdict AuthService::anonymous_verdict(const char *why) const
{
    // Whether anonymous clients are allowed is decided when the verdict is
    // applied, on the service thread, against the configuration in force then.
    Verdict v;
    v.kind = Verdict::Kind::anonymous;
    v.reason = why;
    v.result = "anonymous";
    return v;
}

std::optional<Verdict> AuthService::decide_jwt(const UpgradeRequest &request) const
{
    std::string token = find_token(request, config_.jwt);
    if (token.empty())
        return anonymous_verdict("no credential");
    jwt::Result r =
        jwt::verify(token, config_.jwt.keys, static_cast<int64_t>(std::time(nullptr)), config_.jwt.leeway_s);
    if (r.failure != jwt::Failure::none)
        return rejected("jwt " + std::string(jwt::failure_name(r.failure)) + ": " + r.detail,
                        jwt::failure_name(r.failure));
    Verdict v;
    v.kind = Verdict::Kind::accept;
    v.user_id = std::move(r.identity.user);
    v.tags = std::move(r.identity.tags);
    v.result = "ok";
    return v;
}

std::optional<Verdict> AuthService::begin(wsh_conn_id conn, const UpgradeRequest &request)
{
    const std::string &kind = config_.authenticator;
    if (kind == "none") {
        Verdict v;
        v.kind = Verdict::Kind::anonymous;
        v.result = "none";
        v.reason = "no authentication";
        return v;
    }
    if (kind == "jwt")
        return decide_jwt(request);
    if (!plugin_.fn)
        return rejected("no authenticator plugin", "error");

    wsh_auth_id id;
    {
        std::lock_guard lock(mu_);
        id = next_id_++;
        auto deadline = Clock::now() + std::chrono::milliseconds(config_.timeout_ms);
        pending_.emplace(id, Pending{conn, deadline, plugin_set_});
        deadlines_.emplace(deadline, id);
    }
    std::vector<wsh_tag> headers;
    headers.reserve(request.headers.size());
    for (const auto &[k, v] : request.headers)
        headers.push_back({{k.data(), k.size()}, {v.data(), v.size()}});
    wsh_auth_request req{};
    req.struct_size = sizeof req;
    req.api = plugin_.api;
    req.host = plugin_.host;
    req.auth = id;
    req.conn = conn;
    req.path = {request.path.data(), request.path.size()};
    req.query = {request.query.data(), request.query.size()};
    req.peer = {request.address.data(), request.address.size()};
    req.origin = {request.origin.data(), request.origin.size()};
    req.headers = headers.data();
    req.headers_count = headers.size();

    int status = plugin_.fn(&req, plugin_.user_data);
    if (status != WSH_OK)
        finish(id, rejected("authenticator returned status " + std::to_string(status), "error"));
    return std::nullopt;
}

bool AuthService::finish(wsh_auth_id id, Verdict verdict)
{
    wsh_conn_id conn;
    std::shared_ptr<PluginSet> set; // released after the lock
    {
        std::lock_guard lock(mu_);
        auto it = pending_.find(id);
        if (it == pending_.end())
            return false;
        conn = it->second.conn;
        set = std::move(it->second.set);
        deadlines_.erase({it->second.deadline, id});
        pending_.erase(it);
    }
    deliver_(conn, std::move(verdict));
    return true;
}

void AuthService::abandon_all()
{
    std::unordered_map<wsh_auth_id, Pending> abandoned; // dropped after the lock
    std::lock_guard lock(mu_);
    abandoned.swap(pending_);
    deadlines_.clear();
}

void AuthService::forget(wsh_conn_id conn)
{
    std::vector<std::shared_ptr<PluginSet>> released; // dropped after the lock
    std::lock_guard lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.conn == conn) {
            released.push_back(std::move(it->second.set));
            deadlines_.erase({it->second.deadline, it->first});
            it = pending_.erase(it);
        } else {
            ++it;
        }
    }
}

int AuthService::accept(wsh_auth_id id, std::string user_id, Tags tags, std::string metadata_json)
{
    if (!valid_name(user_id) || (!metadata_json.empty() && !is_json_object(metadata_json)))
        return WSH_E_INVALID;
    Verdict v;
    v.kind = Verdict::Kind::accept;
    v.user_id = std::move(user_id);
    v.tags = std::move(tags);
    v.metadata_json = std::move(metadata_json);
    v.result = "ok";
    return finish(id, std::move(v)) ? WSH_OK : WSH_E_GONE;
}

int AuthService::reject(wsh_auth_id id, std::string reason)
{
    return finish(id, rejected("authenticator rejected: " + reason, "rejected")) ? WSH_OK : WSH_E_GONE;
}

int AuthService::anonymous(wsh_auth_id id)
{
    return finish(id, anonymous_verdict("authenticator found no credential")) ? WSH_OK : WSH_E_GONE;
}

void AuthService::expire(Clock::time_point now)
{
    for (;;) {
        wsh_auth_id id;
        {
            std::lock_guard lock(mu_);
            if (deadlines_.empty() || deadlines_.begin()->first > now)
                return;
            id = deadlines_.begin()->second;
        }
        finish(id, rejected("no verdict within [auth] timeout_ms", "timeout"));
    }
}

std::optional<AuthService::Clock::time_point> AuthService::next_deadline() const
{
    std::lock_guard lock(mu_);
    if (deadlines_.empty())
        return std::nullopt;
    return deadlines_.begin()->first;
}

} // namespace wshost

// Authentication at the WebSocket upgrade (DESIGN §2): "none", the built-in
// "jwt", or a plugin's authenticator answering synchronously or later from any
// thread within [auth] timeout_ms. Verdicts are delivered through one callback
// (the server applies them on the service thread); this file decides, it does
// not touch connections.
#pragma once

#include "config/config.h"
#include "gateway/tag_index.h"

#include <wshost/plugin.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wshost
{

class LoadedPlugin;
class PluginSet;

// What the handshake carried, captured before lws frees its headers.
struct UpgradeRequest {
    std::string path;
    std::string query;       // as lws reassembled it: args joined by '&', percent-decoded
    std::string origin;      // empty when absent
    std::string address;     // the client's address (after trusted proxies)
    std::string subprotocol; // the one selected; empty: none
    std::vector<std::pair<std::string, std::string>> headers; // lowercase names

    std::string_view header(std::string_view name) const;
};

struct Verdict {
    enum class Kind { accept, anonymous, reject };
    Kind kind = Kind::reject;
    std::string user_id;
    Tags tags;
    std::string metadata_json; // "{}" or empty when none
    std::string reason;        // why (for the server log only; never a credential)
    std::string result;        // metrics label: "ok", "anonymous", "rejected", "expired", ...
};

// The plugin authenticator as registered through the ABI.
struct PluginAuthenticator {
    LoadedPlugin *plugin = nullptr;
    wsh_host *host = nullptr;          // the plugin's handle and the host's function
    const wsh_host_api *api = nullptr; // table, for the calls it makes back
    wsh_auth_fn fn = nullptr;
    void *user_data = nullptr;
    std::vector<std::string> extra_headers; // lowercase
};

class AuthService
{
  public:
    using Clock = std::chrono::steady_clock;
    using Deliver = std::function<void(wsh_conn_id, Verdict)>; // any thread

    AuthService(const AuthConfig &config, Deliver deliver);

    // Service thread. `set` is the generation that holds the plugin: a decision
    // in progress keeps it loaded.
    void set_plugin(const PluginAuthenticator &plugin, std::shared_ptr<PluginSet> set)
    {
        plugin_ = plugin;
        plugin_set_ = std::move(set);
    }
    const PluginAuthenticator &plugin() const { return plugin_; }

    // Service thread. Decides now, or (plugin authenticator) starts a decision
    // whose verdict reaches `deliver` later and returns nothing.
    std::optional<Verdict> begin(wsh_conn_id conn, const UpgradeRequest &request);
    // The connection closed before its verdict: a late verdict finds nothing.
    void forget(wsh_conn_id conn);

    // Any thread: a plugin's verdict. WSH_OK or WSH_E_GONE / WSH_E_INVALID.
    int accept(wsh_auth_id id, std::string user_id, Tags tags, std::string metadata_json);
    int reject(wsh_auth_id id, std::string reason);
    int anonymous(wsh_auth_id id);

    // Service thread, at shutdown: forgets every decision in progress (a later
    // verdict gets WSH_E_GONE) and lets their generations go.
    void abandon_all();

    // Service thread: rejects every decision past its deadline.
    void expire(Clock::time_point now);
    std::optional<Clock::time_point> next_deadline() const;

  private:
    std::optional<Verdict> decide_jwt(const UpgradeRequest &request) const;
    Verdict anonymous_verdict(const char *why) const;
    bool finish(wsh_auth_id id, Verdict verdict);

    const AuthConfig &config_;
    Deliver deliver_;
    PluginAuthenticator plugin_;
    std::shared_ptr<PluginSet> plugin_set_;

    mutable std::mutex mu_;
    struct Pending {
        wsh_conn_id conn;
        Clock::time_point deadline;
        std::shared_ptr<PluginSet> set;
    };
    std::unordered_map<wsh_auth_id, Pending> pending_;
    std::set<std::pair<Clock::time_point, wsh_auth_id>> deadlines_;
    wsh_auth_id next_id_ = 1;
};

// The token the client presented, from the first carrier that has one:
// Authorization: Bearer, the cookie, then the query parameter. Empty if none.
std::string find_token(const UpgradeRequest &request, const JwtConfig &config);

} // namespace wshost

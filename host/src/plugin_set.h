// A generation of loaded plugins: the shared objects, their registered
// actions and hooks. Built in one go by PluginSet::load() (ABI checks before
// any plugin code runs, then init), torn down by the destructor (fini, then
// dlclose, in reverse order).
#pragma once

#include <wshost/plugin.h>

#include "auth.h"
#include "config.h"

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace wshost {
class LoadedPlugin;
}

// The opaque handle the ABI hands each plugin. Defined here, never seen by plugins.
struct wsh_host {
    wshost::LoadedPlugin *plugin;
};

namespace wshost {

class ReplyRegistry;
class Gateway;
class AuthService;

// What plugins' calls into the host reach. All null for --check-config, where
// such calls answer WSH_E_GONE.
struct HostServices {
    ReplyRegistry *replies = nullptr;
    Gateway *gateway = nullptr;
    AuthService *auth = nullptr;
};

struct Action {
    std::string name;
    wsh_action_fn fn = nullptr;
    void *user_data = nullptr;
    LoadedPlugin *plugin = nullptr;
    int timeout_ms = 0;
};

struct Hook {
    wsh_hook_fn fn = nullptr;
    void *user_data = nullptr;
    LoadedPlugin *plugin = nullptr;
};

class PluginSet;

class LoadedPlugin {
public:
    LoadedPlugin(const PluginConfig &config, PluginSet &set);
    ~LoadedPlugin();
    LoadedPlugin(const LoadedPlugin &) = delete;
    LoadedPlugin &operator=(const LoadedPlugin &) = delete;

    const PluginConfig &config() const { return config_; }
    const std::string &name() const { return config_.name; }
    const std::string &version() const { return version_; }
    bool blocking() const { return config_.blocking; }
    bool registering() const { return registering_; }
    PluginSet &set() { return set_; }
    wsh_host *handle() { return &handle_; }

    // Opens the file and runs every ABI check; on failure returns the reason
    // (without the "plugin 'NAME': " prefix). No plugin code runs but the entry.
    std::string open();
    // Calls init; on failure returns the reason.
    std::string init();

    // Handlers currently running or awaiting a reply (reload drains on it).
    std::atomic<int> inflight{0};

private:
    PluginConfig config_;
    PluginSet &set_;
    wsh_host handle_{this};
    std::string version_;
    void *dl_ = nullptr;
    int copy_fd_ = -1; // the memfd holding our private copy of the file
    const wsh_plugin_def *def_ = nullptr;
    void *state_ = nullptr;
    bool initialized_ = false;
    bool registering_ = false;
};

class PluginSet {
public:
    // Loads every [[plugin]] of `config`, then checks that [auth] names a
    // plugin that registered an authenticator. On any failure, everything
    // loaded so far is unloaded again and the errors are returned.
    static std::unique_ptr<PluginSet> load(const Config &config, const HostServices &services,
                                           std::vector<ConfigError> &errors);
    ~PluginSet();

    const Action *find_action(std::string_view name) const;
    // The actions `plugin` registered, sorted.
    std::vector<std::string> actions_of(const LoadedPlugin &plugin) const;
    const std::vector<Hook> &hooks(wsh_hook_kind kind) const { return hooks_[kind]; }
    const std::vector<std::unique_ptr<LoadedPlugin>> &plugins() const { return plugins_; }
    ReplyRegistry *replies() const { return services_.replies; }
    Gateway *gateway() const { return services_.gateway; }
    AuthService *auth() const { return services_.auth; }
    // The authenticator [auth] names ("plugin:NAME"), if any.
    const PluginAuthenticator *authenticator() const { return authenticator_ ? &*authenticator_ : nullptr; }

    // Registration, called through the ABI while a plugin's init runs.
    int register_action(LoadedPlugin &plugin, std::string_view name, wsh_action_fn fn, void *user_data);
    int register_hook(LoadedPlugin &plugin, wsh_hook_kind kind, wsh_hook_fn fn, void *user_data);
    int register_authenticator(LoadedPlugin &plugin, PluginAuthenticator authenticator);

private:
    PluginSet() = default;
    bool choose_authenticator(const Config &config, std::vector<ConfigError> &errors);

    HostServices services_;
    std::vector<PluginAuthenticator> authenticators_; // every registration
    std::optional<PluginAuthenticator> authenticator_; // the one in use
    std::vector<std::unique_ptr<LoadedPlugin>> plugins_; // in load order
    std::unordered_map<std::string, Action> actions_;
    std::array<std::vector<Hook>, WSH_HOOK_KIND_COUNT> hooks_;
    // Set while init of this plugin runs, for "already registered by" messages.
    std::string duplicate_error_;
    friend class LoadedPlugin;
};

// The function table handed to every plugin.
const wsh_host_api *host_api_table();

// Fires `kind` on every plugin that registered it (service thread).
void fire_hook(const PluginSet &set, const wsh_event &event);

} // namespace wshost

// A generation of loaded plugins: the shared objects, their registered
// actions and hooks. Built in one go by PluginSet::load() (ABI checks before
// any plugin code runs, then init), torn down by the destructor (fini, then
// dlclose, in reverse order). A plugin that opts into lighter reloads is
// shared by consecutive generations: it goes when the last one holding it does.
#pragma once

#include <wshost/plugin.h>

#include "auth/auth.h"
#include "config/config.h"
#include "base/metrics.h"

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace wshost
{
class LoadedPlugin;
}

// The opaque handle the ABI hands each plugin. Defined here, never seen by plugins.
struct wsh_host {
    wshost::LoadedPlugin *plugin;
};

namespace wshost
{

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
    metrics::ActionMetrics *metrics = nullptr; // its wshost_actions_total / duration samples
};

struct Hook {
    wsh_hook_fn fn = nullptr;
    void *user_data = nullptr;
    LoadedPlugin *plugin = nullptr;
};

// A plugin's message handler: every message of the raw endpoints naming it.
struct MessageHandler {
    wsh_message_fn fn = nullptr;
    void *user_data = nullptr;
    LoadedPlugin *plugin = nullptr;
};

class PluginSet;

class LoadedPlugin
{
  public:
    LoadedPlugin(const PluginConfig &config, const HostServices &services);
    ~LoadedPlugin();
    LoadedPlugin(const LoadedPlugin &) = delete;
    LoadedPlugin &operator=(const LoadedPlugin &) = delete;

    const PluginConfig &config() const { return config_; }
    const std::string &name() const { return config_.name; }
    const std::string &version() const { return version_; }
    bool blocking() const { return config_.blocking; }
    // The ABI minor version the plugin was built against (valid after open()):
    // host functions answer what that version documents.
    uint16_t abi_minor() const { return def_ ? def_->abi_minor : 0; }
    const HostServices &services() const { return services_; }
    // The generation this plugin's init is registering into; null outside init.
    PluginSet *registering_into() const { return registering_into_; }
    wsh_host *handle() { return &handle_; }

    // Opens the file and runs every ABI check; on failure returns the reason
    // (without the "plugin 'NAME': " prefix). No plugin code runs but the entry.
    std::string open();
    // Calls init, registering into `set`; on failure returns the reason.
    std::string init(PluginSet &set);

    // Lighter reloads (wsh_plugin_def.reload); reload thread only.
    // True when the plugin opted in and `next` keeps its file and settings.
    bool can_reload_with(const PluginConfig &next) const;
    // Hands the plugin `config_json`; on refusal returns the reason.
    std::string reload(const std::string &config_json);
    // The [plugin.config] JSON now in effect (init's, then each accepted reload's).
    const std::string &applied_config() const { return applied_config_; }

  private:
    bool same_file_as_loaded() const;

    PluginConfig config_;
    HostServices services_;
    PluginSet *registering_into_ = nullptr;
    std::string applied_config_;
    wsh_host handle_{this};
    std::string version_;
    void *dl_ = nullptr;
    int copy_fd_ = -1; // the memfd holding our private copy of the file
    const wsh_plugin_def *def_ = nullptr;
    void *state_ = nullptr;
    bool initialized_ = false;
};

class PluginSet
{
  public:
    // Loads every [[plugin]] of `config`, then checks that [auth] names a
    // plugin that registered an authenticator and that each raw [[endpoint]]'s
    // handler registered a message handler. On any failure, everything
    // loaded so far is unloaded again and the errors are returned. With
    // `running` (a reload), plugins that opted into lighter reloads and kept
    // their file and settings are carried over from it and get reload(config)
    // once everything else has loaded; a refusal rolls the others back.
    static std::unique_ptr<PluginSet> load(const Config &config, const HostServices &services,
                                           std::vector<ConfigError> &errors,
                                           const PluginSet *running = nullptr);
    ~PluginSet();

    const Action *find_action(std::string_view name) const;
    // The actions `plugin` registered, sorted.
    std::vector<std::string> actions_of(const LoadedPlugin &plugin) const;
    const std::vector<Hook> &hooks(wsh_hook_kind kind) const { return hooks_[kind]; }
    // The message handler plugin `name` registered, or null.
    const MessageHandler *message_handler(std::string_view name) const;
    const std::vector<std::shared_ptr<LoadedPlugin>> &plugins() const { return plugins_; }
    // True when `plugin` was carried over from the previous generation.
    bool carried_over(const LoadedPlugin &plugin) const;
    ReplyRegistry *replies() const { return services_.replies; }
    Gateway *gateway() const { return services_.gateway; }
    AuthService *auth() const { return services_.auth; }
    // The authenticator [auth] names ("plugin:NAME"), if any.
    const PluginAuthenticator *authenticator() const { return authenticator_ ? &*authenticator_ : nullptr; }

    // Registration, called through the ABI while a plugin's init runs.
    int register_action(LoadedPlugin &plugin, std::string_view name, wsh_action_fn fn, void *user_data);
    int register_hook(LoadedPlugin &plugin, wsh_hook_kind kind, wsh_hook_fn fn, void *user_data);
    int register_authenticator(LoadedPlugin &plugin, PluginAuthenticator authenticator);
    int register_message_handler(LoadedPlugin &plugin, wsh_message_fn fn, void *user_data);

  private:
    PluginSet() = default;
    bool choose_authenticator(const Config &config, std::vector<ConfigError> &errors);
    bool check_endpoints(const Config &config, std::vector<ConfigError> &errors) const;
    // Copies what `plugin` registered in `from` (it runs no init here).
    std::string adopt(const PluginSet &from, const std::shared_ptr<LoadedPlugin> &plugin);
    // The running plugin that can take `next` through a lighter reload, if any.
    std::shared_ptr<LoadedPlugin> reloadable(const PluginConfig &next) const;
    bool reload_carried(const Config &config, std::vector<ConfigError> &errors);

    HostServices services_;
    std::vector<PluginAuthenticator> authenticators_;    // every registration
    std::optional<PluginAuthenticator> authenticator_;   // the one in use
    std::vector<std::shared_ptr<LoadedPlugin>> plugins_; // in load order
    std::vector<LoadedPlugin *> carried_;                // kept from the previous generation
    // Found by the client's action name without copying it into a string.
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
    };
    std::unordered_map<std::string, Action, NameHash, std::equal_to<>> actions_;
    std::array<std::vector<Hook>, WSH_HOOK_KIND_COUNT> hooks_;
    std::vector<MessageHandler> message_handlers_; // at most one per plugin
    // Set while init of this plugin runs, for "already registered by" messages.
    std::string duplicate_error_;
    friend class LoadedPlugin;
};

// The function table handed to every plugin.
const wsh_host_api *host_api_table();

} // namespace wshost

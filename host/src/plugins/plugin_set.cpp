#include "plugins/plugin_set.h"

#include "plugins/elf_unique.h"
#include "base/log.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>

#include <cstring>

namespace wshost
{
namespace
{

// Copies the file at `path` into an anonymous memory file; returns its fd.
int private_copy(const std::string &path, std::string &error)
{
    int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        error = std::strerror(errno);
        return -1;
    }
    std::string name = "wshost:" + path.substr(path.find_last_of('/') + 1);
    int out = memfd_create(name.c_str(), MFD_CLOEXEC);
    if (out < 0) {
        error = std::string("memfd_create: ") + std::strerror(errno);
        ::close(in);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    while ((n = ::read(in, buf, sizeof buf)) > 0)
        for (ssize_t done = 0; done < n;) {
            ssize_t w = ::write(out, buf + done, static_cast<std::size_t>(n - done));
            if (w < 0) {
                n = -1;
                break;
            }
            done += w;
        }
    if (n < 0) {
        error = std::strerror(errno);
        ::close(in);
        ::close(out);
        return -1;
    }
    ::close(in);
    return out;
}

} // namespace

LoadedPlugin::LoadedPlugin(const PluginConfig &config, const HostServices &services)
    : config_(config), services_(services), applied_config_(config.config_json)
{
}

LoadedPlugin::~LoadedPlugin()
{
    if (initialized_ && def_->fini)
        def_->fini(state_);
    if (dl_)
        dlclose(dl_);
    if (copy_fd_ >= 0)
        ::close(copy_fd_);
}

std::string LoadedPlugin::open()
{
    const std::string &path = config_.resolved;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        return "file not found: " + path;

    // Load a private copy: dlopen() of a path that is already loaded returns
    // the cached handle, so a reload of an unchanged path would run old code.
    std::string copy_error;
    int fd = private_copy(path, copy_error);
    if (fd < 0)
        return "cannot read " + path + ": " + copy_error;
    std::string fd_path = "/proc/self/fd/" + std::to_string(fd);
    // RTLD_LOCAL keeps plugins from seeing each other's symbols.
    dl_ = dlopen(fd_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    // Keep the fd open while loaded: glibc finds loaded objects by name, and a
    // reused fd number would hand a later plugin this one's cached handle.
    copy_fd_ = fd;
    if (!dl_) {
        const char *why = dlerror();
        std::string text = why ? why : "unknown error";
        if (auto at = text.find(fd_path); at != std::string::npos)
            text.replace(at, fd_path.size(), path);
        return "not a loadable shared object: " + path + ": " + text;
    }
    auto entry = reinterpret_cast<wsh_plugin_entry_fn>(dlsym(dl_, WSH_PLUGIN_ENTRY_SYMBOL));
    if (!entry)
        return "no " WSH_PLUGIN_ENTRY_SYMBOL " symbol in " + path;

    def_ = entry();
    if (!def_)
        return WSH_PLUGIN_ENTRY_SYMBOL "() returned NULL";
    if (def_->struct_size < WSH_PLUGIN_DEF_MIN_SIZE)
        return "definition struct too small: plugin " + std::to_string(def_->struct_size) +
               " bytes, host needs at least " + std::to_string(WSH_PLUGIN_DEF_MIN_SIZE);
    if (def_->abi_major != WSH_ABI_MAJOR)
        return "ABI major mismatch: plugin " + std::to_string(def_->abi_major) + ", host " +
               std::to_string(WSH_ABI_MAJOR);
    if (def_->abi_minor > WSH_ABI_MINOR)
        return "ABI minor too new: plugin " + std::to_string(def_->abi_major) + "." +
               std::to_string(def_->abi_minor) + ", host " + std::to_string(WSH_ABI_MAJOR) + "." +
               std::to_string(WSH_ABI_MINOR);
    std::string plugin_name = def_->name ? def_->name : "";
    if (plugin_name != config_.name)
        return "name mismatch: plugin says '" + plugin_name + "', config says '" + config_.name + "'";
    if (!def_->init)
        return "definition has no init function";
    version_ = def_->version ? def_->version : "";

    if (has_gnu_unique_symbols(path))
        log_event(LogLevel::warn, LogFields("plugin_gnu_unique").plugin(config_.name),
                  "plugin '%s': %s carries STB_GNU_UNIQUE symbols and can never be unloaded; "
                  "build it with -fno-gnu-unique (wshost_add_plugin does)",
                  config_.name.c_str(), path.c_str());
    return {};
}

std::string LoadedPlugin::init(PluginSet &set)
{
    wsh_init_args args{};
    args.struct_size = sizeof args;
    args.api = host_api_table();
    args.host = &handle_;
    args.plugin_name = {config_.name.data(), config_.name.size()};
    args.config_json = {config_.config_json.data(), config_.config_json.size()};

    registering_into_ = &set;
    set.duplicate_error_.clear();
    int status = def_->init(&args, &state_);
    registering_into_ = nullptr;
    initialized_ = status == WSH_OK; // from here on, fini runs on unload
    // A refused duplicate is the real reason even when init then failed on it.
    if (!set.duplicate_error_.empty())
        return set.duplicate_error_;
    if (status != WSH_OK)
        return "init failed (status " + std::to_string(status) + ")";
    return {};
}

bool LoadedPlugin::can_reload_with(const PluginConfig &next) const
{
    bool opted_in = initialized_ && WSH_STRUCT_HAS(wsh_plugin_def, def_, reload) && def_->reload;
    return opted_in && next.name == config_.name && next.resolved == config_.resolved &&
           next.blocking == config_.blocking && next.timeout_ms == config_.timeout_ms &&
           next.action_timeouts_ms == config_.action_timeouts_ms && same_file_as_loaded();
}

// Compares the file on disk with the private copy this instance runs from.
bool LoadedPlugin::same_file_as_loaded() const
{
    int fd = ::open(config_.resolved.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat disk, copy;
    bool same = ::fstat(fd, &disk) == 0 && ::fstat(copy_fd_, &copy) == 0 && disk.st_size == copy.st_size;
    char a[65536], b[65536];
    for (off_t at = 0; same && at < disk.st_size;) {
        ssize_t n = ::pread(fd, a, sizeof a, at);
        same = n > 0 && ::pread(copy_fd_, b, static_cast<std::size_t>(n), at) == n &&
               std::memcmp(a, b, static_cast<std::size_t>(n)) == 0;
        at += n > 0 ? n : 0;
    }
    ::close(fd);
    return same;
}

std::string LoadedPlugin::reload(const std::string &config_json)
{
    int status = def_->reload(state_, {config_json.data(), config_json.size()});
    if (status != WSH_OK)
        return "reload failed (status " + std::to_string(status) + ")";
    applied_config_ = config_json;
    return {};
}

std::unique_ptr<PluginSet> PluginSet::load(const Config &config, const HostServices &services,
                                           std::vector<ConfigError> &errors, const PluginSet *running)
{
    std::unique_ptr<PluginSet> set(new PluginSet());
    set->services_ = services;
    bool ok = true;
    for (const PluginConfig &pc : config.plugins) {
        std::string why;
        if (auto kept = running ? running->reloadable(pc) : nullptr) {
            why = set->adopt(*running, kept);
        } else {
            auto plugin = std::make_shared<LoadedPlugin>(pc, services);
            set->plugins_.push_back(plugin);
            why = plugin->open();
            if (why.empty())
                why = plugin->init(*set);
        }
        if (!why.empty()) {
            errors.push_back({pc.pos, "plugin '" + pc.name + "': " + why});
            ok = false;
        }
    }
    if (ok)
        ok = set->choose_authenticator(config, errors);
    if (ok)
        ok = set->check_endpoints(config, errors);
    // Last, so that a refusal elsewhere never leaves a kept plugin on the new config.
    if (ok)
        ok = set->reload_carried(config, errors);
    if (!ok)
        return nullptr; // the destructor unloads what was loaded
    return set;
}

std::shared_ptr<LoadedPlugin> PluginSet::reloadable(const PluginConfig &next) const
{
    for (const auto &p : plugins_)
        if (p->name() == next.name)
            return p->can_reload_with(next) ? p : nullptr;
    return nullptr;
}

std::string PluginSet::adopt(const PluginSet &from, const std::shared_ptr<LoadedPlugin> &plugin)
{
    plugins_.push_back(plugin);
    carried_.push_back(plugin.get());
    for (const auto &[name, action] : from.actions_) {
        if (action.plugin != plugin.get())
            continue;
        if (auto it = actions_.find(name); it != actions_.end())
            return "duplicate action '" + name + "' (already registered by plugin '" +
                   it->second.plugin->name() + "')";
        actions_.emplace(name, action);
    }
    for (std::size_t kind = 0; kind < hooks_.size(); ++kind)
        for (const Hook &h : from.hooks_[kind])
            if (h.plugin == plugin.get())
                hooks_[kind].push_back(h);
    for (const PluginAuthenticator &a : from.authenticators_)
        if (a.plugin == plugin.get())
            authenticators_.push_back(a);
    for (const MessageHandler &m : from.message_handlers_)
        if (m.plugin == plugin.get())
            message_handlers_.push_back(m);
    return {};
}

bool PluginSet::reload_carried(const Config &config, std::vector<ConfigError> &errors)
{
    std::vector<std::pair<LoadedPlugin *, std::string>> applied; // with the config each had before
    for (const PluginConfig &pc : config.plugins) {
        auto it = std::find_if(carried_.begin(), carried_.end(),
                               [&](LoadedPlugin *p) { return p->name() == pc.name; });
        if (it == carried_.end())
            continue;
        std::string before = (*it)->applied_config();
        std::string why = (*it)->reload(pc.config_json);
        if (why.empty()) {
            applied.emplace_back(*it, std::move(before));
            continue;
        }
        errors.push_back({pc.pos, "plugin '" + pc.name + "': " + why});
        for (auto &[plugin, previous] : applied)
            if (std::string undo = plugin->reload(previous); !undo.empty())
                log_event(LogLevel::error, LogFields("plugin_rollback_failed").plugin(plugin->name()),
                          "plugin '%s': rolling back to its previous config: %s", plugin->name().c_str(),
                          undo.c_str());
        return false;
    }
    return true;
}

bool PluginSet::carried_over(const LoadedPlugin &plugin) const
{
    return std::find(carried_.begin(), carried_.end(), &plugin) != carried_.end();
}

bool PluginSet::choose_authenticator(const Config &config, std::vector<ConfigError> &errors)
{
    const std::string &chosen = config.auth.authenticator;
    SourcePos where{config.file, 0, 0};
    if (authenticators_.size() > 1) {
        std::string names;
        for (const auto &a : authenticators_)
            names += (names.empty() ? "'" : ", '") + a.plugin->name() + "'";
        errors.push_back({where, "more than one plugin registers an authenticator (" + names +
                                     "); load only the one [auth] authenticator names"});
        return false;
    }
    if (chosen.rfind("plugin:", 0) != 0)
        return true;
    std::string name = chosen.substr(7);
    for (const auto &a : authenticators_)
        if (a.plugin->name() == name) {
            authenticator_ = a;
            return true;
        }
    errors.push_back({where, "[auth] authenticator = \"" + chosen + "\": plugin '" + name +
                                 "' registers no authenticator"});
    return false;
}

int PluginSet::register_authenticator(LoadedPlugin &plugin, PluginAuthenticator authenticator)
{
    if (plugin.registering_into() != this)
        return WSH_E_STATE;
    if (!authenticator.fn)
        return WSH_E_INVALID;
    for (const auto &a : authenticators_)
        if (a.plugin == &plugin)
            return WSH_E_EXISTS;
    authenticator.plugin = &plugin;
    authenticator.host = plugin.handle();
    authenticator.api = host_api_table();
    authenticators_.push_back(std::move(authenticator));
    return WSH_OK;
}

PluginSet::~PluginSet()
{
    // Reverse order: a later plugin may rely on an earlier one's state.
    while (!plugins_.empty())
        plugins_.pop_back();
}

const MessageHandler *PluginSet::message_handler(std::string_view name) const
{
    for (const MessageHandler &m : message_handlers_)
        if (m.plugin->name() == name)
            return &m;
    return nullptr;
}

bool PluginSet::check_endpoints(const Config &config, std::vector<ConfigError> &errors) const
{
    bool ok = true;
    for (const EndpointConfig &e : config.endpoints)
        if (e.protocol == EndpointProtocol::raw && !message_handler(e.handler)) {
            errors.push_back({e.pos, "[[endpoint]] '" + e.path + "': plugin '" + e.handler +
                                         "' registers no message handler"});
            ok = false;
        }
    return ok;
}

const Action *PluginSet::find_action(std::string_view name) const
{
    auto it = actions_.find(name);
    return it == actions_.end() ? nullptr : &it->second;
}

std::vector<std::string> PluginSet::actions_of(const LoadedPlugin &plugin) const
{
    std::vector<std::string> names;
    for (const auto &[name, action] : actions_)
        if (action.plugin == &plugin)
            names.push_back(name);
    std::sort(names.begin(), names.end());
    return names;
}

int PluginSet::register_action(LoadedPlugin &plugin, std::string_view name, wsh_action_fn fn, void *user_data)
{
    if (plugin.registering_into() != this)
        return WSH_E_STATE;
    if (name.empty() || name.size() > 128 || !fn || std::memchr(name.data(), '\0', name.size()))
        return WSH_E_INVALID;
    std::string key(name);
    if (auto it = actions_.find(key); it != actions_.end()) {
        if (duplicate_error_.empty())
            duplicate_error_ = "duplicate action '" + key + "' (already registered by plugin '" +
                               it->second.plugin->name() + "')";
        return WSH_E_EXISTS;
    }
    const PluginConfig &pc = plugin.config();
    auto timeout = pc.action_timeouts_ms.find(key);
    Action action{key,
                  fn,
                  user_data,
                  &plugin,
                  timeout == pc.action_timeouts_ms.end() ? pc.timeout_ms : timeout->second,
                  metrics::action_metrics(key)};
    actions_.emplace(std::move(key), std::move(action));
    return WSH_OK;
}

int PluginSet::register_hook(LoadedPlugin &plugin, wsh_hook_kind kind, wsh_hook_fn fn, void *user_data)
{
    if (plugin.registering_into() != this)
        return WSH_E_STATE;
    if (static_cast<unsigned>(kind) >= WSH_HOOK_KIND_COUNT || !fn)
        return WSH_E_INVALID;
    for (const Hook &h : hooks_[kind])
        if (h.plugin == &plugin)
            return WSH_E_EXISTS;
    hooks_[kind].push_back({fn, user_data, &plugin});
    return WSH_OK;
}

int PluginSet::register_message_handler(LoadedPlugin &plugin, wsh_message_fn fn, void *user_data)
{
    if (plugin.registering_into() != this)
        return WSH_E_STATE;
    if (!fn)
        return WSH_E_INVALID;
    for (const MessageHandler &m : message_handlers_)
        if (m.plugin == &plugin)
            return WSH_E_EXISTS;
    message_handlers_.push_back({fn, user_data, &plugin});
    return WSH_OK;
}

} // namespace wshost

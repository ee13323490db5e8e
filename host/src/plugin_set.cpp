#include "plugin_set.h"

#include "elf_unique.h"
#include "log.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <cstring>

namespace wshost {
namespace {

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

LoadedPlugin::LoadedPlugin(const PluginConfig &config, PluginSet &set) : config_(config), set_(set) {}

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
        WSH_LOG_WARN("plugin '%s': %s carries STB_GNU_UNIQUE symbols and can never be unloaded; "
                     "build it with -fno-gnu-unique (wshost_add_plugin does)",
                     config_.name.c_str(), path.c_str());
    return {};
}

std::string LoadedPlugin::init()
{
    wsh_init_args args{};
    args.struct_size = sizeof args;
    args.api = host_api_table();
    args.host = &handle_;
    args.plugin_name = {config_.name.data(), config_.name.size()};
    args.config_json = {config_.config_json.data(), config_.config_json.size()};

    registering_ = true;
    set_.duplicate_error_.clear();
    int status = def_->init(&args, &state_);
    registering_ = false;
    initialized_ = status == WSH_OK; // from here on, fini runs on unload
    // A refused duplicate is the real reason even when init then failed on it.
    if (!set_.duplicate_error_.empty())
        return set_.duplicate_error_;
    if (status != WSH_OK)
        return "init failed (status " + std::to_string(status) + ")";
    return {};
}

std::unique_ptr<PluginSet> PluginSet::load(const Config &config, const HostServices &services,
                                           std::vector<ConfigError> &errors)
{
    std::unique_ptr<PluginSet> set(new PluginSet());
    set->services_ = services;
    bool ok = true;
    for (const PluginConfig &pc : config.plugins) {
        auto plugin = std::make_unique<LoadedPlugin>(pc, *set);
        std::string why = plugin->open();
        LoadedPlugin *raw = plugin.get();
        set->plugins_.push_back(std::move(plugin));
        if (why.empty())
            why = raw->init();
        if (!why.empty()) {
            errors.push_back({pc.pos, "plugin '" + pc.name + "': " + why});
            ok = false;
        }
    }
    if (ok)
        ok = set->choose_authenticator(config, errors);
    if (!ok)
        return nullptr; // the destructor unloads what was loaded
    return set;
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
    if (!plugin.registering())
        return WSH_E_STATE;
    if (!authenticator.fn)
        return WSH_E_INVALID;
    for (const auto &a : authenticators_)
        if (a.plugin == &plugin)
            return WSH_E_EXISTS;
    authenticator.plugin = &plugin;
    authenticators_.push_back(std::move(authenticator));
    return WSH_OK;
}

PluginSet::~PluginSet()
{
    // Reverse order: a later plugin may rely on an earlier one's state.
    while (!plugins_.empty())
        plugins_.pop_back();
}

const Action *PluginSet::find_action(std::string_view name) const
{
    auto it = actions_.find(std::string(name));
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

int PluginSet::register_action(LoadedPlugin &plugin, std::string_view name, wsh_action_fn fn,
                               void *user_data)
{
    if (!plugin.registering())
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
    Action action{key, fn, user_data, &plugin,
                  timeout == pc.action_timeouts_ms.end() ? pc.timeout_ms : timeout->second};
    actions_.emplace(std::move(key), std::move(action));
    return WSH_OK;
}

int PluginSet::register_hook(LoadedPlugin &plugin, wsh_hook_kind kind, wsh_hook_fn fn, void *user_data)
{
    if (!plugin.registering())
        return WSH_E_STATE;
    if (static_cast<unsigned>(kind) >= WSH_HOOK_KIND_COUNT || !fn)
        return WSH_E_INVALID;
    for (const Hook &h : hooks_[kind])
        if (h.plugin == &plugin)
            return WSH_E_EXISTS;
    hooks_[kind].push_back({fn, user_data, &plugin});
    return WSH_OK;
}

void fire_hook(const PluginSet &set, const wsh_event &event)
{
    for (const Hook &h : set.hooks(event.kind))
        h.fn(&event, h.user_data);
}

} // namespace wshost

#include "plugins/generations.h"

#include "auth/auth.h"
#include "base/json_writer.h"
#include "base/log.h"

namespace wshost
{
namespace
{

struct PreparedGeneration : PreparedReload {
    Config config;
    std::shared_ptr<PluginSet> plugins;
};

} // namespace

Generations::Generations(std::string config_file, HostServices services, Dispatcher &dispatcher,
                         ServiceLoop &loop)
    : config_file_(std::move(config_file)), services_(services), dispatcher_(dispatcher), loop_(loop)
{
}

Generations::~Generations()
{
    stop_reloads();
}

std::shared_ptr<PluginSet>
Generations::load_generation(const Config &config, std::vector<ConfigError> &errors, const PluginSet *running)
{
    std::unique_ptr<PluginSet> set = PluginSet::load(config, services_, errors, running);
    if (!set)
        return nullptr;
    ++live_;
    return std::shared_ptr<PluginSet>(set.release(), [this](PluginSet *retired) {
        loop_.post([this, retired] {
            delete retired;
            --live_;
        });
    });
}

void Generations::install(std::shared_ptr<PluginSet> set)
{
    if (const PluginAuthenticator *a = set->authenticator())
        services_.auth->set_plugin(*a, set);
    else
        services_.auth->set_plugin({}, nullptr);
    for (const auto &p : set->plugins())
        if (set->carried_over(*p))
            log_event(LogLevel::info, LogFields("plugin_kept").plugin(p->name()),
                      "plugin '%s' %s kept, its config reloaded in place", p->name().c_str(),
                      p->version().c_str());
        else
            log_event(LogLevel::info, LogFields("plugin_loaded").plugin(p->name()),
                      "plugin '%s' %s loaded from %s%s", p->name().c_str(), p->version().c_str(),
                      p->config().resolved.c_str(), p->blocking() ? " (blocking: worker pool)" : "");
    installed_ = set;
    dispatcher_.set_plugins(std::move(set));
}

void Generations::unload_all()
{
    services_.auth->set_plugin({}, nullptr);
    dispatcher_.set_plugins(nullptr);
    int waited_s = 0;
    for (;;) {
        loop_.run_posted(); // the unloads, and whatever their fini posts
        if (live_ == 0)
            return;
        if (!loop_.wait_posted(std::chrono::seconds(1)) && ++waited_s == 5)
            log_event(LogLevel::warn, LogFields("shutdown_waits"),
                      "shutdown: %d plugin generation(s) still held by a plugin thread", live_.load());
    }
}

bool Generations::load(const Config &config, std::vector<ConfigError> &errors)
{
    auto set = load_generation(config, errors);
    if (!set)
        return false;
    install(std::move(set));
    return true;
}

void Generations::start_reloads(ApplyConfig apply, Reloader::Observer observer)
{
    apply_ = std::move(apply);
    reloader_ = std::make_unique<Reloader>(
        [this](std::vector<ConfigError> &errors) { return prepare(errors); },
        [this](std::unique_ptr<PreparedReload> prepared) { return commit(std::move(prepared)); }, loop_,
        std::move(observer));
}

void Generations::stop_reloads()
{
    if (reloader_)
        reloader_->stop();
}

void Generations::request_reload(Reloader::Done done)
{
    reloader_->request(std::move(done));
}

ReloadResult Generations::reload_result() const
{
    return reloader_ ? reloader_->result() : ReloadResult{};
}

std::unique_ptr<PreparedReload> Generations::prepare(std::vector<ConfigError> &errors)
{
    ConfigLoad loaded = load_config(config_file_);
    if (!loaded.config) {
        errors = std::move(loaded.errors);
        return nullptr;
    }
    auto prepared = std::make_unique<PreparedGeneration>();
    prepared->config = std::move(*loaded.config);
    std::shared_ptr<PluginSet> running = installed_.lock();
    // init (and lighter reloads) run here, not on the loop
    prepared->plugins = load_generation(prepared->config, errors, running.get());
    if (!prepared->plugins)
        return nullptr;
    return prepared;
}

std::vector<std::string> Generations::commit(std::unique_ptr<PreparedReload> prepared)
{
    auto &next = static_cast<PreparedGeneration &>(*prepared);
    std::vector<std::string> restart = apply_ ? apply_(next.config) : std::vector<std::string>{};
    // New requests go to the new generation from here on; the old one is
    // unloaded when its last running handler, reply or verdict lets go.
    install(std::move(next.plugins));
    return restart;
}

std::string Generations::plugins_json() const
{
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    if (const auto &set = dispatcher_.plugins())
        for (const auto &p : set->plugins()) {
            w.begin_object().key("name").string(p->name()).key("version").string(p->version());
            w.key("path").string(p->config().resolved).key("blocking").boolean(p->blocking());
            w.key("actions").begin_array();
            for (const std::string &action : set->actions_of(*p))
                w.string(action);
            w.end_array().end_object();
        }
    w.end_array();
    return out;
}

} // namespace wshost

// The plugin generations (DESIGN §7): the first one, loaded at start; the
// install of each (its authenticator, then the dispatcher's action table);
// and the reload transaction the Reloader runs: prepare on the reload thread
// (the config file parsed again, the next generation loaded and its plugins
// init'ed against the running one), commit on the service thread (the
// server's reloadable settings applied, then the swap).
//
// A generation is unloaded (fini, dlclose) on the service thread once its last
// user lets go: the dispatcher, a running handler, an open reply or an
// authentication in progress. Never on a plugin's own thread.
#pragma once

#include "config/config.h"
#include "plugins/dispatcher.h"
#include "plugins/plugin_set.h"
#include "plugins/reload.h"
#include "transport/service_loop.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wshost
{

class Generations
{
  public:
    // Service thread, at each commit, before the new generation is installed:
    // applies the reloadable settings of `next`; returns those that need a restart.
    using ApplyConfig = std::function<std::vector<std::string>(const Config &next)>;

    // `services` (auth included) and `dispatcher` must outlive this.
    Generations(std::string config_file, HostServices services, Dispatcher &dispatcher, ServiceLoop &loop);
    ~Generations(); // stop_reloads()

    // Loads and installs the first generation; false with `errors` filled.
    bool load(const Config &config, std::vector<ConfigError> &errors);
    // From then on, reloads may be asked for.
    void start_reloads(ApplyConfig apply, Reloader::Observer observer);
    // An attempt under way finishes loading; its swap never runs. Idempotent.
    void stop_reloads();
    // Service thread, at shutdown, with the loop detached and the holders the
    // host owns already let go (open replies, authentications in progress):
    // uninstalls, then runs the unloads until every generation is gone. A
    // plugin thread inside a host call may still hold one for a moment; it is
    // waited for, since its release later would post to a loop that is gone.
    void unload_all();

    // Any thread: SIGHUP and POST /v1/reload end up here.
    void request_reload(Reloader::Done done = {});
    ReloadResult reload_result() const;

    // GET /v1/plugins: the serving generation's plugins. Service thread.
    std::string plugins_json() const;

  private:
    std::shared_ptr<PluginSet> load_generation(const Config &config, std::vector<ConfigError> &errors,
                                               const PluginSet *running = nullptr);
    void install(std::shared_ptr<PluginSet> set);                              // service thread
    std::unique_ptr<PreparedReload> prepare(std::vector<ConfigError> &errors); // reload thread
    std::vector<std::string> commit(std::unique_ptr<PreparedReload> prepared); // service thread

    const std::string config_file_; // only read, so safe off the service thread
    HostServices services_;
    Dispatcher &dispatcher_;
    ServiceLoop &loop_;
    ApplyConfig apply_;
    std::unique_ptr<Reloader> reloader_;
    // The generation installed last. Written by install, read by prepare: the
    // reloader never prepares while a commit is pending, so the two never
    // overlap. Weak: retiring a generation is not delayed.
    std::weak_ptr<PluginSet> installed_;
    std::atomic<int> live_{0}; // generations loaded and not yet unloaded
};

} // namespace wshost

#include "cli/commands.h"

#include "base/log.h"
#include "config/log_settings.h"
#include "plugins/plugin_set.h"

#include <cstdio>

namespace wshost
{
namespace
{

std::optional<Config> load(const std::string &path)
{
    ConfigLoad loaded = load_config(path);
    if (!loaded.config) {
        print_errors(loaded.errors);
        return std::nullopt;
    }
    apply_log_settings(loaded.config->log);
    return loaded.config;
}

} // namespace

void print_errors(const std::vector<ConfigError> &errors)
{
    for (const ConfigError &e : errors)
        std::fprintf(stderr, "%s\n", e.format().c_str());
}

std::optional<Config> load_for_serving(const std::string &path)
{
    auto config = load(path);
    if (config && !config->log.file.empty() && !set_log_file(config->log.file)) {
        std::fprintf(stderr, "%s: cannot open log file %s\n", path.c_str(), config->log.file.c_str());
        return std::nullopt;
    }
    return config;
}

int check_config(const std::string &path)
{
    auto config = load(path);
    if (!config)
        return 1;
    std::vector<ConfigError> errors;
    auto plugins = PluginSet::load(*config, HostServices{}, errors); // init, then fini when it goes
    if (!plugins) {
        print_errors(errors);
        return 1;
    }
    plugins.reset();
    std::printf("%s: OK (%zu plugin%s)\n", path.c_str(), config->plugins.size(),
                config->plugins.size() == 1 ? "" : "s");
    return 0;
}

} // namespace wshost

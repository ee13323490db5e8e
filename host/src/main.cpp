// wshost: the command line. Everything else lives in the files it names.
#include "cli.h"
#include "config/config.h"
#include "config/log_settings.h"
#include "base/log.h"
#include "plugins/plugin_set.h"
#include "server.h"

#include <cstdio>
#include <optional>

using namespace wshost;

namespace
{

void print_errors(const std::vector<ConfigError> &errors)
{
    for (const ConfigError &e : errors)
        std::fprintf(stderr, "%s\n", e.format().c_str());
}

// Loads the config and applies its [log] settings; prints errors.
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

int serve(const CliOptions &options)
{
    block_server_signals(); // before any thread exists, plugins' included
    auto config = load(options.config);
    if (!config)
        return 1;
    if (!config->log.file.empty() && !set_log_file(config->log.file)) {
        std::fprintf(stderr, "%s: cannot open log file %s\n", options.config.c_str(),
                     config->log.file.c_str());
        return 1;
    }
    Server server(std::move(*config));
    std::vector<ConfigError> errors;
    if (!server.load_plugins(errors)) {
        print_errors(errors);
        return 1;
    }
    if (!server.start(options.ready_file))
        return 1;
    return server.run();
}

} // namespace

int main(int argc, char **argv)
{
    CliOptions options;
    std::string error;
    if (!parse_cli(argc, argv, options, error)) {
        std::fprintf(stderr, "wshost: %s\n%s(wshost --help for more)\n", error.c_str(), usage_text());
        return 2;
    }
    switch (options.command) {
    case CliCommand::help:
        std::fputs(help_text(), stdout);
        return 0;
    case CliCommand::version:
        std::printf("wshost %s (plugin ABI %d.%d)\n", WSHOST_VERSION, WSH_ABI_MAJOR, WSH_ABI_MINOR);
        return 0;
    case CliCommand::check_config:
        return check_config(options.config);
    case CliCommand::serve:
        return serve(options);
    }
    return 2;
}

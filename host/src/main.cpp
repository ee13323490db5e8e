// wshost: the command line. Everything else lives in the files it names.
#include "cli/commands.h"
#include "cli/options.h"
#include "server.h"

#include <cstdio>

using namespace wshost;

namespace
{

int serve(const CliOptions &options)
{
    SignalWatch::block(); // before any thread exists, plugins' included
    auto config = load_for_serving(options.config);
    if (!config)
        return 1;
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

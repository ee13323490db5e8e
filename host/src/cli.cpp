#include "cli.h"

#include <string_view>

namespace wshost
{

const char *usage_text()
{
    return "usage: wshost --config FILE [--ready-file FILE]\n"
           "       wshost --check-config FILE\n"
           "       wshost --version | --help\n"
           "\n"
           "  --config FILE        run the server with this TOML configuration\n"
           "  --ready-file FILE    once listening, write {\"pid\":N,\"ws\":PORT} to FILE (atomically)\n"
           "  --check-config FILE  validate FILE and load every plugin (init, then fini); exit 0 if all is "
           "well\n"
           "  --version            print the version and the plugin ABI version\n"
           "  --help               print this help\n"
           "\n"
           "Signals: SIGTERM/SIGINT drain (clients get close 1001), SIGHUP reloads.\n";
}

bool parse_cli(int argc, char **argv, CliOptions &out, std::string &error)
{
    bool have_config = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value = [&](std::string &dest) {
            if (i + 1 >= argc) {
                error = std::string(arg) + " needs a value";
                return false;
            }
            dest = argv[++i];
            return true;
        };
        if (arg == "--help" || arg == "-h") {
            out.command = CliCommand::help;
            return true;
        }
        if (arg == "--version" || arg == "-V") {
            out.command = CliCommand::version;
            return true;
        }
        if (arg == "--config" || arg == "-c") {
            if (!value(out.config))
                return false;
            have_config = true;
        } else if (arg == "--check-config") {
            if (!value(out.config))
                return false;
            out.command = CliCommand::check_config;
            have_config = true;
        } else if (arg == "--ready-file") {
            if (!value(out.ready_file))
                return false;
        } else {
            error = "unknown option '" + std::string(arg) + "'";
            return false;
        }
    }
    if (!have_config) {
        error = "--config FILE is required";
        return false;
    }
    return true;
}

} // namespace wshost

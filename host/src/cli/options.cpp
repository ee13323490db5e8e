#include "cli/options.h"

#include <string_view>

namespace wshost
{

const char *usage_text()
{
    return "usage: wshost --config FILE [--ready-file FILE]\n"
           "       wshost --check-config FILE\n"
           "       wshost --version | --help\n";
}

const char *help_text()
{
    return "wshost: a WebSocket application server with plugins.\n"
           "\n"
           "usage: wshost --config FILE [--ready-file FILE]\n"
           "       wshost --check-config FILE\n"
           "       wshost --version | --help\n"
           "\n"
           "  -c, --config FILE    run the server with this TOML configuration\n"
           "  --ready-file FILE    once every listener is bound, write FILE (atomically: a temporary\n"
           "                       file, then rename) with one JSON object:\n"
           "                         pid             the server's process id\n"
           "                         ws              the WebSocket port (the bound one for port = 0)\n"
           "                         control         the control API's port (control on TCP)\n"
           "                         control_socket  the control API's Unix socket (control on a socket)\n"
           "  --check-config FILE  validate FILE and load every plugin it names (ABI checks, init,\n"
           "                       then fini); each problem is printed as FILE:LINE:COL: message\n"
           "  -V, --version        print the version and the plugin ABI version\n"
           "  -h, --help           print this help\n"
           "\n"
           "Signals: SIGTERM/SIGINT drain (clients get close 1001; exit after they are closed, or 5 s),\n"
           "SIGHUP reloads the config and the plugins (the log says \"reload generation=N ok|failed\").\n"
           "\n"
           "Exit status:\n"
           "  0  stopped after a drain, or --check-config found nothing wrong\n"
           "  1  the configuration or a plugin was refused, a listener could not be bound, or the ready\n"
           "     file could not be written\n"
           "  2  bad usage\n"
           "\n"
           "Documentation: wshost(8), wshostctl(1); the plugin ABI in <wshost/plugin.h>\n"
           "(/usr/include/wshost/plugin.h when installed); README.md, docs/control-api.md and\n"
           "plugin-api/README.md in the source tree.\n";
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

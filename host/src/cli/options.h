// Command-line parsing for the wshost binary.
#pragma once

#include <string>

namespace wshost
{

enum class CliCommand { serve, check_config, help, version };

struct CliOptions {
    CliCommand command = CliCommand::serve;
    std::string config;     // --config FILE or --check-config FILE
    std::string ready_file; // --ready-file FILE
};

// False with `error` set on bad usage.
bool parse_cli(int argc, char **argv, CliOptions &out, std::string &error);
const char *usage_text(); // the synopsis, after a usage error
const char *help_text();  // --help: options, ready-file keys, signals, exit status, docs

} // namespace wshost

// What the wshost binary does before (or instead of) serving: load the config
// and its [log] settings, and --check-config. Errors go to stderr, one
// "FILE:LINE:COL: message" a line.
#pragma once

#include "config/config.h"

#include <optional>
#include <string>
#include <vector>

namespace wshost
{

void print_errors(const std::vector<ConfigError> &errors);
// Loads the config and applies its [log] settings (log file included); prints errors.
std::optional<Config> load_for_serving(const std::string &path);
// --check-config: the config, then every plugin's init and fini. The exit status.
int check_config(const std::string &path);

} // namespace wshost

// What a reload may change in place, and what needs a restart (DESIGN §7).
#pragma once

#include "config/config.h"

#include <string>
#include <vector>

namespace wshost
{

// Settings that differ between `running` and `next` but only take effect on
// a restart (listeners, TLS, pool sizes, per-connection lws settings), by key.
std::vector<std::string> restart_required(const Config &running, const Config &next);

// Copies every reloadable setting of `next` into `running`, leaving the
// restart-only ones as they are. `running` keeps its identity (references to
// its members stay valid).
void apply_reloadable(Config &running, const Config &next);

} // namespace wshost

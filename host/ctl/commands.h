// The command table: each wshostctl command with its usage, its options, and how it turns its
// arguments into a control API request (DESIGN §6) and its answer into human output.
#pragma once

#include "args.h"
#include "http_client.h"

#include <span>
#include <string>
#include <string_view>

namespace wshost::ctl
{

// Human output for the 2xx answers of one command run (one response for most commands; every
// page for `connections --all`; /healthz then /readyz for `status`). Appends to `out`.
using Printer = void (*)(std::span<const Response> responses, std::string &out);

// How the runner drives the requests of a plan.
enum class Flow {
    single,      // one request
    paginate,    // `connections --all`: follow next_cursor until it is absent or empty
    reload_wait, // `reload`: while the answer says "running", poll GET /v1/reload
    status,      // GET /healthz, then GET /readyz whatever the first answered
};

struct Plan {
    Request request; // the first (usually only) request
    Printer print = nullptr;
    Flow flow = Flow::single;
};

// Fills `plan.request` (and may change print/flow). False with `error` set on a usage error.
using Builder = bool (*)(const ParsedArgs &args, Plan &plan, std::string &error);

struct Command {
    std::string_view name;
    std::string_view usage;   // the words after the name, e.g. "USER TEXT"
    std::string_view summary; // one line for --help
    std::span<const OptionSpec> options;
    size_t min_positionals;
    size_t max_positionals;
    Builder build; // nullptr: a local command main runs itself (`token`), no request
    Printer print; // default printer; the builder may override it
    Flow flow;     // default flow; the builder may override it
};

std::span<const Command> command_table();
const Command *find_command(std::string_view name);

// Parses `words` (after the command name) against `command` and builds its plan.
bool plan_command(const Command &command, std::span<const std::string> words, Plan &plan, std::string &error);

// "usage: wshostctl [GLOBAL OPTIONS] NAME USAGE" plus the command's summary.
std::string command_usage(const Command &command);

// Builders, by family (commands_push.cpp, commands_admin.cpp).
bool build_send_text(const ParsedArgs &, Plan &, std::string &);
bool build_multicast_text(const ParsedArgs &, Plan &, std::string &);
bool build_broadcast_text(const ParsedArgs &, Plan &, std::string &);
bool build_send_binary(const ParsedArgs &, Plan &, std::string &);
bool build_multicast_binary(const ParsedArgs &, Plan &, std::string &);
bool build_broadcast_binary(const ParsedArgs &, Plan &, std::string &);
bool build_publish(const ParsedArgs &, Plan &, std::string &);
bool build_send(const ParsedArgs &, Plan &, std::string &);
bool build_join(const ParsedArgs &, Plan &, std::string &);
bool build_leave(const ParsedArgs &, Plan &, std::string &);
bool build_tags(const ParsedArgs &, Plan &, std::string &);
bool build_disconnect(const ParsedArgs &, Plan &, std::string &);
bool build_connections(const ParsedArgs &, Plan &, std::string &);
bool build_user(const ParsedArgs &, Plan &, std::string &);
bool build_rooms(const ParsedArgs &, Plan &, std::string &);
bool build_plugins(const ParsedArgs &, Plan &, std::string &);
bool build_nodes(const ParsedArgs &, Plan &, std::string &);
bool build_reload(const ParsedArgs &, Plan &, std::string &);
bool build_reload_status(const ParsedArgs &, Plan &, std::string &);
bool build_status(const ParsedArgs &, Plan &, std::string &);
bool build_metrics(const ParsedArgs &, Plan &, std::string &);

} // namespace wshost::ctl

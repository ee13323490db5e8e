// The command table. Adding a command: its options, a row below, a builder.
#include "commands.h"

#include "output.h"

namespace wshost::ctl
{

namespace
{

constexpr std::span<const OptionSpec> none()
{
    return {};
}

constexpr OptionSpec broadcast_options[] = {
    {"--except", true, true}, // USER[,USER...]; repeatable
};
constexpr OptionSpec publish_options[] = {
    {"--tag", true, true}, // key=value; all pairs must match
};
constexpr OptionSpec send_options[] = {
    {"--connection", true, false}, {"--user", true, false},
    {"--users", true, false},      {"--room", true, false},
    {"--tag", true, true},         {"--all", false, false},
    {"--except-user", true, true}, {"--except-connection", true, true},
    {"--text", true, false},       {"--binary-file", true, false},
};
constexpr OptionSpec member_options[] = {
    {"--connection", true, false},
    {"--user", true, false},
};
constexpr OptionSpec tags_options[] = {
    {"--set", true, true},
    {"--remove", true, true},
};
constexpr OptionSpec disconnect_options[] = {
    {"--connection", true, false},
    {"--user", true, false},
    {"--code", true, false},
    {"--reason", true, false},
};
constexpr OptionSpec connections_options[] = {
    {"--limit", true, false},
    {"--cursor", true, false},
    {"--all", false, false},
    {"--local", false, false}, // this node's connections only (a cluster's lists are cluster-wide)
};
constexpr OptionSpec list_options[] = {
    {"--local", false, false},
};

// clang-format off
constexpr Command commands[] = {
    {"send-text", "USER TEXT", "send a text message to every connection of a user",
     none(), 2, 2, build_send_text, print_delivery, Flow::single},
    {"multicast-text", "USER[,USER...] TEXT", "send a text message to several users",
     none(), 2, 2, build_multicast_text, print_delivery, Flow::single},
    {"broadcast-text", "TEXT [--except USER[,USER...]]", "send a text message to everyone, but some users",
     broadcast_options, 1, 1, build_broadcast_text, print_delivery, Flow::single},
    {"send-binary", "USER FILE", "send FILE ('-' = stdin) as a binary message to a user",
     none(), 2, 2, build_send_binary, print_delivery, Flow::single},
    {"multicast-binary", "USER[,USER...] FILE", "send FILE as a binary message to several users",
     none(), 2, 2, build_multicast_binary, print_delivery, Flow::single},
    {"broadcast-binary", "FILE [--except USER[,USER...]]", "send FILE as a binary message to everyone, but some users",
     broadcast_options, 1, 1, build_broadcast_binary, print_delivery, Flow::single},
    {"publish", "--tag KEY=VALUE [--tag ...] TEXT", "send a text message to the connections whose tags all match",
     publish_options, 1, 1, build_publish, print_delivery, Flow::single},
    {"send",
     "(--connection ID | --user ID | --users A,B | --room R | --tag K=V... | --all)\n"
     "     [--except-user U[,U...]]... [--except-connection C[,C...]]... (--text TEXT | --binary-file FILE)",
     "send a message to any target of the gateway (POST /v1/send)",
     send_options, 0, 0, build_send, print_delivery, Flow::single},
    {"join", "ROOM (--connection ID | --user ID)", "add a connection, or every connection of a user, to a room",
     member_options, 1, 1, build_join, print_generic, Flow::single},
    {"leave", "ROOM (--connection ID | --user ID)", "remove a connection, or every connection of a user, from a room",
     member_options, 1, 1, build_leave, print_generic, Flow::single},
    {"tags", "ID [--set KEY=VALUE]... [--remove KEY]...", "set or remove server-side tags of connection ID",
     tags_options, 1, 1, build_tags, print_generic, Flow::single},
    {"disconnect", "(--connection ID | --user ID) [--code N] [--reason TEXT]",
     "close a connection, or every connection of a user",
     disconnect_options, 0, 0, build_disconnect, print_generic, Flow::single},
    {"connections", "[--limit N] [--cursor C] [--all] [--local]",
     "list connections (--all follows next_cursor to the end; --local: this cluster node's only)",
     connections_options, 0, 0, build_connections, print_table, Flow::single},
    {"user", "ID [--local]", "show a user's connections",
     list_options, 1, 1, build_user, print_table, Flow::single},
    {"rooms", "[ROOM] [--local]", "list rooms, or show one room's members",
     list_options, 0, 1, build_rooms, print_table, Flow::single},
    {"plugins", "", "list loaded plugins",
     none(), 0, 0, build_plugins, print_table, Flow::single},
    {"nodes", "", "list the cluster's nodes (from Redis: id, state, number, connections, last heartbeat)",
     none(), 0, 0, build_nodes, print_table, Flow::single},
    {"reload", "", "reload configuration and plugins; prints the result (errors with file:line:col)",
     none(), 0, 0, build_reload, print_reload, Flow::reload_wait},
    {"reload-status", "", "show the result of the last reload",
     none(), 0, 0, build_reload_status, print_reload, Flow::single},
    {"status", "", "health and readiness (GET /healthz and /readyz; no token needed)",
     none(), 0, 0, build_status, print_status, Flow::status},
    {"metrics", "", "print the Prometheus metrics text",
     none(), 0, 0, build_metrics, print_raw, Flow::single},
    {"token", "--config FILE --sub USER [--ttl 1h] [--kid K] [--tag k=v]...",
     "mint an HS256 JWT with a key from the config (offline; prints the token)",
     none(), 0, 0, nullptr, nullptr, Flow::single},
};
// clang-format on

} // namespace

std::span<const Command> command_table()
{
    return commands;
}

const Command *find_command(std::string_view name)
{
    for (const Command &c : commands)
        if (c.name == name)
            return &c;
    return nullptr;
}

bool plan_command(const Command &command, std::span<const std::string> words, Plan &plan, std::string &error)
{
    plan = Plan{};
    plan.print = command.print;
    plan.flow = command.flow;
    ParsedArgs args;
    if (!parse_args(words, command.options, args, error))
        return false;
    size_t n = args.positionals.size();
    if (n < command.min_positionals) {
        error = "missing arguments (expected " + std::string(command.usage) + ")";
        return false;
    }
    if (n > command.max_positionals) {
        error = "unexpected argument '" + args.positionals[command.max_positionals] + "'";
        return false;
    }
    return command.build(args, plan, error);
}

std::string command_usage(const Command &command)
{
    std::string out = "usage: wshostctl [GLOBAL OPTIONS] " + std::string(command.name);
    if (!command.usage.empty())
        out += " " + std::string(command.usage);
    out += "\n\n  " + std::string(command.summary) + "\n";
    return out;
}

} // namespace wshost::ctl

// wshostctl: command-line client of the wshost control HTTP API (DESIGN §6).
// Exit codes (also in --help, see exit_codes.h): 0 ok (2xx), 1 refused (4xx/5xx, failed reload,
// not ready), 2 usage error, 3 unreachable (connect, DNS, timeout, TLS, malformed response).
#include "commands.h"
#include "exit_codes.h"
#include "options.h"
#include "runner.h"
#include "token.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace wshost::ctl;

namespace
{

void write_all(std::FILE *f, const std::string &text)
{
    std::fwrite(text.data(), 1, text.size(), f);
}

int usage_error(const std::string &message, const Command *command)
{
    std::fprintf(stderr, "wshostctl: %s\n", message.c_str());
    if (command)
        write_all(stderr, command_usage(*command));
    else
        std::fprintf(stderr, "Try 'wshostctl --help'.\n");
    return exit_usage;
}

} // namespace

int main(int argc, char **argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    GlobalOptions options;
    std::string error;
    bool parsed = parse_global_options(
        args, [](const char *name) { return std::getenv(name); }, options, error);
    const Command *command = nullptr;
    if (!options.words.empty())
        command = find_command(options.words.front());

    if (options.version) {
        write_all(stdout, version_text());
        return exit_ok;
    }
    if (options.help || (!options.words.empty() && options.words.front() == "help")) {
        if (options.words.size() >= 2 && options.words.front() == "help")
            command = find_command(options.words[1]);
        write_all(stdout, command ? command_usage(*command) : usage_text());
        return exit_ok;
    }
    if (!parsed)
        return usage_error(error, nullptr);
    if (options.words.empty()) {
        write_all(stderr, usage_text());
        return exit_usage;
    }
    if (!command)
        return usage_error("unknown command '" + options.words.front() + "'", nullptr);
    if (command->name == "token") { // local: mints a JWT, sends nothing
        std::string out, err;
        std::span<const std::string> words(options.words);
        int code = run_token(words.subspan(1), out, err);
        write_all(stdout, out);
        write_all(stderr, err);
        return code;
    }
    Plan plan;
    std::span<const std::string> words(options.words);
    if (!plan_command(*command, words.subspan(1), plan, error))
        return usage_error(std::string(command->name) + ": " + error, command);

    ClientOptions client{options.url, options.token, options.timeout_ms, options.ca_file, options.insecure};
    RunOptions run{.json = options.json, .token_sent = !options.token.empty()};
    Outcome outcome = run_plan(plan, run, [&](const Request &r) { return send_request(client, r); });
    write_all(stdout, outcome.out);
    write_all(stderr, outcome.err);
    return outcome.exit_code;
}

#include "options.h"

#include "commands.h"
#include "payload.h"

#include <string_view>

#ifndef WSHOST_VERSION
#define WSHOST_VERSION "0.0.0"
#endif

namespace wshost::ctl
{

namespace
{

// A token goes into a header line: it must be printable, without spaces or line breaks.
bool valid_token(std::string_view token)
{
    for (char c : token) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7F)
            return false;
    }
    return !token.empty();
}

bool read_token_file(const std::string &path, std::string &token, std::string &error)
{
    if (!read_payload_file(path, token, error)) {
        error = "--token-file " + error;
        return false;
    }
    while (!token.empty() &&
           (token.back() == '\n' || token.back() == '\r' || token.back() == ' ' || token.back() == '\t'))
        token.pop_back();
    return true;
}

} // namespace

bool parse_global_options(std::span<const std::string> argv, const Getenv &getenv, GlobalOptions &out,
                          std::string &error)
{
    out = GlobalOptions{};
    std::string url_text, token, token_file, timeout;
    bool have_token = false, have_token_file = false;
    bool rest = false;
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string &arg = argv[i];
        if (rest || arg == "--") {
            rest = true;
            out.words.push_back(arg);
            continue;
        }
        std::string_view name = arg, inline_value;
        bool has_inline = false;
        if (size_t eq = name.find('='); name.starts_with("--") && eq != std::string_view::npos) {
            inline_value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_inline = true;
        }
        auto value = [&](std::string &dest) {
            if (has_inline) {
                dest = inline_value;
                return true;
            }
            if (i + 1 >= argv.size()) {
                error = std::string(name) + " needs a value";
                return false;
            }
            dest = argv[++i];
            return true;
        };
        if (name == "--url") {
            if (!value(url_text))
                return false;
        } else if (name == "--token") {
            if (!value(token))
                return false;
            have_token = true;
        } else if (name == "--token-file") {
            if (!value(token_file))
                return false;
            have_token_file = true;
        } else if (name == "--timeout") {
            if (!value(timeout))
                return false;
        } else if (name == "--cacert") {
            if (!value(out.ca_file))
                return false;
        } else if (name == "--insecure" && !has_inline) {
            out.insecure = true;
        } else if (name == "--json" && !has_inline) {
            out.json = true;
        } else if ((name == "--help" || name == "-h") && !has_inline) {
            out.help = true;
        } else if ((name == "--version" || name == "-V") && !has_inline) {
            out.version = true;
        } else {
            out.words.push_back(arg);
        }
    }

    if (url_text.empty()) {
        const char *env = getenv("WSHOST_CONTROL_URL");
        url_text = env && *env ? env : default_control_url;
    }
    if (!parse_control_url(url_text, out.url, error))
        return false;

    if (have_token && have_token_file) {
        error = "give --token or --token-file, not both";
        return false;
    }
    if (have_token_file) {
        if (!read_token_file(token_file, token, error))
            return false;
    } else if (!have_token) {
        const char *env = getenv("WSHOST_CONTROL_TOKEN");
        token = env ? env : "";
    }
    if (!token.empty() && !valid_token(token)) {
        error = "the token holds spaces or control characters (it is not shown)";
        return false;
    }
    if ((have_token || have_token_file) && token.empty()) {
        error = have_token ? "--token is empty" : "--token-file holds no token";
        return false;
    }
    out.token = token;

    if (!timeout.empty()) {
        long long seconds = 0;
        if (!parse_int(timeout, 1, 3600, seconds)) {
            error = "bad --timeout '" + timeout + "' (expected 1-3600 seconds)";
            return false;
        }
        out.timeout_ms = static_cast<int>(seconds * 1000);
    }
    return true;
}

std::string version_text()
{
    return "wshostctl " WSHOST_VERSION "\n";
}

std::string usage_text()
{
    std::string out =
        "usage: wshostctl [GLOBAL OPTIONS] COMMAND [ARGS]\n"
        "       wshostctl COMMAND --help\n"
        "\n"
        "Operates a wshost server through its control HTTP API.\n"
        "\n"
        "Global options (before or after the command):\n"
        "  --url URL           control API: http[s]://HOST:PORT[/PREFIX] or unix:/PATH/TO.sock\n"
        "                      (default: $WSHOST_CONTROL_URL, else http://127.0.0.1:8081)\n"
        "  --token TOKEN       bearer token (default: $WSHOST_CONTROL_TOKEN); never printed\n"
        "  --token-file FILE   read the token from FILE (trailing whitespace is dropped)\n"
        "  --cacert FILE       https: trust the CA certificates in FILE (PEM) instead of the\n"
        "                      system's; a self-signed server certificate can be FILE itself\n"
        "  --insecure          https: do not verify the server's certificate\n"
        "  --json              print the server's response body as is (for scripts)\n"
        "  --timeout SECONDS   per request: connect, send and receive (default 10)\n"
        "  --help, --version\n"
        "\n"
        "Commands:\n";
    for (const Command &c : command_table()) {
        std::string head = "  " + std::string(c.name);
        head += std::string(head.size() < 20 ? 20 - head.size() : 1, ' ');
        out += head + std::string(c.summary) + "\n";
    }
    out += "\n"
           "Lists of users or connections are comma-separated (A,B,C). Put '--' before an argument\n"
           "that starts with '-'. FILE '-' reads stdin. `token` works offline: it reads the config\n"
           "and prints a JWT, sending nothing. `wshostctl COMMAND --help` describes a command.\n"
           "\n"
           "Exit codes:\n"
           "  0  success (the server answered 2xx)\n"
           "  1  refused: the server answered 4xx/5xx (its message is printed on stderr), a reload\n"
           "     finished \"failed\", or `status` found the server unhealthy or not ready\n"
           "  2  usage error (bad arguments, unreadable FILE or token file; `token`: bad config or key)\n"
           "  3  unreachable: connection refused, DNS failure, timeout, TLS failure, malformed response\n";
    return out;
}

} // namespace wshost::ctl

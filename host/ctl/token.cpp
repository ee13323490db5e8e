#include "token.h"

#include "args.h"
#include "config/config.h"
#include "exit_codes.h"
#include "auth/jwt.h"

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <map>

namespace wshost::ctl
{
namespace
{

const char *kUsage =
    "usage: wshostctl token --config FILE --sub USER [--ttl 1h] [--kid KID] [--tag key=value]...\n"
    "  Mints an HS256 JWT signed with a key of [[auth.jwt.keys]] in FILE (the key\n"
    "  with --kid, else the first one; its kid goes into the header when it has one).\n"
    "  --ttl: seconds, or a number with s, m, h or d (default 1h).\n";

} // namespace

bool parse_duration(const std::string &text, long long &seconds)
{
    if (text.empty() || text[0] < '0' || text[0] > '9')
        return false;
    char *end = nullptr;
    errno = 0;
    long long n = std::strtoll(text.c_str(), &end, 10);
    if (errno || n <= 0)
        return false;
    std::string unit(end);
    long long scale = unit.empty() || unit == "s" ? 1
                      : unit == "m"               ? 60
                      : unit == "h"               ? 3600
                      : unit == "d"               ? 86400
                                                  : 0;
    if (!scale || n > (1LL << 40) / scale)
        return false;
    seconds = n * scale;
    return true;
}

int run_token(std::span<const std::string> args, std::string &out, std::string &err)
{
    static constexpr OptionSpec options[] = {
        {"--config", true, false}, {"--sub", true, false}, {"--ttl", true, false},
        {"--kid", true, false},    {"--tag", true, true},
    };
    ParsedArgs parsed;
    std::string error;
    if (parse_args(args, options, parsed, error) && !parsed.positionals.empty())
        error = "unexpected argument '" + parsed.positionals.front() + "'";
    std::map<std::string, std::string> tags;
    for (const std::string &tag : parsed.values("--tag")) {
        std::string key, value;
        if (!split_tag(tag, key, value) || value.empty())
            error = "--tag wants key=value, got '" + tag + "'";
        tags[key] = value;
    }
    if (!error.empty()) {
        err = "wshostctl token: " + error + "\n" + kUsage;
        return exit_usage;
    }
    const std::string config_path = parsed.value("--config").value_or("");
    const std::string sub = parsed.value("--sub").value_or("");
    const std::string ttl_text = parsed.value("--ttl").value_or("1h");
    const std::optional<std::string> kid = parsed.value("--kid");
    long long ttl = 0;
    if (config_path.empty() || sub.empty() || !parse_duration(ttl_text, ttl)) {
        err = std::string("wshostctl token: ") +
              (config_path.empty() ? "--config is required"
               : sub.empty()       ? "--sub is required"
                                   : "bad --ttl") +
              "\n" + kUsage;
        return exit_usage;
    }

    ConfigLoad loaded = load_config(config_path);
    if (!loaded.config) {
        for (const ConfigError &e : loaded.errors)
            err += e.format() + "\n";
        return exit_usage;
    }
    const std::vector<JwtKey> &keys = loaded.config->auth.jwt.keys;
    const JwtKey *key = nullptr;
    for (const JwtKey &k : keys)
        if (!kid || k.kid == *kid) {
            key = &k;
            break;
        }
    if (!key) {
        err = kid ? "wshostctl token: no [[auth.jwt.keys]] entry with kid '" + *kid + "' in " + config_path +
                        "\n"
                  : "wshostctl token: " + config_path + " has no [[auth.jwt.keys]] entry\n";
        return exit_usage;
    }
    std::string token =
        jwt::mint(*key, sub, static_cast<int64_t>(std::time(nullptr)), ttl, tags, !key->kid.empty());
    if (token.empty()) {
        err = "wshostctl token: cannot mint a token with these claims (empty or over-long sub or tag?)\n";
        return exit_usage;
    }
    out = token + "\n";
    return exit_ok;
}

} // namespace wshost::ctl

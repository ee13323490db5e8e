#include "token.h"

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
    std::string config_path, sub, kid, ttl_text = "1h";
    bool kid_given = false;
    std::map<std::string, std::string> tags;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        auto value = [&](std::string &dest) {
            if (i + 1 >= args.size())
                return false;
            dest = args[++i];
            return true;
        };
        std::string tag;
        bool ok = true;
        if (a == "--config")
            ok = value(config_path);
        else if (a == "--sub")
            ok = value(sub);
        else if (a == "--ttl")
            ok = value(ttl_text);
        else if (a == "--kid")
            ok = kid_given = value(kid);
        else if (a == "--tag") {
            ok = value(tag);
            std::size_t eq = tag.find('=');
            if (ok && (eq == std::string::npos || eq == 0 || eq + 1 == tag.size())) {
                err = "wshostctl token: --tag wants key=value, got '" + tag + "'\n" + kUsage;
                return exit_usage;
            }
            if (ok)
                tags[tag.substr(0, eq)] = tag.substr(eq + 1);
        } else {
            err = "wshostctl token: unknown option '" + a + "'\n" + kUsage;
            return exit_usage;
        }
        if (!ok) {
            err = "wshostctl token: " + a + " needs a value\n" + kUsage;
            return exit_usage;
        }
    }
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
        if (!kid_given || k.kid == kid) {
            key = &k;
            break;
        }
    if (!key) {
        err = kid_given ? "wshostctl token: no [[auth.jwt.keys]] entry with kid '" + kid + "' in " +
                              config_path + "\n"
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

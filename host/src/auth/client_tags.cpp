#include "auth/client_tags.h"

#include "base/log.h"
#include "json/json_scan.h"
#include "json/name_rule.h"

#include <algorithm>

namespace wshost
{
namespace
{

// For the log: printable ASCII, cut at 64 bytes.
std::string loggable(std::string_view s)
{
    std::string out(s.substr(0, 64));
    for (char &c : out)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            c = '?';
    return out;
}

} // namespace

Tags client_tags(std::string_view query, const std::vector<std::string> &allowed)
{
    Tags tags;
    std::string_view text;
    for (std::string_view rest = query; !rest.empty();) {
        std::size_t amp = rest.find('&');
        std::string_view arg = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (arg.substr(0, 5) == "tags=")
            text = arg.substr(5);
    }
    if (text.empty())
        return tags;
    if (!is_json_object(text)) {
        log_event(LogLevel::info, LogFields("client_tags_ignored"),
                  "ignoring ?tags=: not a JSON object of strings");
        return tags;
    }
    // The strict scanner, not cJSON: decoded strings keep their length, so a
    // "\u0000" inside a value is seen (and refused by the name rule) rather
    // than silently cutting the value short.
    json::Scanner s(text, kMaxJsonDepth);
    s.skip_ws();
    s.consume('{');
    s.skip_ws();
    std::size_t ignored = 0;
    std::string first_key;
    const char *first_why = "";
    for (bool more = !s.consume('}'); more; more = (s.skip_ws(), s.consume(','))) {
        std::string key, value;
        s.member_key(&key);
        s.skip_ws();
        const bool is_string = !s.at_end() && s.peek() == '"';
        is_string ? s.string(&value) : s.value(1);
        const bool wanted = std::find(allowed.begin(), allowed.end(), key) != allowed.end();
        if (!wanted || !is_string || !valid_name(value)) {
            if (!ignored++) {
                first_key = loggable(key);
                first_why = wanted ? "value must be a name (1 to 256 bytes of UTF-8, no NUL)"
                                   : "key not in [websocket] client_tags";
            }
            continue;
        }
        tags[key] = std::move(value); // one value per key: the last one wins
    }
    if (ignored)
        log_event(LogLevel::info, LogFields("client_tags_ignored"),
                  "ignoring %zu client tag(s), first '%s': %s", ignored, first_key.c_str(), first_why);
    return tags;
}

} // namespace wshost

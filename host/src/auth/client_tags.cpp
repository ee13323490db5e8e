#include "auth/client_tags.h"

#include "base/log.h"
#include "json/json_scan.h"

#include <cjson/cJSON.h>

#include <algorithm>
#include <cstring>

namespace wshost
{
namespace
{

constexpr std::size_t kMaxTagValueBytes = 256;

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
    cJSON *json = is_json_object(text) ? cJSON_ParseWithLength(text.data(), text.size()) : nullptr;
    if (!json) {
        log_event(LogLevel::info, LogFields("client_tags_ignored"),
                  "ignoring ?tags=: not a JSON object of strings");
        return tags;
    }
    std::size_t ignored = 0;
    std::string first_key;
    const char *first_why = "";
    for (const cJSON *item = json->child; item; item = item->next) {
        std::string key = item->string ? item->string : "";
        bool wanted = std::find(allowed.begin(), allowed.end(), key) != allowed.end();
        if (!wanted || !cJSON_IsString(item) || !*item->valuestring ||
            std::strlen(item->valuestring) > kMaxTagValueBytes) {
            if (!ignored++) {
                first_key = loggable(key);
                first_why =
                    wanted ? "value must be a non-empty string" : "key not in [websocket] client_tags";
            }
            continue;
        }
        tags[key] = item->valuestring; // one value per key: the last one wins
    }
    cJSON_Delete(json);
    if (ignored)
        log_event(LogLevel::info, LogFields("client_tags_ignored"),
                  "ignoring %zu client tag(s), first '%s': %s", ignored, first_key.c_str(), first_why);
    return tags;
}

} // namespace wshost

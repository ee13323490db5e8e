// Small helpers for building request bodies with cJSON (owned through JsonDoc).
#pragma once

#include <cjson/cJSON.h>

#include <memory>
#include <string>
#include <vector>

namespace wshost::ctl
{

struct JsonDeleter {
    void operator()(cJSON *item) const { cJSON_Delete(item); }
};
using JsonDoc = std::unique_ptr<cJSON, JsonDeleter>;

inline JsonDoc json_object()
{
    return JsonDoc(cJSON_CreateObject());
}

inline cJSON *json_string_array(const std::vector<std::string> &items)
{
    cJSON *array = cJSON_CreateArray();
    for (const std::string &s : items)
        cJSON_AddItemToArray(array, cJSON_CreateString(s.c_str()));
    return array;
}

// Compact JSON text of `item`, keys in insertion order.
inline std::string json_text(const cJSON *item)
{
    char *text = cJSON_PrintUnformatted(item);
    std::string out = text ? text : "";
    cJSON_free(text);
    return out;
}

} // namespace wshost::ctl

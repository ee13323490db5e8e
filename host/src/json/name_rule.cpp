#include "json/name_rule.h"

#include "json/json_scan.h"

namespace wshost
{

bool valid_name(std::string_view s) noexcept
{
    return !s.empty() && s.size() <= kMaxNameBytes && s.find('\0') == std::string_view::npos &&
           json::valid_utf8(s);
}

} // namespace wshost

#include "transport/upgrade_checks.h"

#include "base/http_tokens.h"
#include "base/text.h"
#include "json/base64.h"

#include <optional>
#include <string>

namespace wshost
{
namespace
{

using text::iequals;
using text::trim;

// lws 4.1.6 copies the list into 127 bytes and each name into 64 (NUL
// included) and drops the connection past either (T27).
constexpr std::size_t kMaxProtocolList = 126;
constexpr std::size_t kMaxProtocolName = 62;

// Empty when lws will read the list as the names it holds; which of them is
// spoken is the endpoint's choice (subprotocols.h).
std::string check_protocols(std::string_view list)
{
    if (trim(list).empty())
        return {};
    if (list.size() > kMaxProtocolList)
        return "Sec-WebSocket-Protocol list longer than " + std::to_string(kMaxProtocolList) + " bytes";
    // lws stops at the first name it matches, but an empty element before it
    // is an error to it (RFC 7230 §7 allows "a, , b", and ", a").
    if (trim(list).front() == ',')
        return "Sec-WebSocket-Protocol list starting with an empty element";
    // 1#token only (RFC 6455 §4.1): then lws's tokenizer sees the same names.
    std::string why;
    bool first = true;
    bool ok = http::for_each_element(list, [&](std::string_view name) {
        if (!http::is_token(name) || name.size() > kMaxProtocolName) {
            why = "malformed Sec-WebSocket-Protocol list";
            return false;
        }
        // lws matches the first name against the WebSocket protocol's: one it
        // reads as a number it refuses (a deviation: RFC 7230 allows "1.0").
        if (first && http::lws_reads_as_number(name)) {
            why = "Sec-WebSocket-Protocol list starting with a number";
            return false;
        }
        first = false;
        return true;
    });
    if (ok && first)
        return "Sec-WebSocket-Protocol list without a name";
    return why;
}

} // namespace

bool header_has_token(std::string_view list, std::string_view token)
{
    for (std::string_view rest = list; !rest.empty();) {
        std::size_t comma = rest.find(',');
        if (iequals(trim(rest.substr(0, comma)), token))
            return true;
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    return false;
}

bool valid_websocket_key(std::string_view key)
{
    // base64_decode leaves the 4 unused bits of the 22nd character unchecked:
    // they carry nothing.
    const std::optional<std::string> bytes = base64_decode(trim(key));
    return bytes && bytes->size() == 16;
}

UpgradeProblem check_upgrade(const UpgradeHeaders &h)
{
    if (h.max_header_bytes && h.header_bytes > h.max_header_bytes)
        return {431, "request headers of " + std::to_string(h.header_bytes) + " bytes (limit " +
                         std::to_string(h.max_header_bytes) + ")"};
    if (!h.has_host)
        return {400, "no Host header"};
    if (!header_has_token(h.connection, "upgrade"))
        return {400, "Connection header without \"upgrade\""};
    if (!valid_websocket_key(h.key))
        return {400,
                h.key.empty() ? "no Sec-WebSocket-Key" : "Sec-WebSocket-Key is not the base64 of 16 bytes"};
    if (std::string why = check_protocols(h.protocols); !why.empty())
        return {400, std::move(why)};
    if (trim(h.version).empty())
        return {400, "no Sec-WebSocket-Version"};
    if (trim(h.version) != "13")
        return {426, "Sec-WebSocket-Version is not 13"};
    return {};
}

} // namespace wshost

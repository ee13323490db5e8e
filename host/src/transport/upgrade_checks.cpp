#include "transport/upgrade_checks.h"

#include "base/text.h"
#include "json/base64.h"

#include <array>
#include <optional>
#include <string>

namespace wshost
{
namespace
{

using text::iequals;
using text::trim;

// RFC 7230 tchar.
bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool is_token(std::string_view s)
{
    if (s.empty())
        return false;
    for (char c : s)
        if (!is_tchar(c))
            return false;
    return true;
}

// lws 4.1.6 copies the list into 127 bytes and each name into 64 (NUL
// included) and drops the connection past either (T27).
constexpr std::size_t kMaxProtocolList = 126;
constexpr std::size_t kMaxProtocolName = 63;

// The names lws would bind an upgrade to on the WebSocket vhost, besides ours
// (server.cpp's protocol table).
constexpr std::array<std::string_view, 2> kOtherProtocols = {"http-only", "wshost-signal"};

// Empty when the list lets lws bind our protocol (or none is asked for).
std::string check_protocols(std::string_view list)
{
    if (trim(list).empty())
        return {};
    if (list.size() > kMaxProtocolList)
        return "Sec-WebSocket-Protocol list longer than " + std::to_string(kMaxProtocolList) + " bytes";
    // 1#token only (RFC 6455 §4.1): then lws's tokenizer sees the same names.
    for (std::string_view rest = list; !rest.empty();) {
        std::size_t comma = rest.find(',');
        std::string_view name = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (name.empty())
            continue; // "a, , b": empty list elements are allowed (RFC 7230 §7)
        if (!is_token(name) || name.size() > kMaxProtocolName)
            return "malformed Sec-WebSocket-Protocol list";
        if (name == kWsProtocolName)
            return {};
        for (std::string_view other : kOtherProtocols)
            if (name == other)
                return "Sec-WebSocket-Protocol names an internal protocol";
    }
    return "no supported subprotocol offered (this server speaks \"" + std::string(kWsProtocolName) +
           "\" or none)";
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

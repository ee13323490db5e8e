#include "base/json_writer.h"

namespace wshost
{
namespace
{

// Length of the valid UTF-8 sequence of 2..4 bytes at s[i], or 0 (RFC 3629).
std::size_t utf8_sequence(std::string_view s, std::size_t i)
{
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    const std::size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size())
        return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((b(k) & 0xC0) != 0x80)
            return 0;
    if (n == 2 && c < 0xC2)
        return 0;
    if (n == 3 && ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0)))
        return 0;
    if (n == 4 && ((c == 0xF0 && b(1) < 0x90) || c > 0xF4 || (c == 0xF4 && b(1) >= 0x90)))
        return 0;
    return n;
}

} // namespace

void append_json_string(std::string &out, std::string_view s)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t copied = 0; // bytes of s already appended
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') { // the common case: copied later, in runs
            ++i;
            continue;
        }
        std::size_t n = 0;
        if (c >= 0x80 && (n = utf8_sequence(s, i)) != 0) {
            i += n;
            continue;
        }
        out.append(s.data() + copied, i - copied);
        copied = ++i;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (c >= 0x80) {
                out += "\\ufffd"; // not UTF-8
            } else {
                out += "\\u00";
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 0xF]);
            }
        }
    }
    out.append(s.data() + copied, s.size() - copied);
    out.push_back('"');
}

} // namespace wshost

#include "base/json_writer.h"

#include "base/utf8.h"

namespace wshost
{
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
        if (c >= 0x80 && (n = utf8_sequence(s.data() + i, s.data() + s.size())) != 0) {
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

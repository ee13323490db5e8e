#include "base/json_writer.h"

#include "base/utf8.h"

namespace wshost
{
char *put_json_escape(char *out, unsigned char c) noexcept
{
    static constexpr char kHex[] = "0123456789abcdef";
    *out++ = '\\';
    switch (c) {
    case '"':
    case '\\':
        *out++ = static_cast<char>(c);
        return out;
    case '\n':
        *out++ = 'n';
        return out;
    case '\r':
        *out++ = 'r';
        return out;
    case '\t':
        *out++ = 't';
        return out;
    case '\b':
        *out++ = 'b';
        return out;
    case '\f':
        *out++ = 'f';
        return out;
    default:
        out[0] = 'u';
        out[1] = '0';
        out[2] = '0';
        out[3] = kHex[c >> 4];
        out[4] = kHex[c & 0xF];
        return out + 5;
    }
}

std::size_t json_escape_size(unsigned char c) noexcept
{
    char scratch[6];
    return static_cast<std::size_t>(put_json_escape(scratch, c) - scratch);
}

void append_json_string(std::string &out, std::string_view s)
{
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
        if (c >= 0x80) {
            out += "\\ufffd"; // not UTF-8
        } else {
            char escape[6];
            out.append(escape, put_json_escape(escape, c));
        }
    }
    out.append(s.data() + copied, s.size() - copied);
    out.push_back('"');
}

} // namespace wshost

#include "json/json_members.h"

#include "base/json_writer.h"
#include "base/utf8.h"
#include "json/json_scan.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace wshost
{
namespace
{

bool bad(wsh_str s)
{
    return s.ptr == nullptr && s.len != 0;
}

// The bytes escaping adds to `s`, or SIZE_MAX when it is not valid UTF-8.
std::size_t escape_extra(wsh_str s)
{
    const char *p = s.ptr, *end = s.ptr + s.len;
    std::size_t extra = 0;
    while ((p = json::skip_plain(p, end)) != end) {
        const auto c = static_cast<unsigned char>(*p);
        if (c < 0x80) {
            extra += json_escape_size(c) - 1;
            ++p;
            continue;
        }
        const std::size_t n = utf8_sequence(p, end);
        if (n == 0)
            return SIZE_MAX;
        p += n;
    }
    return extra;
}

// Writes `s` escaped; check() saw it valid UTF-8, so a byte >= 0x80 starts a
// whole character whose length its lead byte tells. skip_plain() stops at
// what RFC 8259 asks to escape: DEL and all of UTF-8 go as they are.
char *write_escaped(char *out, wsh_str s)
{
    const char *p = s.ptr, *end = s.ptr + s.len, *run = p; // [run, p) not yet copied
    while ((p = json::skip_plain(p, end)) != end) {
        const auto c = static_cast<unsigned char>(*p);
        if (c >= 0x80) {
            p += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            continue;
        }
        if (p != run)
            std::memcpy(out, run, static_cast<std::size_t>(p - run));
        out += p - run;
        run = ++p;
        out = put_json_escape(out, c);
    }
    if (p != run)
        std::memcpy(out, run, static_cast<std::size_t>(p - run));
    return out + (p - run);
}

char *write_raw(char *out, wsh_str s)
{
    if (s.len)
        std::memcpy(out, s.ptr, s.len);
    return out + s.len;
}

// The decimal text of `v` at buf (20 bytes suffice); returns its length.
std::size_t format_int(std::int64_t v, char *buf)
{
    return static_cast<std::size_t>(std::to_chars(buf, buf + 20, v).ptr - buf);
}

// The pieces of a STRING or JSON member: text, then more[0..more_count).
template <typename Fn> bool for_each_piece(const wsh_member &m, Fn &&fn)
{
    if (!fn(m.text))
        return false;
    for (std::size_t i = 0; i < m.more_count; ++i)
        if (!fn(m.more[i]))
            return false;
    return true;
}

// A JSON member's value may nest as deep as it could inside a reply_success
// payload: the payload object itself counts as one level.
bool valid_json_member(const wsh_member &m, std::size_t &size)
{
    if (m.more_count == 0) {
        size += m.text.len;
        return json::validate({m.text.ptr, m.text.len}, kMaxJsonDepth - 1) == json::Validity::valid;
    }
    std::string joined; // validation needs the text in one place
    for_each_piece(m, [&](wsh_str piece) {
        joined.append(piece.ptr, piece.len);
        return true;
    });
    size += joined.size();
    return json::validate(joined, kMaxJsonDepth - 1) == json::Validity::valid;
}

} // namespace

bool MemberPayload::check(const wsh_member *members, std::size_t count)
{
    if (members == nullptr && count != 0)
        return false;
    std::size_t size = 2 + (count ? count - 1 : 0); // braces, commas
    std::size_t escapes = 0;                        // what escaping adds, over every string
    // Adds what escaping `text` adds to `escapes` and its length to `size`.
    auto measure = [&](wsh_str text) {
        const std::size_t extra = escape_extra(text);
        escapes += extra;
        size += text.len;
        return extra != SIZE_MAX;
    };
    for (std::size_t i = 0; i < count; ++i) {
        const wsh_member &m = members[i];
        if (bad(m.key) || bad(m.text) || (m.more == nullptr && m.more_count != 0))
            return false;
        if (!measure(m.key))
            return false;
        size += 3; // quotes, colon
        for (std::size_t j = 0; j < m.more_count; ++j)
            if (bad(m.more[j]))
                return false;
        char digits[20];
        switch (m.kind) {
        case WSH_VALUE_STRING: {
            size += 2;
            if (!for_each_piece(m, measure))
                return false;
            break;
        }
        case WSH_VALUE_INT:
            size += format_int(m.number, digits);
            break;
        case WSH_VALUE_BOOL:
            size += m.number ? 4 : 5;
            break;
        case WSH_VALUE_NULL:
            size += 4;
            break;
        case WSH_VALUE_JSON:
            if (!valid_json_member(m, size))
                return false;
            break;
        default:
            return false;
        }
    }
    members_ = members;
    count_ = count;
    size_ = size + escapes;
    escapes_ = escapes != 0;
    return true;
}

char *MemberPayload::write(char *out) const
{
    // Most replies escape nothing: then every string is copied as it is.
    auto put_text = escapes_ ? write_escaped : write_raw;
    *out++ = '{';
    for (std::size_t i = 0; i < count_; ++i) {
        const wsh_member &m = members_[i];
        if (i)
            *out++ = ',';
        *out++ = '"';
        out = put_text(out, m.key);
        *out++ = '"';
        *out++ = ':';
        switch (m.kind) {
        case WSH_VALUE_STRING:
            *out++ = '"';
            for_each_piece(m, [&](wsh_str piece) {
                out = put_text(out, piece);
                return true;
            });
            *out++ = '"';
            break;
        case WSH_VALUE_INT:
            out += format_int(m.number, out);
            break;
        case WSH_VALUE_BOOL:
            out = write_raw(out, m.number ? wsh_str{"true", 4} : wsh_str{"false", 5});
            break;
        case WSH_VALUE_NULL:
            out = write_raw(out, wsh_str{"null", 4});
            break;
        default: // WSH_VALUE_JSON (check() refused every other kind)
            for_each_piece(m, [&](wsh_str piece) {
                out = write_raw(out, piece);
                return true;
            });
            break;
        }
    }
    *out++ = '}';
    return out;
}

} // namespace wshost

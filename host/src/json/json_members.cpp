#include "json/json_members.h"

#include "base/utf8.h"
#include "json/json_scan.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace wshost
{
namespace
{

// What escaping adds to each ASCII byte: 1 for the short forms (\" \\ \n \r
// \t \b \f), 5 for \u00XX; 0 for a byte copied as it is. Bytes >= 0x80 are
// never escaped (UTF-8 is copied), so they have no entry.
constexpr unsigned char escape_extra(unsigned char c)
{
    switch (c) {
    case '"':
    case '\\':
    case '\n':
    case '\r':
    case '\t':
    case '\b':
    case '\f':
        return 1;
    default:
        return c < 0x20 || c == 0x7f ? 5 : 0;
    }
}

// Eight bytes at a time: whether any of them needs a look (escaped, or the
// start or part of a multi-byte character). Exact, so a word without one is
// copied unexamined.
inline bool word_needs_look(std::uint64_t x)
{
    constexpr std::uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    auto has_zero = [&](std::uint64_t v) { return (v - ones) & ~v & high; };
    const std::uint64_t below_space = (x - ones * 0x20) & ~x & high;
    return ((x & high) | below_space | has_zero(x ^ (ones * '"')) | has_zero(x ^ (ones * '\\')) |
            has_zero(x ^ (ones * 0x7f))) != 0;
}

inline std::uint64_t load_word(const char *p)
{
    std::uint64_t x;
    std::memcpy(&x, p, sizeof x);
    return x;
}

bool bad(wsh_str s)
{
    return s.ptr == nullptr && s.len != 0;
}

// The length of `s` once escaped, or SIZE_MAX when it is not valid UTF-8.
std::size_t escaped_size(wsh_str s)
{
    const char *p = s.ptr, *end = s.ptr + s.len;
    std::size_t extra = 0;
    while (p != end) {
        if (end - p >= 8 && !word_needs_look(load_word(p))) {
            p += 8;
            continue;
        }
        const auto c = static_cast<unsigned char>(*p);
        if (c >= 0x80) {
            const std::size_t n = utf8_sequence(p, end);
            if (n == 0)
                return SIZE_MAX;
            p += n;
            continue;
        }
        extra += escape_extra(c);
        ++p;
    }
    return s.len + extra;
}

char *write_escaped(char *out, wsh_str s)
{
    static constexpr char kHex[] = "0123456789abcdef";
    const char *p = s.ptr, *end = s.ptr + s.len, *run = p; // [run, p) not yet copied
    while (p != end) {
        if (end - p >= 8 && !word_needs_look(load_word(p))) {
            p += 8;
            continue;
        }
        const auto c = static_cast<unsigned char>(*p);
        if (c >= 0x80 || escape_extra(c) == 0) { // check() saw the UTF-8 valid
            ++p;
            continue;
        }
        if (p != run)
            std::memcpy(out, run, static_cast<std::size_t>(p - run));
        out += p - run;
        run = ++p;
        *out++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *out++ = static_cast<char>(c);
            break;
        case '\n':
            *out++ = 'n';
            break;
        case '\r':
            *out++ = 'r';
            break;
        case '\t':
            *out++ = 't';
            break;
        case '\b':
            *out++ = 'b';
            break;
        case '\f':
            *out++ = 'f';
            break;
        default:
            std::memcpy(out, "u00", 3);
            out[3] = kHex[c >> 4];
            out[4] = kHex[c & 0xf];
            out += 5;
        }
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

// The decimal text of `v` into buf (20 bytes suffice); returns its length.
std::size_t format_int(std::int64_t v, char *buf)
{
    char tmp[20];
    std::size_t n = 0;
    // Negate in unsigned arithmetic: INT64_MIN has no positive counterpart.
    std::uint64_t u = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    do {
        tmp[n++] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u);
    std::size_t len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = tmp[--n];
    return len;
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
    for (std::size_t i = 0; i < count; ++i) {
        const wsh_member &m = members[i];
        if (bad(m.key) || bad(m.text) || (m.more == nullptr && m.more_count != 0))
            return false;
        const std::size_t key = escaped_size(m.key);
        if (key == SIZE_MAX)
            return false;
        size += key + 3; // quotes, colon
        for (std::size_t j = 0; j < m.more_count; ++j)
            if (bad(m.more[j]))
                return false;
        char digits[20];
        switch (m.kind) {
        case WSH_VALUE_STRING: {
            size += 2;
            const bool ok = for_each_piece(m, [&](wsh_str piece) {
                const std::size_t n = escaped_size(piece);
                size += n;
                return n != SIZE_MAX;
            });
            if (!ok)
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
    size_ = size;
    return true;
}

char *MemberPayload::write(char *out) const
{
    *out++ = '{';
    for (std::size_t i = 0; i < count_; ++i) {
        const wsh_member &m = members_[i];
        if (i)
            *out++ = ',';
        *out++ = '"';
        out = write_escaped(out, m.key);
        *out++ = '"';
        *out++ = ':';
        switch (m.kind) {
        case WSH_VALUE_STRING:
            *out++ = '"';
            for_each_piece(m, [&](wsh_str piece) {
                out = write_escaped(out, piece);
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

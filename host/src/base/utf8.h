// The host's one UTF-8 validator (Unicode Table 3-7, RFC 3629: no overlongs,
// no UTF-8-encoded surrogates, nothing above U+10FFFF), for JSON strings, names,
// log escaping and WebSocket text. ASCII is skipped 8 bytes at a time.
//
// Utf8Stream validates text that arrives in pieces (a sequence may be split
// across frames and across reads) and fails at the first byte that cannot be
// part of well-formed UTF-8, so a frame reader can close with 1007 before the
// rest of a frame arrives (RFC 6455 §8.1, Autobahn 6.x "fail fast").
// State: 3 bytes. Reset it at the start of every message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wshost
{

class Utf8Stream
{
  public:
    // Validates the next `n` bytes of the text. False at the first invalid
    // byte; after that the stream stays failed until reset().
    bool feed(const std::uint8_t *p, std::size_t n) noexcept;
    // True when the bytes fed so far end on a sequence boundary (the end of a
    // text must be one).
    bool complete() const noexcept { return need_ == 0; }
    void reset() noexcept { *this = Utf8Stream{}; }

  private:
    std::uint8_t need_ = 0;  // continuation bytes still expected; 0xFF once failed
    std::uint8_t lo_ = 0x80; // the range of the next continuation byte
    std::uint8_t hi_ = 0xBF; // (narrower after E0, ED, F0, F4)
};

// The whole of `text` is well-formed UTF-8.
bool valid_utf8(std::string_view text) noexcept;

namespace utf8_detail
{
// What a lead byte asks of the bytes after it: how many continuation bytes
// (0: not a lead byte) and the range of the first one.
struct Lead {
    std::uint8_t need = 0, lo = 0x80, hi = 0xBF;
};

constexpr Lead lead(std::uint8_t c) noexcept
{
    if (c >= 0xC2 && c <= 0xDF)
        return {1, 0x80, 0xBF};
    if (c >= 0xE0 && c <= 0xEF)
        return {2, c == 0xE0 ? std::uint8_t{0xA0} : std::uint8_t{0x80}, // overlong
                c == 0xED ? std::uint8_t{0x9F} : std::uint8_t{0xBF}};   // surrogates
    if (c >= 0xF0 && c <= 0xF4)
        return {3, c == 0xF0 ? std::uint8_t{0x90} : std::uint8_t{0x80}, // overlong
                c == 0xF4 ? std::uint8_t{0x8F} : std::uint8_t{0xBF}};   // above U+10FFFF
    return {}; // ASCII, a stray continuation byte, C0, C1, F5..FF
}
} // namespace utf8_detail

// Length (2..4) of the well-formed sequence starting at p (p < end, *p >= 0x80),
// or 0 when there is none: for scanners that step through text themselves
// (inline: the JSON scanner calls it for every non-ASCII character).
inline std::size_t utf8_sequence(const char *p, const char *end) noexcept
{
    const auto *u = reinterpret_cast<const std::uint8_t *>(p);
    const utf8_detail::Lead l = utf8_detail::lead(u[0]);
    const std::size_t n = std::size_t{l.need} + 1;
    if (l.need == 0 || static_cast<std::size_t>(end - p) < n || u[1] < l.lo || u[1] > l.hi)
        return 0;
    for (std::size_t i = 2; i < n; ++i)
        if ((u[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

} // namespace wshost

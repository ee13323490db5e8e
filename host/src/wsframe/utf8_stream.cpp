#include "wsframe/utf8_stream.h"

#include <cstring>

namespace wshost::wsframe
{

namespace
{

constexpr std::uint8_t kFailed = 0xFF;
constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

// Skips ASCII from p, 8 bytes at a time while it can.
const std::uint8_t *skip_ascii(const std::uint8_t *p, const std::uint8_t *end) noexcept
{
    while (end - p >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        if (w & kHighBits)
            break;
        p += 8;
    }
    while (p != end && *p < 0x80)
        ++p;
    return p;
}

} // namespace

bool Utf8Stream::feed(const std::uint8_t *p, std::size_t n) noexcept
{
    if (need_ == kFailed)
        return false;
    const std::uint8_t *end = p + n;
    for (;;) {
        // Continuation bytes of the sequence in progress (maybe begun in an
        // earlier piece).
        while (need_ != 0) {
            if (p == end)
                return true;
            if (*p < lo_ || *p > hi_) {
                need_ = kFailed;
                return false;
            }
            ++p;
            --need_;
            lo_ = 0x80;
            hi_ = 0xBF;
        }
        p = skip_ascii(p, end);
        if (p == end)
            return true;
        const std::uint8_t c = *p++;
        if (c >= 0xC2 && c <= 0xDF) {
            need_ = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need_ = 2;
            if (c == 0xE0)
                lo_ = 0xA0; // overlong
            else if (c == 0xED)
                hi_ = 0x9F; // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            need_ = 3;
            if (c == 0xF0)
                lo_ = 0x90; // overlong
            else if (c == 0xF4)
                hi_ = 0x8F; // above U+10FFFF
        } else {
            need_ = kFailed; // a stray continuation byte, C0, C1, F5..FF
            return false;
        }
    }
}

bool valid_utf8(const std::uint8_t *p, std::size_t n) noexcept
{
    Utf8Stream s;
    return s.feed(p, n) && s.complete();
}

} // namespace wshost::wsframe

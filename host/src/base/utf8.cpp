#include "base/utf8.h"

#include <cstring>

namespace wshost
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
        const utf8_detail::Lead l = utf8_detail::lead(*p++);
        if (l.need == 0) {
            need_ = kFailed;
            return false;
        }
        need_ = l.need;
        lo_ = l.lo;
        hi_ = l.hi;
    }
}

bool valid_utf8(std::string_view text) noexcept
{
    Utf8Stream s;
    return s.feed(reinterpret_cast<const std::uint8_t *>(text.data()), text.size()) && s.complete();
}

} // namespace wshost

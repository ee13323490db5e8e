// Streaming UTF-8 validation (Unicode Table 3-7: no overlongs, no surrogates,
// nothing above U+10FFFF) for text messages that arrive in pieces: a sequence
// may be split across frames and across reads. It fails at the first byte
// that cannot be part of well-formed UTF-8, so a reader can close with 1007
// before the rest of a frame arrives (RFC 6455 §8.1, Autobahn 6.x "fail
// fast"). ASCII is skipped 8 bytes at a time.
//
// State: 3 bytes. Reset it at the start of every message.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wshost::wsframe
{

class Utf8Stream
{
  public:
    // Validates the next `n` bytes of the text. False at the first invalid
    // byte; after that the stream stays failed until reset().
    bool feed(const std::uint8_t *p, std::size_t n) noexcept;
    // True when the bytes fed so far end on a sequence boundary (the end of a
    // message must be one).
    bool complete() const noexcept { return need_ == 0; }
    void reset() noexcept { *this = Utf8Stream{}; }

  private:
    std::uint8_t need_ = 0;  // continuation bytes still expected; 0xFF once failed
    std::uint8_t lo_ = 0x80; // the range of the next continuation byte
    std::uint8_t hi_ = 0xBF; // (narrower after E0, ED, F0, F4)
};

// The whole of `n` bytes is well-formed UTF-8.
bool valid_utf8(const std::uint8_t *p, std::size_t n) noexcept;

} // namespace wshost::wsframe

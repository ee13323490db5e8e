// Client-to-server masking (RFC 6455 §5.3): payload byte i is XORed with
// mask key byte (i mod 4). Done 8 bytes at a time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wshost::wsframe
{

// Unmasks `n` bytes from `src` into `dst` (the same pointer unmasks in place;
// otherwise the ranges must not overlap). `key` is the frame's 4-byte mask key
// as it appears on the wire; `phase` is the payload offset of src[0] modulo 4.
// Returns the phase after the last byte.
unsigned unmask(std::uint8_t *dst, const std::uint8_t *src, std::size_t n, const std::uint8_t key[4],
                unsigned phase) noexcept;

} // namespace wshost::wsframe

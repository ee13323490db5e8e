// Server-to-client WebSocket frame headers (RFC 6455 §5.2), for the coalesced
// write path (gateway_outbox.cpp): one unfragmented frame, FIN set, no RSV
// bits (no extension), unmasked (a server never masks); text, binary or pong.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wshost
{

constexpr std::size_t kMaxFrameHeaderBytes = 10; // 2 + 64-bit extended length

inline std::size_t frame_header_size(std::uint64_t payload_bytes)
{
    return payload_bytes < 126 ? 2 : payload_bytes <= 0xffff ? 4 : 10;
}

// Writes the header of a frame carrying `payload_bytes` to `out` (room for
// kMaxFrameHeaderBytes); returns its size.
inline std::size_t write_frame_header(unsigned char *out, std::uint8_t opcode, std::uint64_t payload_bytes)
{
    out[0] = static_cast<unsigned char>(0x80 | opcode); // FIN + opcode
    const std::size_t size = frame_header_size(payload_bytes);
    if (size == 2) {
        out[1] = static_cast<unsigned char>(payload_bytes);
    } else if (size == 4) {
        out[1] = 126;
        out[2] = static_cast<unsigned char>(payload_bytes >> 8);
        out[3] = static_cast<unsigned char>(payload_bytes);
    } else {
        out[1] = 127;
        for (int i = 0; i < 8; ++i)
            out[2 + i] = static_cast<unsigned char>(payload_bytes >> (56 - 8 * i));
    }
    return size;
}

} // namespace wshost

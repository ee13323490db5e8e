// Server-to-client WebSocket frame headers (RFC 6455 §5.2), for the coalesced
// write path (gateway_outbox.cpp): no RSV bits (no extension), unmasked (a
// server never masks); text, binary or pong, whole or, past [websocket]
// max_frame_bytes, as fragments (DESIGN §9).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace wshost
{

constexpr std::size_t kMaxFrameHeaderBytes = 10; // 2 + 64-bit extended length

inline std::size_t frame_header_size(std::uint64_t payload_bytes)
{
    return payload_bytes < 126 ? 2 : payload_bytes <= 0xffff ? 4 : 10;
}

// Writes the header of a frame carrying `payload_bytes` to `out` (room for
// kMaxFrameHeaderBytes); returns its size. `fin` false: more fragments follow.
inline std::size_t write_frame_header(unsigned char *out, std::uint8_t opcode, std::uint64_t payload_bytes,
                                      bool fin = true)
{
    out[0] = static_cast<unsigned char>((fin ? 0x80 : 0) | opcode);
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

// A message of `payload_bytes` sent in frames of at most `max_frame` bytes
// of payload (0: one frame). Control frames are never split (RFC 6455 §5.5).
inline bool splits(std::uint8_t opcode, std::uint64_t payload_bytes, std::size_t max_frame)
{
    return max_frame && opcode < 0x8 && payload_bytes > max_frame;
}

// Header and payload bytes of that message on the wire.
inline std::size_t framed_size(std::uint8_t opcode, std::size_t payload_bytes, std::size_t max_frame)
{
    if (!splits(opcode, payload_bytes, max_frame))
        return frame_header_size(payload_bytes) + payload_bytes;
    const std::size_t full = payload_bytes / max_frame, rest = payload_bytes % max_frame;
    return full * frame_header_size(max_frame) + (rest ? frame_header_size(rest) : 0) + payload_bytes;
}

// Writes the message's frames (headers and payload) to `out`, which has
// framed_size() bytes of room; returns the end.
inline unsigned char *write_message_frames(unsigned char *out, std::uint8_t opcode,
                                           const unsigned char *payload, std::size_t payload_bytes,
                                           std::size_t max_frame)
{
    std::size_t piece = splits(opcode, payload_bytes, max_frame) ? max_frame : payload_bytes;
    std::size_t done = 0;
    do {
        piece = std::min(piece, payload_bytes - done);
        const bool fin = done + piece == payload_bytes;
        out += write_frame_header(out, done ? 0x0 : opcode, piece, fin); // 0x0: continuation
        if (piece)
            std::memcpy(out, payload + done, piece);
        out += piece;
        done += piece;
    } while (done < payload_bytes);
    return out;
}

} // namespace wshost

// Client frames as a peer would put them on the wire (RFC 6455 §5.2), for the
// frame reader's tests: any opcode, FIN, RSV bits, length form and mask.
#pragma once

#include "wsframe/frame_reader.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wsframe_test
{

using Bytes = std::vector<std::uint8_t>;

enum Op : std::uint8_t { cont = 0, text = 1, binary = 2, op_close = 8, ping = 9, pong = 10 };

struct FrameSpec {
    std::uint8_t op = text;
    bool fin = true;
    std::uint8_t rsv = 0; // bits 0x40, 0x20, 0x10 of the first byte
    bool masked = true;
    int length_form = 0; // 0: minimal; 126 or 127: that form whatever the length
    std::uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
};

inline Bytes frame(const FrameSpec &s, std::string_view payload)
{
    Bytes out;
    out.push_back(static_cast<std::uint8_t>((s.fin ? 0x80 : 0) | s.rsv | s.op));
    const std::uint64_t n = payload.size();
    const std::uint8_t m = s.masked ? 0x80 : 0;
    const int form = s.length_form ? s.length_form : n < 126 ? 0 : n < 65536 ? 126 : 127;
    if (form == 0) {
        out.push_back(static_cast<std::uint8_t>(m | n));
    } else if (form == 126) {
        out.push_back(m | 126);
        out.push_back(static_cast<std::uint8_t>(n >> 8));
        out.push_back(static_cast<std::uint8_t>(n));
    } else {
        out.push_back(m | 127);
        for (int i = 7; i >= 0; --i)
            out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    }
    if (s.masked)
        out.insert(out.end(), s.key, s.key + 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
        out.push_back(static_cast<std::uint8_t>(payload[i]) ^ (s.masked ? s.key[i % 4] : 0));
    return out;
}

inline Bytes frame(std::uint8_t op, std::string_view payload, bool fin = true)
{
    FrameSpec s;
    s.op = op;
    s.fin = fin;
    return frame(s, payload);
}

// A header alone, declaring `len` bytes (64-bit form), masked.
inline Bytes header64(std::uint8_t op, std::uint64_t len, bool fin = true)
{
    Bytes out{static_cast<std::uint8_t>((fin ? 0x80 : 0) | op), 0x80 | 127};
    for (int i = 7; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
    out.insert(out.end(), {1, 2, 3, 4});
    return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const Bytes &p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline std::string close_payload(unsigned code, std::string_view reason = {})
{
    std::string p{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    return p.append(reason);
}

// One event as a comparable value (its bytes copied out of the reader).
struct Seen {
    wshost::wsframe::ReadEvent::Type type;
    int code;
    bool compressed;
    std::string data;
    bool operator==(const Seen &) const = default;
};

// Feeds `stream` to a fresh reader in pieces cut at `cuts` (ascending
// offsets), each piece in a buffer of its own that is overwritten after use,
// and returns every event.
inline std::vector<Seen> read_all(const Bytes &stream, const std::vector<std::size_t> &cuts,
                                  const wshost::wsframe::ReaderLimits &limits = {})
{
    using wshost::wsframe::ReadEvent;
    wshost::wsframe::FrameReader reader(limits);
    std::vector<Seen> seen;
    std::size_t from = 0;
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
        const std::size_t to = i < cuts.size() ? cuts[i] : stream.size();
        Bytes piece(stream.begin() + static_cast<std::ptrdiff_t>(from),
                    stream.begin() + static_cast<std::ptrdiff_t>(to));
        std::span<std::uint8_t> in(piece);
        for (;;) {
            const ReadEvent ev = reader.next(in);
            if (ev.type == ReadEvent::Type::need_more)
                break;
            seen.push_back({ev.type, ev.code, ev.compressed, std::string(ev.data)});
        }
        if (!in.empty()) // need_more promises that every byte was taken: record the breach
            seen.push_back({ReadEvent::Type::need_more, 0, false, "bytes left after need_more"});
        std::fill(piece.begin(), piece.end(), 0xEE); // the caller reuses its buffer
        from = to;
    }
    return seen;
}

inline std::vector<Seen> read_all(const Bytes &stream, const wshost::wsframe::ReaderLimits &limits = {})
{
    return read_all(stream, std::vector<std::size_t>{}, limits);
}

} // namespace wsframe_test

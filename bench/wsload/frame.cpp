// Masked client frames.
#include "frame.h"

namespace wsload
{

uint8_t g_mask[4];

void append_frame(std::string &out, uint8_t opcode, std::string_view payload, bool rsv1)
{
    std::size_t n = payload.size();
    out.push_back(static_cast<char>(0x80 | (rsv1 ? 0x40 : 0) | opcode));
    if (n < 126) {
        out.push_back(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xff));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int i = 7; i >= 0; --i)
            out.push_back(static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff));
    }
    out.append(reinterpret_cast<const char *>(g_mask), 4);
    std::size_t base = out.size();
    out.append(payload);
    for (std::size_t i = 0; i < n; ++i)
        out[base + i] = static_cast<char>(out[base + i] ^ g_mask[i & 3]);
}

} // namespace wsload

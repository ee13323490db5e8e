// The client side of RFC 6455 framing: masked frames out, and the
// permessage-deflate (RFC 7692) codec.
#pragma once

#include "util.h"

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wsload
{

constexpr uint8_t kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA;

// The masking key of every frame this client sends (set once per run).
extern uint8_t g_mask[4];

// Appends one masked client frame (FIN set) to out.
void append_frame(std::string &out, uint8_t opcode, std::string_view payload, bool rsv1 = false);

// Shared raw-deflate compressor/decompressor (permessage-deflate, RFC 7692).
// The client resets its compressor per message (no context takeover on our
// side is always allowed); decompression resets per message too, which is
// correct for the first message of each connection, the only one idle mode
// decompresses.
struct Deflate {
    z_stream def{}, inf{};
    bool ready = false;
    void init()
    {
        if (ready)
            return;
        if (deflateInit2(&def, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK ||
            inflateInit2(&inf, -15) != Z_OK)
            die("zlib init failed");
        ready = true;
    }
    std::string compress(std::string_view in)
    {
        init();
        deflateReset(&def);
        std::string out(deflateBound(&def, in.size()) + 16, '\0');
        def.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
        def.avail_in = static_cast<uInt>(in.size());
        def.next_out = reinterpret_cast<Bytef *>(out.data());
        def.avail_out = static_cast<uInt>(out.size());
        deflate(&def, Z_SYNC_FLUSH);
        out.resize(out.size() - def.avail_out);
        if (out.size() >= 4 && out.compare(out.size() - 4, 4, std::string("\0\0\xff\xff", 4)) == 0)
            out.resize(out.size() - 4);
        return out;
    }
    bool decompress(std::string_view in, std::string &out)
    {
        init();
        inflateReset(&inf);
        std::string src(in);
        src.append("\0\0\xff\xff", 4);
        out.assign(std::max<std::size_t>(1024, in.size() * 8), '\0');
        inf.next_in = reinterpret_cast<Bytef *>(src.data());
        inf.avail_in = static_cast<uInt>(src.size());
        inf.next_out = reinterpret_cast<Bytef *>(out.data());
        inf.avail_out = static_cast<uInt>(out.size());
        int rc = inflate(&inf, Z_SYNC_FLUSH);
        out.resize(out.size() - inf.avail_out);
        return rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR;
    }
};

} // namespace wsload

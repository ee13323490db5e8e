// Micro-benchmark of the host frame reader (host/src/wsframe): masked text
// frames of a few sizes in one buffer, as one recv would hand them over, read
// whole and in 4 KiB pieces (lws's receive buffer). Prints ns per message and
// MB/s. Not a test: numbers depend on the machine.
//
//   frame_reader_bench [MIB_PER_CASE]   (default 64)
#include "wsframe/frame_reader.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using wshost::wsframe::FrameReader;
using wshost::wsframe::ReaderLimits;
using wshost::wsframe::ReadEvent;

namespace
{

std::vector<std::uint8_t> masked_text_frames(std::size_t payload, std::size_t count)
{
    const std::uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    std::vector<std::uint8_t> out;
    std::string text;
    for (std::size_t i = 0; i < payload; ++i)
        text.push_back(i % 17 == 0 ? ' ' : static_cast<char>('a' + i % 26));
    for (std::size_t f = 0; f < count; ++f) {
        out.push_back(0x81);
        if (payload < 126) {
            out.push_back(static_cast<std::uint8_t>(0x80 | payload));
        } else {
            out.push_back(0x80 | 126);
            out.push_back(static_cast<std::uint8_t>(payload >> 8));
            out.push_back(static_cast<std::uint8_t>(payload));
        }
        out.insert(out.end(), key, key + 4);
        for (std::size_t i = 0; i < payload; ++i)
            out.push_back(static_cast<std::uint8_t>(text[i]) ^ key[i % 4]);
    }
    return out;
}

void run(std::size_t payload, std::size_t piece, std::size_t mib)
{
    const std::size_t per_buffer = std::max<std::size_t>(1, (1 << 20) / (payload + 8));
    const std::vector<std::uint8_t> pristine = masked_text_frames(payload, per_buffer);
    std::vector<std::uint8_t> buf;
    std::size_t messages = 0, bytes = 0;
    std::chrono::nanoseconds spent{0};
    FrameReader reader(ReaderLimits{});
    for (std::size_t round = 0; round < mib; ++round) {
        buf = pristine; // the reader unmasks in place; copying is not timed
        const auto t0 = std::chrono::steady_clock::now();
        for (std::size_t at = 0; at < buf.size(); at += piece) {
            std::span<std::uint8_t> in(buf.data() + at, std::min(piece, buf.size() - at));
            for (ReadEvent ev = reader.next(in); ev.type != ReadEvent::Type::need_more;
                 ev = reader.next(in)) {
                if (ev.type != ReadEvent::Type::text)
                    std::abort();
                ++messages;
            }
        }
        spent += std::chrono::steady_clock::now() - t0;
        bytes += buf.size();
    }
    const double ns = static_cast<double>(spent.count());
    std::printf("payload %6zu B  pieces %7zu B  %8.1f ns/message  %8.0f MB/s\n", payload, piece,
                ns / messages, bytes / (ns / 1e9) / 1e6);
}

} // namespace

int main(int argc, char **argv)
{
    const std::size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 64;
    for (std::size_t payload : {32, 1024, 16384})
        for (std::size_t piece : {std::size_t{1} << 20, std::size_t{4096}})
            run(payload, piece, mib);
}

// The host frame reader (wsframe/frame_reader.h) on arbitrary client bytes.
// The first input byte picks the limits; the rest is the stream, fed whole,
// cut at points drawn from the input itself, and one byte at a time.
// Invariants: the same events whatever the split; nothing after a close or
// an error; error codes 1002/1007/1009 only; messages within the limits;
// uncompressed text is UTF-8 (checked whole; the reader checked it streamed).
#include "json/json_scan.h"
#include "wsframe/frame_reader.h"
#include "../unit/ws_client_frames.h" // read_all: the unit tests' way of feeding pieces
#include "fuzz_common.h"

#include <cstdint>
#include <vector>

using namespace wshost;
using wsframe::FrameReader;
using wsframe::ReaderLimits;
using wsframe::ReadEvent;
using wsframe_test::Bytes;
using wsframe_test::read_all;
using wsframe_test::Seen;

namespace
{

void check_events(const std::vector<Seen> &seen, const ReaderLimits &limits)
{
    for (std::size_t i = 0; i < seen.size(); ++i) {
        const Seen &e = seen[i];
        const bool last = i + 1 == seen.size();
        switch (e.type) {
        case ReadEvent::Type::text:
        case ReadEvent::Type::binary:
            FUZZ_CHECK(e.data.size() <= limits.max_message_bytes);
            FUZZ_CHECK(!e.compressed || limits.rsv1_extension);
            FUZZ_CHECK(e.type == ReadEvent::Type::binary || e.compressed || json::valid_utf8(e.data));
            break;
        case ReadEvent::Type::ping:
        case ReadEvent::Type::pong:
            FUZZ_CHECK(e.data.size() <= 125);
            break;
        case ReadEvent::Type::close:
            FUZZ_CHECK(last);
            FUZZ_CHECK(e.data.size() <= 123 && json::valid_utf8(e.data));
            FUZZ_CHECK(e.code == 1005 || (e.code >= 1000 && e.code <= 4999));
            break;
        case ReadEvent::Type::error:
            FUZZ_CHECK(last);
            FUZZ_CHECK(e.code == 1002 || e.code == 1007 || e.code == 1009);
            break;
        case ReadEvent::Type::need_more:
            FUZZ_CHECK(false);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    if (size == 0)
        return 0;
    const std::uint8_t opts = data[0];
    ReaderLimits limits;
    limits.rsv1_extension = (opts & 1) != 0;
    static constexpr std::size_t kMax[] = {125, 1000, 65536, 1 << 20};
    static constexpr std::uint32_t kFragments[] = {0, 1, 3, 16384};
    limits.max_message_bytes = kMax[(opts >> 1) & 3];
    limits.max_fragments = kFragments[(opts >> 3) & 3];
    ++data;
    --size;

    const Bytes stream(data, data + size);
    const std::vector<Seen> whole = read_all(stream, limits);
    check_events(whole, limits);

    // Cuts drawn from the input (xorshift seeded by its bytes), so a finding replays.
    std::uint64_t x = 0x9E3779B97F4A7C15ULL ^ size;
    for (std::size_t i = 0; i < size; ++i)
        x = (x ^ data[i]) * 0x100000001B3ULL;
    std::vector<std::size_t> cuts;
    for (std::size_t at = 0; size > 1;) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        at += 1 + x % (opts & 0x20 ? 3 : 40);
        if (at >= size)
            break;
        cuts.push_back(at);
    }
    FUZZ_CHECK(read_all(stream, cuts, limits) == whole);

    if (size <= 4096) {
        std::vector<std::size_t> every;
        for (std::size_t at = 1; at < size; ++at)
            every.push_back(at);
        FUZZ_CHECK(read_all(stream, every, limits) == whole);
    }
    return 0;
}

// The host frame reader (wsframe/frame_reader.h): every rule at its limit,
// the same events whatever the split, and Autobahn-style cases.
#include "base/close_codes.h"
#include "ws_client_frames.h"

#include <gtest/gtest.h>

#include <memory>
#include <numeric>

using namespace wsframe_test;
using wshost::wsframe::FrameReader;
using wshost::wsframe::ReaderLimits;
using wshost::wsframe::ReadEvent;
using T = ReadEvent::Type;
namespace cc = wshost::close_code;

namespace
{

Seen message(T type, std::string data)
{
    return {type, 0, false, std::move(data)};
}
Seen closed(int code, std::string reason = {})
{
    return {T::close, code, false, std::move(reason)};
}

// The one error event of a stream, or a failure naming what came instead.
::testing::AssertionResult fails_with(const Bytes &stream, int code, const ReaderLimits &limits = {})
{
    const std::vector<Seen> seen = read_all(stream, limits);
    if (!seen.empty() && seen.back().type == T::error && seen.back().code == code)
        return ::testing::AssertionSuccess();
    auto r = ::testing::AssertionFailure()
             << "expected error " << code << ", saw " << seen.size() << " events";
    if (!seen.empty())
        r << "; last type " << static_cast<int>(seen.back().type) << " code " << seen.back().code << " '"
          << seen.back().data << "'";
    return r;
}

std::string repeat(char c, std::size_t n)
{
    return std::string(n, c);
}

} // namespace

// --- messages ---------------------------------------------------------------

TEST(FrameReader, ReadsTextAndBinaryOfEveryLengthForm)
{
    for (std::size_t n : {0, 1, 125, 126, 127, 128, 65535, 65536, 70000}) {
        const std::string body = repeat('a', n);
        EXPECT_EQ(read_all(frame(text, body)), std::vector<Seen>{message(T::text, body)}) << n;
        EXPECT_EQ(read_all(frame(binary, body)), std::vector<Seen>{message(T::binary, body)}) << n;
    }
}

TEST(FrameReader, AcceptsNonMinimalLengthForms)
{
    FrameSpec s;
    s.length_form = 127;
    EXPECT_EQ(read_all(frame(s, "hi")), std::vector<Seen>{message(T::text, "hi")});
    s.length_form = 126;
    EXPECT_EQ(read_all(frame(s, "hi")), std::vector<Seen>{message(T::text, "hi")});
}

TEST(FrameReader, ReturnsEventsInOrderAndStopsAfterEach)
{
    Bytes stream = cat({frame(text, "one"), frame(ping, "p"), frame(binary, "two"), frame(pong, "q")});
    FrameReader reader;
    std::span<std::uint8_t> in(stream);
    ReadEvent ev = reader.next(in);
    EXPECT_EQ(ev.type, T::text);
    EXPECT_EQ(ev.data, "one");
    EXPECT_EQ(in.size(), stream.size() - 9); // only the first frame was consumed
    ev = reader.next(in);
    EXPECT_EQ(ev.type, T::ping);
    EXPECT_EQ(ev.data, "p");
    ev = reader.next(in);
    EXPECT_EQ(ev.type, T::binary);
    ev = reader.next(in);
    EXPECT_EQ(ev.type, T::pong);
    EXPECT_EQ(ev.data, "q");
    EXPECT_EQ(reader.next(in).type, T::need_more);
    EXPECT_TRUE(in.empty());
}

TEST(FrameReader, AWholeFrameIsAViewOfTheInputUnmaskedInPlace)
{
    Bytes stream = frame(text, "hello");
    FrameReader reader;
    std::span<std::uint8_t> in(stream);
    const ReadEvent ev = reader.next(in);
    ASSERT_EQ(ev.type, T::text);
    EXPECT_EQ(ev.data, "hello");
    EXPECT_EQ(reinterpret_cast<const std::uint8_t *>(ev.data.data()), stream.data() + 6);
    EXPECT_EQ(reader.buffered_bytes(), 0u);
}

TEST(FrameReader, KeepsASplitMessageSoTheCallerCanReuseItsBuffer)
{
    const std::string body = repeat('x', 300);
    Bytes stream = frame(text, body);
    FrameReader reader;
    Bytes first(stream.begin(), stream.begin() + 100);
    std::span<std::uint8_t> in(first);
    EXPECT_EQ(reader.next(in).type, T::need_more);
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(reader.buffered_bytes(), 100u - 8); // header: 2 + 2 + 4
    std::fill(first.begin(), first.end(), 0);
    Bytes rest(stream.begin() + 100, stream.end());
    in = std::span<std::uint8_t>(rest);
    const ReadEvent ev = reader.next(in);
    ASSERT_EQ(ev.type, T::text);
    EXPECT_EQ(ev.data, body);
    EXPECT_EQ(reader.next(in).type, T::need_more);
    EXPECT_EQ(reader.buffered_bytes(), 0u); // released once delivered
}

TEST(FrameReader, JoinsFragmentsWithControlFramesBetween)
{
    const Bytes stream = cat({frame(text, "Hel", false), frame(ping, "1"), frame(cont, "lo, ", false),
                              frame(pong, ""), frame(cont, "", false), frame(cont, "world")});
    EXPECT_EQ(read_all(stream),
              (std::vector<Seen>{
                  {T::ping, 0, false, "1"}, {T::pong, 0, false, ""}, message(T::text, "Hello, world")}));
    const Bytes bin = cat({frame(binary, std::string("\x00\xff", 2), false), frame(cont, "\x80")});
    EXPECT_EQ(read_all(bin), std::vector<Seen>{message(T::binary, std::string("\x00\xff\x80", 3))});
}

// --- masking, RSV bits, opcodes --------------------------------------------

TEST(FrameReader, UnmaskedFramesAre1002)
{
    for (std::uint8_t op : {text, binary, ping, pong, op_close}) {
        FrameSpec s;
        s.op = op;
        s.masked = false;
        EXPECT_TRUE(fails_with(frame(s, "x"), cc::protocol_error)) << int(op);
    }
    EXPECT_TRUE(fails_with(cat({frame(text, "a", false),
                                [] {
                                    FrameSpec c;
                                    c.op = cont;
                                    c.masked = false;
                                    return frame(c, "b");
                                }()}),
                           cc::protocol_error));
}

TEST(FrameReader, AnUnmaskedFrameFailsOnItsSecondByte)
{
    Bytes two{0x81, 0x05};
    FrameReader reader;
    std::span<std::uint8_t> in(two);
    const ReadEvent ev = reader.next(in);
    EXPECT_EQ(ev.type, T::error);
    EXPECT_EQ(ev.code, cc::protocol_error);
    EXPECT_EQ(ev.data, "unmasked client frame");
}

TEST(FrameReader, ReservedBitsAre1002WithoutAnExtension)
{
    for (std::uint8_t rsv : {0x40, 0x20, 0x10, 0x70}) {
        FrameSpec s;
        s.rsv = rsv;
        EXPECT_TRUE(fails_with(frame(s, "x"), cc::protocol_error)) << int(rsv);
        s.op = ping;
        EXPECT_TRUE(fails_with(frame(s, "x"), cc::protocol_error)) << int(rsv);
    }
}

TEST(FrameReader, Rsv1MarksACompressedMessageWhenAnExtensionIsNegotiated)
{
    ReaderLimits deflate;
    deflate.rsv1_extension = true;
    FrameSpec s;
    s.rsv = 0x40;
    // Compressed bytes are not UTF-8 checked here (after inflation only).
    const std::vector<Seen> seen = read_all(frame(s, std::string("\xff\x00", 2)), deflate);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0], (Seen{T::text, 0, true, std::string("\xff\x00", 2)}));
    EXPECT_EQ(read_all(frame(text, "plain"), deflate), std::vector<Seen>{message(T::text, "plain")});

    // RSV1 on a continuation or a control frame, RSV2/RSV3: still 1002.
    FrameSpec c;
    c.op = cont;
    c.rsv = 0x40;
    s.fin = false;
    EXPECT_TRUE(fails_with(cat({frame(s, "a"), frame(c, "b")}), cc::protocol_error, deflate));
    FrameSpec p;
    p.op = ping;
    p.rsv = 0x40;
    EXPECT_TRUE(fails_with(frame(p, ""), cc::protocol_error, deflate));
    FrameSpec r2;
    r2.rsv = 0x20;
    EXPECT_TRUE(fails_with(frame(r2, "x"), cc::protocol_error, deflate));
}

TEST(FrameReader, UnknownOpcodesAre1002)
{
    for (std::uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF})
        EXPECT_TRUE(fails_with(frame(op, ""), cc::protocol_error)) << int(op);
}

// --- control frames ---------------------------------------------------------

TEST(FrameReader, ControlFramesUpTo125Bytes)
{
    const std::string max = repeat('p', 125);
    EXPECT_EQ(read_all(frame(ping, max)), (std::vector<Seen>{{T::ping, 0, false, max}}));
    EXPECT_EQ(read_all(frame(pong, max)), (std::vector<Seen>{{T::pong, 0, false, max}}));
    const std::string reason = repeat('r', 123);
    EXPECT_EQ(read_all(frame(op_close, close_payload(1000, reason))),
              std::vector<Seen>{closed(1000, reason)});
    for (std::uint8_t op : {ping, pong, op_close})
        EXPECT_TRUE(fails_with(frame(op, repeat('p', 126)), cc::protocol_error)) << int(op);
}

TEST(FrameReader, FragmentedControlFramesAre1002)
{
    for (std::uint8_t op : {ping, pong, op_close})
        EXPECT_TRUE(fails_with(frame(op, "", false), cc::protocol_error)) << int(op);
}

// --- fragmentation ----------------------------------------------------------

TEST(FrameReader, ContinuationWithoutAMessageIs1002)
{
    EXPECT_TRUE(fails_with(frame(cont, "x"), cc::protocol_error));
    EXPECT_TRUE(fails_with(cat({frame(text, "done"), frame(cont, "x")}), cc::protocol_error));
}

TEST(FrameReader, ANewMessageInsideAFragmentedOneIs1002)
{
    EXPECT_TRUE(fails_with(cat({frame(text, "a", false), frame(text, "b")}), cc::protocol_error));
    EXPECT_TRUE(fails_with(cat({frame(text, "a", false), frame(binary, "b")}), cc::protocol_error));
    EXPECT_TRUE(fails_with(cat({frame(binary, "a", false), frame(text, "b", false)}), cc::protocol_error));
}

// --- limits -----------------------------------------------------------------

TEST(FrameReader, MaxMessageBytesExactlyPassesOneMoreFailsAtTheHeader)
{
    ReaderLimits limits;
    limits.max_message_bytes = 1000;
    EXPECT_EQ(read_all(frame(binary, repeat('b', 1000)), limits).size(), 1u);
    EXPECT_TRUE(fails_with(frame(binary, repeat('b', 1001)), cc::message_too_big, limits));

    // Fragments count together: 400 + 600 passes, 400 + 601 fails.
    EXPECT_EQ(read_all(cat({frame(text, repeat('t', 400), false), frame(cont, repeat('t', 600))}), limits),
              std::vector<Seen>{message(T::text, repeat('t', 1000))});
    EXPECT_TRUE(fails_with(cat({frame(text, repeat('t', 400), false), frame(cont, repeat('t', 601))}),
                           cc::message_too_big, limits));
    // Control frames do not count against it.
    EXPECT_EQ(
        read_all(cat({frame(text, repeat('t', 1000), false), frame(ping, "x"), frame(cont, "")}), limits)
            .size(),
        2u);
}

TEST(FrameReader, TheDeclaredLengthFailsBeforeTheMaskKeyOrAnyPayload)
{
    ReaderLimits limits;
    limits.max_message_bytes = 1000;
    Bytes h = header64(binary, 1001);
    h.resize(10); // no mask key, no payload
    FrameReader reader(limits);
    std::span<std::uint8_t> in(h);
    const ReadEvent ev = reader.next(in);
    EXPECT_EQ(ev.type, T::error);
    EXPECT_EQ(ev.code, cc::message_too_big);
    EXPECT_EQ(reader.buffered_bytes(), 0u);
}

TEST(FrameReader, A2To40DeclaredLengthIs1009WithNoPayload)
{
    // The default limit (1 MiB); the 16-bit form just past a small limit too.
    EXPECT_TRUE(fails_with(header64(text, std::uint64_t{1} << 40), cc::message_too_big));
    ReaderLimits limits;
    limits.max_message_bytes = 200;
    EXPECT_TRUE(fails_with(Bytes{0x82, 0xFE, 0x00, 0xC9, 1, 2, 3, 4}, cc::message_too_big, limits));
    // Past the second fragment's header, with the first one buffered.
    EXPECT_TRUE(fails_with(cat({frame(text, "abc", false), header64(cont, std::uint64_t{1} << 40)}),
                           cc::message_too_big));
}

TEST(FrameReader, A64BitLengthWithTheHighBitSetIs1002)
{
    EXPECT_TRUE(fails_with(header64(binary, std::uint64_t{1} << 63), cc::protocol_error));
}

TEST(FrameReader, MaxFragmentsExactlyPassesOneMoreFails)
{
    auto fragments = [](std::size_t n) {
        Bytes s = frame(binary, "f", n == 1);
        for (std::size_t i = 1; i < n; ++i) {
            const Bytes f = frame(cont, "", i + 1 == n);
            s.insert(s.end(), f.begin(), f.end());
        }
        return s;
    };
    const ReaderLimits defaults; // 16384
    ASSERT_EQ(defaults.max_fragments, 16384u);
    EXPECT_EQ(read_all(fragments(16384), defaults), std::vector<Seen>{message(T::binary, "f")});
    EXPECT_TRUE(fails_with(fragments(16385), cc::message_too_big, defaults));

    ReaderLimits three;
    three.max_fragments = 3;
    EXPECT_EQ(read_all(fragments(3), three).size(), 1u);
    EXPECT_TRUE(fails_with(fragments(4), cc::message_too_big, three));
    // The count restarts with every message; control frames do not count.
    EXPECT_EQ(read_all(cat({fragments(3), frame(ping, ""), fragments(3)}), three).size(), 3u);

    ReaderLimits one;
    one.max_fragments = 1;
    EXPECT_EQ(read_all(fragments(1), one).size(), 1u);
    EXPECT_TRUE(fails_with(fragments(2), cc::message_too_big, one));

    ReaderLimits none;
    none.max_fragments = 0;
    EXPECT_EQ(read_all(fragments(20000), none), std::vector<Seen>{message(T::binary, "f")});
}

// --- UTF-8 ------------------------------------------------------------------

TEST(FrameReader, TextMustBeUtf8)
{
    EXPECT_EQ(read_all(frame(text, "κόσμε \xf0\x9f\x98\x80")).size(), 1u);
    EXPECT_TRUE(fails_with(frame(text, "abc\xff"), cc::invalid_payload));
    EXPECT_TRUE(fails_with(frame(text, "abc\xe2\x82"), cc::invalid_payload));  // ends inside a sequence
    EXPECT_TRUE(fails_with(frame(text, "\xed\xa0\x80"), cc::invalid_payload)); // a surrogate
    EXPECT_TRUE(fails_with(frame(text, "\xc0\xaf"), cc::invalid_payload));     // overlong
    // Binary is not checked.
    EXPECT_EQ(read_all(frame(binary, "abc\xff")).size(), 1u);
}

TEST(FrameReader, Utf8SequencesMaySpanFragments)
{
    // U+1F600 split after each of its first three bytes.
    const std::string smile = "\xf0\x9f\x98\x80";
    for (std::size_t at = 1; at < 4; ++at) {
        const Bytes s =
            cat({frame(text, smile.substr(0, at), false), frame(ping, ""), frame(cont, smile.substr(at))});
        EXPECT_EQ(read_all(s).back(), message(T::text, smile)) << at;
    }
    // Invalid only once joined: F4 then 90 (above U+10FFFF).
    EXPECT_TRUE(
        fails_with(cat({frame(text, "\xf4", false), frame(cont, "\x90\x80\x80")}), cc::invalid_payload));
    // A message ending inside a sequence that began in an earlier fragment.
    EXPECT_TRUE(fails_with(cat({frame(text, "ok\xe2", false), frame(cont, "\x82")}), cc::invalid_payload));
}

TEST(FrameReader, InvalidUtf8FailsFastInsideAFragmentAndAcrossReads)
{
    // A 1000-byte text frame whose 6th byte is bad: fed its header and 6
    // payload bytes, then one byte at a time, the reader fails at that byte.
    std::string body = repeat('a', 1000);
    body[5] = '\xc0';
    const Bytes stream = frame(text, body);
    const std::size_t header = 8;
    FrameReader reader;
    Bytes head(stream.begin(), stream.begin() + header + 6);
    std::span<std::uint8_t> in(head);
    const ReadEvent ev = reader.next(in);
    EXPECT_EQ(ev.type, T::error);
    EXPECT_EQ(ev.code, cc::invalid_payload);

    // A sequence split across reads inside one frame, invalid at its 3rd byte.
    const Bytes bad =
        cat({frame(text, "x", false), frame(cont, std::string("\xe2\x82\x41") + repeat('z', 500))});
    FrameReader r2;
    std::size_t fed = 0;
    ReadEvent last;
    for (; fed < bad.size() && last.type == T::need_more; ++fed) {
        Bytes one{bad[fed]};
        std::span<std::uint8_t> b(one);
        last = r2.next(b);
    }
    EXPECT_EQ(last.type, T::error);
    EXPECT_EQ(last.code, cc::invalid_payload);
    EXPECT_EQ(fed, 7 + 8 + 3u); // the first frame, the second's header, three payload bytes
}

// --- close ------------------------------------------------------------------

TEST(FrameReader, ClosePayloadRules)
{
    EXPECT_EQ(read_all(frame(op_close, "")), std::vector<Seen>{closed(1005)});
    EXPECT_EQ(read_all(frame(op_close, close_payload(1000))), std::vector<Seen>{closed(1000)});
    EXPECT_EQ(read_all(frame(op_close, close_payload(4999, "bye κ"))),
              std::vector<Seen>{closed(4999, "bye κ")});
    EXPECT_TRUE(fails_with(frame(op_close, "\x03"), cc::protocol_error));
    EXPECT_TRUE(
        fails_with(frame(op_close, close_payload(1000, "\xce\xba\xed\xa0\x80")), cc::invalid_payload));
}

TEST(FrameReader, CloseCodesThePeerMaySend)
{
    for (unsigned c :
         {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999})
        EXPECT_EQ(read_all(frame(op_close, close_payload(c))), std::vector<Seen>{closed(static_cast<int>(c))})
            << c;
    for (unsigned c : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
        EXPECT_TRUE(fails_with(frame(op_close, close_payload(c)), cc::protocol_error)) << c;
}

TEST(FrameReader, NothingIsReadAfterThePeersClose)
{
    const Bytes stream = cat({frame(text, "a"), frame(op_close, close_payload(1000)), frame(text, "after"),
                              frame(ping, ""), Bytes{0xff, 0xff, 0xff}});
    EXPECT_EQ(read_all(stream), (std::vector<Seen>{message(T::text, "a"), closed(1000)}));
    // Also when the close interrupts a fragmented message (Autobahn 7.1.5).
    const Bytes mid =
        cat({frame(text, "frag", false), frame(op_close, close_payload(1000)), frame(cont, "ment")});
    EXPECT_EQ(read_all(mid), std::vector<Seen>{closed(1000)});
    FrameReader reader;
    Bytes s = mid;
    std::span<std::uint8_t> in(s);
    EXPECT_EQ(reader.next(in).type, T::close);
    EXPECT_TRUE(reader.finished());
    EXPECT_EQ(reader.next(in).type, T::need_more);
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(reader.buffered_bytes(), 0u);
}

TEST(FrameReader, NothingIsReadAfterAnError)
{
    const Bytes stream = cat({frame(cont, "x"), frame(text, "never")});
    const std::vector<Seen> seen = read_all(stream);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].type, T::error);
}

// --- splits -----------------------------------------------------------------

namespace
{

// Valid streams: every frame kind, length form and fragmentation.
std::vector<Bytes> valid_samples()
{
    std::vector<Bytes> v;
    v.push_back(frame(text, "Hello"));
    v.push_back(frame(binary, repeat('\x81', 126)));
    v.push_back(frame(text, repeat('w', 65536)));
    v.push_back(cat({frame(text, "\xce\xba\xe1\xbd", false), frame(ping, "ping"),
                     frame(cont, "\xb9\xcf\x83", false), frame(cont, "\xce\xbc\xce\xb5")}));
    v.push_back(cat({frame(binary, "", false), frame(cont, "", false), frame(cont, repeat('q', 300))}));
    v.push_back(
        cat({frame(pong, repeat('o', 125)), frame(text, ""), frame(op_close, close_payload(1001, "going"))}));
    FrameSpec s;
    s.length_form = 127;
    v.push_back(cat({frame(s, "long form"), frame(op_close, "")}));
    return v;
}

// Streams that fail somewhere past their start.
std::vector<std::pair<Bytes, int>> invalid_samples()
{
    std::vector<std::pair<Bytes, int>> v;
    v.emplace_back(cat({frame(text, "ok"), frame(text, "a\xf4", false), frame(cont, "\x90")}),
                   cc::invalid_payload);
    v.emplace_back(cat({frame(text, "ok"), header64(binary, std::uint64_t{1} << 40)}), cc::message_too_big);
    v.emplace_back(cat({frame(ping, "x"), frame(text, repeat('t', 200), false), frame(cont, "\x80")}),
                   cc::invalid_payload);
    v.emplace_back(cat({frame(binary, "b"), frame(op_close, close_payload(1004))}), cc::protocol_error);
    FrameSpec s;
    s.masked = false;
    v.emplace_back(cat({frame(text, "x", false), frame(s, "y")}), cc::protocol_error);
    return v;
}

void expect_same_at_every_split(const Bytes &stream)
{
    const std::vector<Seen> whole = read_all(stream);
    std::vector<std::size_t> every(stream.size() > 0 ? stream.size() - 1 : 0);
    std::iota(every.begin(), every.end(), std::size_t{1});
    EXPECT_EQ(read_all(stream, every), whole) << "one byte at a time";
    // Two pieces, cut at every offset.
    for (std::size_t at = 1; at < stream.size(); ++at)
        ASSERT_EQ(read_all(stream, std::vector<std::size_t>{at}), whole) << "cut at " << at;
}

} // namespace

TEST(FrameReader, EveryValidSampleGivesTheSameEventsAtEverySplit)
{
    for (const Bytes &s : valid_samples()) {
        const std::vector<Seen> whole = read_all(s);
        ASSERT_FALSE(whole.empty());
        for (const Seen &e : whole)
            ASSERT_NE(e.type, T::error) << e.data;
        expect_same_at_every_split(s);
    }
}

TEST(FrameReader, EveryInvalidSampleFailsTheSameAtEverySplit)
{
    for (const auto &[s, code] : invalid_samples()) {
        EXPECT_TRUE(fails_with(s, code));
        expect_same_at_every_split(s);
    }
}

// --- Autobahn-style cases (numbers of the Autobahn TestSuite) ---------------

TEST(FrameReader, AutobahnStyleCases)
{
    struct Case {
        const char *id;
        Bytes stream;
        std::vector<Seen> expect; // empty: see `error`
        int error = 0;
    };
    const std::string k = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"; // κόσμε
    std::vector<Case> cases;
    cases.push_back({"1.1.2", frame(text, repeat('*', 125)), {message(T::text, repeat('*', 125))}});
    cases.push_back({"2.1", frame(ping, ""), {{T::ping, 0, false, ""}}});
    cases.push_back({"2.5", frame(ping, repeat('*', 126)), {}, cc::protocol_error});
    cases.push_back({"2.10",
                     cat({frame(ping, "a"), frame(ping, "b"), frame(ping, "c")}),
                     {{T::ping, 0, false, "a"}, {T::ping, 0, false, "b"}, {T::ping, 0, false, "c"}}});
    FrameSpec rsv;
    rsv.rsv = 0x20;
    cases.push_back({"3.2",
                     cat({frame(text, "Hello"), frame(rsv, "Hello"), frame(ping, "")}),
                     {message(T::text, "Hello"), {T::error, cc::protocol_error, false, ""}}});
    cases.push_back({"4.1.1", frame(3, ""), {}, cc::protocol_error});
    cases.push_back({"4.2.1", frame(0xB, ""), {}, cc::protocol_error});
    cases.push_back({"5.1", cat({frame(ping, "frag", false), frame(cont, "ment")}), {}, cc::protocol_error});
    cases.push_back(
        {"5.3", cat({frame(text, "frag", false), frame(cont, "ment")}), {message(T::text, "fragment")}});
    cases.push_back({"5.6",
                     cat({frame(text, "frag", false), frame(ping, "p"), frame(cont, "ment")}),
                     {{T::ping, 0, false, "p"}, message(T::text, "fragment")}});
    cases.push_back({"5.9",
                     cat({frame(cont, "x", false), frame(text, "frag", false), frame(cont, "ment")}),
                     {},
                     cc::protocol_error});
    cases.push_back({"5.18", cat({frame(text, "a", false), frame(text, "b")}), {}, cc::protocol_error});
    cases.push_back(
        {"6.2.3",
         cat({frame(text, "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6", false),
              frame(cont, "\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!")}),
         {message(T::text, "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!")}});
    cases.push_back({"6.3.1", frame(text, k + "\xed\xa0\x80" + "edited"), {}, cc::invalid_payload});
    cases.push_back(
        {"6.4.1",
         cat({frame(text, k, false), frame(cont, "\xf4\x90\x80\x80", false), frame(cont, "edited")}),
         {},
         cc::invalid_payload});
    cases.push_back({"6.6.1", frame(text, "\xce"), {}, cc::invalid_payload});
    cases.push_back({"6.8.1", frame(text, "\xf8\x88\x80\x80\x80"), {}, cc::invalid_payload});
    cases.push_back({"6.21.1", frame(text, "\xed\xa0\x80\xed\xb0\x80"), {}, cc::invalid_payload});
    cases.push_back({"7.1.1",
                     cat({frame(text, "Hello"), frame(op_close, close_payload(1000))}),
                     {message(T::text, "Hello"), closed(1000)}});
    cases.push_back({"7.1.3", cat({frame(op_close, close_payload(1000)), frame(ping, "")}), {closed(1000)}});
    cases.push_back({"7.3.2", frame(op_close, "\x03"), {}, cc::protocol_error});
    cases.push_back(
        {"7.3.6", frame(op_close, close_payload(1000, repeat('*', 124))), {}, cc::protocol_error});
    cases.push_back({"7.5.1",
                     frame(op_close, close_payload(1000, k + "\xed\xa0\x80" + "edited")),
                     {},
                     cc::invalid_payload});
    for (Case &c : cases) {
        const std::vector<Seen> seen = read_all(c.stream);
        if (c.error) {
            ASSERT_FALSE(seen.empty()) << c.id;
            EXPECT_EQ(seen.back().type, T::error) << c.id;
            EXPECT_EQ(seen.back().code, c.error) << c.id;
            continue;
        }
        if (!c.expect.empty() && c.expect.back().type == T::error) {
            ASSERT_EQ(seen.size(), c.expect.size()) << c.id;
            EXPECT_EQ(seen.back().code, c.expect.back().code) << c.id;
            continue;
        }
        EXPECT_EQ(seen, c.expect) << c.id;
    }
}

// --- a reader at rest serves any connection (session/frame_intake.cpp) -------

TEST(FrameReader, AtRestOnlyBetweenFramesWithNothingHeld)
{
    FrameReader reader;
    EXPECT_TRUE(reader.at_rest());
    Bytes whole = cat({frame(text, "one"), frame(ping, "p")});
    std::span<std::uint8_t> in(whole);
    EXPECT_EQ(reader.next(in).type, T::text);
    EXPECT_TRUE(reader.at_rest()); // the message was a view of `in`
    EXPECT_EQ(reader.next(in).type, T::ping);
    EXPECT_EQ(reader.next(in).type, T::need_more);
    EXPECT_TRUE(reader.at_rest());

    Bytes header = frame(text, "abc");
    header.resize(1); // half a header
    in = std::span<std::uint8_t>(header);
    EXPECT_EQ(reader.next(in).type, T::need_more);
    EXPECT_FALSE(reader.at_rest());

    FrameReader fragments;
    Bytes first = frame(text, "Hel", false);
    in = std::span<std::uint8_t>(first);
    EXPECT_EQ(fragments.next(in).type, T::need_more);
    EXPECT_FALSE(fragments.at_rest()); // a message begun

    FrameReader split;
    Bytes body = frame(binary, repeat('b', 50));
    Bytes part(body.begin(), body.begin() + 20), rest(body.begin() + 20, body.end());
    in = std::span<std::uint8_t>(part);
    EXPECT_EQ(split.next(in).type, T::need_more);
    EXPECT_FALSE(split.at_rest()); // payload bytes held
    in = std::span<std::uint8_t>(rest);
    EXPECT_EQ(split.next(in).type, T::binary);
    EXPECT_FALSE(split.at_rest()); // the event points into its buffer
    EXPECT_EQ(split.next(in).type, T::need_more);
    EXPECT_TRUE(split.at_rest());

    FrameReader closed;
    Bytes close = frame(op_close, close_payload(1000));
    in = std::span<std::uint8_t>(close);
    EXPECT_EQ(closed.next(in).type, T::close);
    EXPECT_FALSE(closed.at_rest()); // finished: it must stay with its connection
}

namespace
{

// Two connections' streams, each cut at `cut_a` / `cut_b`, read in turns the
// way FrameIntake reads them: a connection keeps a reader of its own only
// while it is not at rest, else it borrows the one spare reader (a new one
// when that is lent out), and gives it back at rest.
std::pair<std::vector<Seen>, std::vector<Seen>> read_lending(const Bytes &a, std::size_t cut_a,
                                                             const Bytes &b, std::size_t cut_b)
{
    std::unique_ptr<FrameReader> spare = std::make_unique<FrameReader>();
    std::unique_ptr<FrameReader> own[2];
    std::vector<Seen> seen[2];
    const Bytes *streams[2] = {&a, &b};
    const std::size_t cuts[2] = {cut_a, cut_b};
    for (int step = 0; step < 4; ++step) {
        const int c = step % 2;
        const Bytes &s = *streams[c];
        const bool first = step < 2;
        Bytes piece(first ? s.begin() : s.begin() + static_cast<std::ptrdiff_t>(cuts[c]),
                    first ? s.begin() + static_cast<std::ptrdiff_t>(cuts[c]) : s.end());
        std::unique_ptr<FrameReader> reader = own[c]  ? std::move(own[c])
                                              : spare ? std::move(spare)
                                                      : std::make_unique<FrameReader>();
        std::span<std::uint8_t> in(piece);
        for (;;) {
            const ReadEvent ev = reader->next(in);
            if (ev.type == T::need_more)
                break;
            seen[c].push_back({ev.type, ev.code, ev.compressed, std::string(ev.data)});
        }
        std::fill(piece.begin(), piece.end(), 0xEE);
        if (!reader->at_rest())
            own[c] = std::move(reader);
        else if (!spare)
            spare = std::move(reader);
    }
    return {seen[0], seen[1]};
}

} // namespace

TEST(FrameReader, ReadersLentAtRestGiveEachConnectionItsOwnEvents)
{
    std::vector<Bytes> streams = valid_samples();
    for (const auto &[s, code] : invalid_samples())
        streams.push_back(s);
    const Bytes other = cat({frame(text, "x", false), frame(ping, "p"), frame(cont, repeat('y', 40))});
    const std::vector<Seen> other_whole = read_all(other);
    for (const Bytes &s : streams) {
        if (s.size() > 4096)
            continue; // the long sample adds time, not cases
        const std::vector<Seen> whole = read_all(s);
        for (std::size_t at = 0; at <= s.size(); ++at) {
            const std::size_t other_at = at % (other.size() + 1);
            const auto [seen, seen_other] = read_lending(s, at, other, other_at);
            ASSERT_EQ(seen, whole) << "cut at " << at;
            ASSERT_EQ(seen_other, other_whole) << "other cut at " << other_at;
        }
    }
}

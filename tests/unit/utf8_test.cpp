// The host's UTF-8 validator (base/utf8.h: whole, streamed, sequence length)
// and word-wide unmasking (wsframe/unmask.h) against independent
// byte-at-a-time references.
#include "base/utf8.h"
#include "wsframe/unmask.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

using wshost::Utf8Stream;
using wshost::wsframe::unmask;

namespace
{

using Bytes = std::vector<std::uint8_t>;

// Decodes code points and judges them by value (the reader judges by byte
// ranges): shortest form, no surrogates, at most U+10FFFF.
bool reference_utf8(const Bytes &b)
{
    std::size_t i = 0;
    while (i < b.size()) {
        const std::uint8_t c = b[i];
        std::size_t n;
        std::uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 2, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n > b.size())
            return false;
        for (std::size_t k = 1; k < n; ++k) {
            if ((b[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (b[i + k] & 0x3F);
        }
        const std::uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

bool whole(const Bytes &b)
{
    return wshost::valid_utf8({reinterpret_cast<const char *>(b.data()), b.size()});
}

// Steps through b with utf8_sequence, as the JSON scanner and the log escaper do.
bool stepped(const Bytes &b)
{
    const char *p = reinterpret_cast<const char *>(b.data()), *end = p + b.size();
    while (p != end) {
        if (static_cast<unsigned char>(*p) < 0x80) {
            ++p;
            continue;
        }
        const std::size_t n = wshost::utf8_sequence(p, end);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

bool streamed(const Bytes &b, std::size_t piece)
{
    Utf8Stream s;
    for (std::size_t i = 0; i < b.size(); i += piece)
        if (!s.feed(b.data() + i, std::min(piece, b.size() - i)))
            return false;
    return s.complete();
}

void expect_agrees(const Bytes &b)
{
    const bool want = reference_utf8(b);
    ASSERT_EQ(whole(b), want);
    ASSERT_EQ(stepped(b), want);
    for (std::size_t piece : {1, 2, 3, 5, 8})
        ASSERT_EQ(streamed(b, piece), want) << "pieces of " << piece;
}

} // namespace

TEST(Utf8Stream, EveryOneTwoAndThreeByteStringAgreesWithTheReference)
{
    for (unsigned a = 0; a < 256; ++a) {
        const std::uint8_t x = static_cast<std::uint8_t>(a);
        expect_agrees({x});
        for (unsigned b = 0; b < 256; ++b) {
            const Bytes two{x, static_cast<std::uint8_t>(b)};
            expect_agrees(two);
            if (a < 0xE0 || a > 0xF4)
                continue;
            for (unsigned c = 0; c < 256; ++c) {
                const Bytes three{x, static_cast<std::uint8_t>(b), static_cast<std::uint8_t>(c)};
                expect_agrees(three);
            }
        }
    }
}

TEST(Utf8Stream, FourByteSequencesAtTheirBoundaries)
{
    const std::uint8_t edges[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
    for (unsigned a = 0xF0; a < 0x100; ++a)
        for (std::uint8_t b : edges)
            for (std::uint8_t c : edges)
                for (std::uint8_t d : edges)
                    expect_agrees({static_cast<std::uint8_t>(a), b, c, d});
}

TEST(Utf8Stream, RandomTextAgreesInEveryPieceSize)
{
    std::mt19937 rng(15);
    const char *pieces[] = {"a",
                            "κ",
                            "€",
                            "\xf0\x9f\x98\x80",
                            "\xed\x9f\xbf",
                            "\xf4\x8f\xbf\xbf",
                            "\xed\xa0\x80",
                            "\xc0\x80",
                            "\xf4\x90\x80\x80",
                            "\x80",
                            "\xe2\x82",
                            "0123456789abcdef"};
    for (int round = 0; round < 3000; ++round) {
        Bytes b;
        const int n = static_cast<int>(rng() % 12);
        for (int i = 0; i < n; ++i) {
            // Mostly valid pieces so that long valid runs (the word-wide path) occur.
            const char *p = pieces[rng() % 100 < 90 ? rng() % 6 : rng() % 12];
            b.insert(b.end(), p, p + std::char_traits<char>::length(p));
        }
        expect_agrees(b);
    }
}

TEST(Utf8Stream, FailsAtTheFirstBadByteAndStaysFailed)
{
    Utf8Stream s;
    const Bytes ok{'a', 0xE2, 0x82};
    EXPECT_TRUE(s.feed(ok.data(), ok.size()));
    EXPECT_FALSE(s.complete());
    const Bytes bad{0x41};
    EXPECT_FALSE(s.feed(bad.data(), 1));
    const Bytes fine{'z'};
    EXPECT_FALSE(s.feed(fine.data(), 1));
    s.reset();
    EXPECT_TRUE(s.feed(fine.data(), 1));
    EXPECT_TRUE(s.complete());
}

TEST(Utf8Stream, JsonTestSuiteFilesAgreeWithTheReference)
{
    namespace fs = std::filesystem;
    const fs::path dir = WSHOST_JSONTESTSUITE_DIR;
    if (!fs::is_directory(dir))
        GTEST_SKIP() << "SKIP: JSONTestSuite not found at " << dir;
    std::size_t files = 0, invalid = 0;
    for (const auto &e : fs::directory_iterator(dir)) {
        std::ifstream in(e.path(), std::ios::binary);
        const Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        expect_agrees(b);
        ++files;
        invalid += !reference_utf8(b);
    }
    EXPECT_GT(files, 300u);
    EXPECT_GT(invalid, 10u); // the corpus does hold broken UTF-8
}

TEST(Unmask, AgreesWithTheByteRuleAtEveryPhaseAndLength)
{
    const std::uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
    Bytes src(64);
    for (std::size_t i = 0; i < src.size(); ++i)
        src[i] = static_cast<std::uint8_t>(i * 7 + 1);
    for (unsigned phase = 0; phase < 4; ++phase) {
        for (std::size_t n = 0; n <= src.size(); ++n) {
            Bytes dst(n), inplace(src.begin(), src.begin() + static_cast<std::ptrdiff_t>(n));
            const unsigned after = unmask(dst.data(), src.data(), n, key, phase);
            unmask(inplace.data(), inplace.data(), n, key, phase);
            ASSERT_EQ(after, (phase + n) % 4);
            for (std::size_t i = 0; i < n; ++i) {
                ASSERT_EQ(dst[i], src[i] ^ key[(phase + i) % 4]) << phase << " " << n << " " << i;
                ASSERT_EQ(inplace[i], dst[i]);
            }
        }
    }
}

// reply_members' payload writer (json/json_members.h): exact output for each
// kind of value, every refusal plugin.h lists, and, over random bytes, that
// whatever check() accepts is written as one valid JSON object whose strings
// decode (cJSON) to exactly the bytes given.
#include "json/json_members.h"
#include "json/json_scan.h"

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace wshost
{
namespace
{

wsh_str s(std::string_view v)
{
    return wsh_str{v.data(), v.size()};
}

wsh_member string_member(std::string_view key, std::string_view text, const wsh_str *more = nullptr,
                         std::size_t more_count = 0)
{
    return wsh_member{s(key), WSH_VALUE_STRING, s(text), more, more_count, 0};
}

wsh_member scalar(std::string_view key, wsh_value_kind kind, std::int64_t number = 0)
{
    return wsh_member{s(key), kind, wsh_str{nullptr, 0}, nullptr, 0, number};
}

wsh_member json_member(std::string_view key, std::string_view json)
{
    return wsh_member{s(key), WSH_VALUE_JSON, s(json), nullptr, 0, 0};
}

// The payload text, or nothing when check() refused the members.
std::optional<std::string> written(const std::vector<wsh_member> &members)
{
    MemberPayload payload;
    if (!payload.check(members.data(), members.size()))
        return std::nullopt;
    std::string out(payload.size() + 8, '#'); // room past the end: the writer must stop at size()
    char *end = payload.write(out.data());
    EXPECT_EQ(static_cast<std::size_t>(end - out.data()), payload.size());
    EXPECT_EQ(out.substr(payload.size()), "########");
    out.resize(payload.size());
    return out;
}

TEST(JsonMembers, NoMembersIsAnEmptyObject)
{
    EXPECT_EQ(written({}), "{}");
    MemberPayload payload;
    EXPECT_TRUE(payload.check(nullptr, 0));
    EXPECT_EQ(payload.size(), 2u);
}

TEST(JsonMembers, EveryKindInOrder)
{
    EXPECT_EQ(written({string_member("s", "text"), scalar("i", WSH_VALUE_INT, -42),
                       scalar("t", WSH_VALUE_BOOL, 7), scalar("f", WSH_VALUE_BOOL, 0),
                       scalar("n", WSH_VALUE_NULL), json_member("j", R"( [1,{"a":null}] )")}),
              R"({"s":"text","i":-42,"t":true,"f":false,"n":null,"j": [1,{"a":null}] })");
}

TEST(JsonMembers, IntegersAtTheirLimits)
{
    EXPECT_EQ(written({scalar("a", WSH_VALUE_INT, INT64_MIN), scalar("b", WSH_VALUE_INT, INT64_MAX),
                       scalar("c", WSH_VALUE_INT, 0)}),
              R"({"a":-9223372036854775808,"b":9223372036854775807,"c":0})");
}

TEST(JsonMembers, StringsAndKeysAreEscaped)
{
    EXPECT_EQ(written({string_member("k\"\\", "q\" b\\ n\n r\r t\t b\b f\f \x01 \x1f del\x7f </script>")}),
              R"({"k\"\\":"q\" b\\ n\n r\r t\t b\b f\f \u0001 \u001f del)"
              "\x7f"
              R"( </script>"})");
    // UTF-8 is copied, not escaped; an escape inside a long ASCII run is found.
    EXPECT_EQ(
        written({string_member("caf\xc3\xa9", "\xe6\x97\xa5 \xf0\x9f\x98\x80 aaaaaaaaaaaaaaaa\"aaaaaaaa")}),
        "{\"caf\xc3\xa9\":\"\xe6\x97\xa5 \xf0\x9f\x98\x80 aaaaaaaaaaaaaaaa\\\"aaaaaaaa\"}");
    // A NUL byte is a character like any other control character.
    EXPECT_EQ(written({string_member("z", std::string_view("a\0b", 3))}), R"({"z":"a\u0000b"})");
}

TEST(JsonMembers, PiecesAreWrittenOneAfterAnother)
{
    const wsh_str more[] = {s("Hello"), s(""), s(" \"world\"")};
    EXPECT_EQ(written({string_member("message", "Echo: ", more, 3)}),
              R"({"message":"Echo: Hello \"world\""})");
    const wsh_str json_more[] = {s(",2"), s("]")};
    EXPECT_EQ(written({wsh_member{s("j"), WSH_VALUE_JSON, s("[1"), json_more, 2, 0}}), R"({"j":[1,2]})");
}

TEST(JsonMembers, RefusesWhatPluginHRefuses)
{
    MemberPayload payload;
    EXPECT_FALSE(payload.check(nullptr, 1));
    EXPECT_FALSE(written({string_member("k", "\xc3")}));             // truncated sequence
    EXPECT_FALSE(written({string_member("k", "\xc0\xaf")}));         // overlong
    EXPECT_FALSE(written({string_member("k", "\xed\xa0\x80")}));     // surrogate
    EXPECT_FALSE(written({string_member("k", "\xf4\x90\x80\x80")})); // above U+10FFFF
    EXPECT_FALSE(written({string_member("\xff", "v")}));             // in a key
    const wsh_str split[] = {s("\xa9")};                             // a character split between pieces
    EXPECT_FALSE(written({string_member("k", "caf\xc3", split, 1)}));
    EXPECT_FALSE(written({wsh_member{s("k"), static_cast<wsh_value_kind>(5), s(""), nullptr, 0, 0}}));
    EXPECT_FALSE(written({wsh_member{wsh_str{nullptr, 1}, WSH_VALUE_NULL, s(""), nullptr, 0, 0}}));
    EXPECT_FALSE(written({wsh_member{s("k"), WSH_VALUE_STRING, wsh_str{nullptr, 3}, nullptr, 0, 0}}));
    EXPECT_FALSE(written({wsh_member{s("k"), WSH_VALUE_STRING, s("a"), nullptr, 1, 0}}));
    const wsh_str null_piece[] = {wsh_str{nullptr, 2}};
    EXPECT_FALSE(written({string_member("k", "a", null_piece, 1)}));
    // A later bad member refuses the whole reply.
    EXPECT_FALSE(written({string_member("ok", "fine"), string_member("k", "\xff")}));
}

TEST(JsonMembers, JsonMembersAreCheckedAsReplySuccessChecksItsPayload)
{
    EXPECT_FALSE(written({json_member("j", "")}));
    EXPECT_FALSE(written({json_member("j", "[1,]")}));
    EXPECT_FALSE(written({json_member("j", "1 2")}));
    EXPECT_FALSE(written({json_member("j", "\"\xff\"")}));
    EXPECT_EQ(written({json_member("j", "\"x\"")}), R"({"j":"x"})");
    // The payload object is one level: its members may nest one level less.
    const int inner = kMaxJsonDepth - 1;
    EXPECT_TRUE(written({json_member("j", std::string(inner, '[') + std::string(inner, ']'))}));
    EXPECT_FALSE(written({json_member("j", std::string(inner + 1, '[') + std::string(inner + 1, ']'))}));
    // Whatever is accepted is a payload reply_success would accept.
    auto deepest = written({json_member("j", std::string(inner, '[') + std::string(inner, ']'))});
    EXPECT_TRUE(is_json_object(*deepest));
}

// Random bytes biased towards what matters (escapes, UTF-8 leads and
// continuations, long ASCII runs): accepted exactly when valid UTF-8, and
// then written as valid JSON that decodes to the same bytes.
TEST(JsonMembers, RandomStringsRoundTrip)
{
    std::mt19937 rng(20261208);
    const std::vector<std::string> characters = {"a",
                                                 "Z",
                                                 "0",
                                                 " ",
                                                 "\"",
                                                 "\\",
                                                 "/",
                                                 "\n",
                                                 "\t",
                                                 "\x01",
                                                 "\x1f",
                                                 "\x7f",
                                                 "\xc3\xa9",
                                                 "\xe6\x97\xa5",
                                                 "\xf0\x9f\x98\x80"};
    const std::vector<std::string> strays = {"\x80", "\xbf", "\xff", "\xed", "\xc3", "\xf0\x9f"};
    int accepted = 0, refused = 0;
    for (int round = 0; round < 4000; ++round) {
        std::string key, text;
        for (std::string *out : {&key, &text}) {
            const int len = static_cast<int>(rng() % 40);
            for (int i = 0; i < len; ++i) {
                if (rng() % 3 == 0)
                    *out += std::string(static_cast<std::size_t>(rng() % 12), 'x'); // long ASCII runs
                *out +=
                    rng() % 60 == 0 ? strays[rng() % strays.size()] : characters[rng() % characters.size()];
            }
        }
        const auto out = written({string_member(key, text)});
        const bool valid = json::valid_utf8(key) && json::valid_utf8(text);
        ASSERT_EQ(out.has_value(), valid)
            << "key " << testing::PrintToString(key) << " text " << testing::PrintToString(text);
        if (!out) {
            ++refused;
            continue;
        }
        ++accepted;
        ASSERT_TRUE(is_json_object(*out)) << *out;
        cJSON *doc = cJSON_ParseWithLength(out->data(), out->size());
        ASSERT_NE(doc, nullptr) << *out;
        ASSERT_NE(doc->child, nullptr);
        if (key.find('\0') == std::string::npos &&
            text.find('\0') == std::string::npos) { // cJSON stops at NUL
            EXPECT_EQ(std::string(doc->child->string), key);
            EXPECT_EQ(std::string(doc->child->valuestring), text);
        }
        cJSON_Delete(doc);
    }
    EXPECT_GT(accepted, 500);
    EXPECT_GT(refused, 500);
}

} // namespace
} // namespace wshost

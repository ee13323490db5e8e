// The two log line formats ([log] format): text as before, and JSON lines
// that any JSON parser reads back, whatever bytes the message holds.
#include "base/log_format.h"

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <memory>

namespace wshost
{
namespace
{

const timeval kWhen{1764657296, 123456}; // 2025-12-02T06:34:56.123Z

using Json = std::unique_ptr<cJSON, decltype(&cJSON_Delete)>;

Json parse(const std::string &line)
{
    return Json(cJSON_ParseWithOpts(line.c_str(), nullptr, 1), &cJSON_Delete); // strict: nothing may follow
}

std::string str(const Json &j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j.get(), key);
    return cJSON_IsString(v) ? v->valuestring : "<absent or not a string>";
}

TEST(LogFormat, TextLineIsUnchanged)
{
    EXPECT_EQ(format_log_line(LogFormat::text, LogLevel::warn, LogFields("x").conn(7), "hello", kWhen),
              "2025-12-02T06:34:56.123Z WARN hello");
}

TEST(LogFormat, JsonLineCarriesEveryFieldThatIsSet)
{
    std::string line = format_log_line(LogFormat::json, LogLevel::info,
                                       LogFields("action_failed")
                                           .conn(18446744073709551615ull)
                                           .user("42")
                                           .request_id("req-1")
                                           .plugin("echo")
                                           .action("echo")
                                           .generation(3),
                                       "action 'echo' failed", kWhen);
    Json j = parse(line);
    ASSERT_TRUE(j) << line;
    EXPECT_EQ(str(j, "ts"), "2025-12-02T06:34:56.123Z");
    EXPECT_EQ(str(j, "level"), "info");
    EXPECT_EQ(str(j, "event"), "action_failed");
    EXPECT_EQ(str(j, "msg"), "action 'echo' failed");
    EXPECT_EQ(str(j, "conn"), "18446744073709551615"); // a decimal string: exact past 2^53
    EXPECT_EQ(str(j, "user"), "42");
    EXPECT_EQ(str(j, "request_id"), "req-1");
    EXPECT_EQ(str(j, "plugin"), "echo");
    EXPECT_EQ(str(j, "action"), "echo");
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(j.get(), "generation");
    ASSERT_TRUE(cJSON_IsNumber(g));
    EXPECT_EQ(g->valuedouble, 3);
    EXPECT_EQ(cJSON_GetArraySize(j.get()), 10);
}

TEST(LogFormat, JsonLineLeavesOutWhatIsNotSet)
{
    std::string line = format_log_line(LogFormat::json, LogLevel::error, LogFields(), "m", kWhen);
    EXPECT_EQ(line, R"({"ts":"2025-12-02T06:34:56.123Z","level":"error","event":"log","msg":"m"})");
}

TEST(LogFormat, JsonEscapesAndReplacesInvalidUtf8)
{
    // Quotes, backslash, control bytes, DEL, valid multi-byte text, then bytes
    // that are not UTF-8: a lone continuation byte, an overlong '/', a
    // surrogate, a truncated sequence at the end.
    const std::string msg =
        std::string("a\"b\\c\n\t\x01\x7f é €  ") + "\x80" + "\xc0\xaf" + "\xed\xa0\x80" + "\xe2\x82";
    std::string line = format_log_line(LogFormat::json, LogLevel::debug, LogFields("t"), msg, kWhen);
    Json j = parse(line);
    ASSERT_TRUE(j) << line;
    for (unsigned char c : line)
        EXPECT_TRUE(c >= 0x20 && c != 0x7f) << "raw control byte in " << line;
    std::string decoded = str(j, "msg");
    const std::string fffd = "\xef\xbf\xbd";
    EXPECT_EQ(decoded, std::string("a\"b\\c\n\t\x01\x7f é €  ") + fffd + fffd + fffd + fffd + fffd + fffd +
                           fffd + fffd);
}

} // namespace
} // namespace wshost

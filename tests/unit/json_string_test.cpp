// append_json_string(), the host's one JSON string escaper, and JsonWriter
// (base/json_writer.h): checked by expected output and by a round trip
// through parse_envelope().
#include "base/json_writer.h"
#include "protocol/envelope.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

using namespace std::string_view_literals;
using wshost::EnvelopeError;
using wshost::parse_envelope;

namespace
{

TEST(AppendJsonString, EscapesQuotesBackslashesAndControls)
{
    std::string out = "x=";
    wshost::append_json_string(out, "a\"b\\c\n\r\t\b\f\x01\x1F\x7F/\xC3\xA9"sv);
    EXPECT_EQ(out, "x=\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f/\xC3\xA9\"");
    out.clear();
    wshost::append_json_string(out, "\0"sv);
    EXPECT_EQ(out, "\"\\u0000\"");
    out.clear();
    wshost::append_json_string(out, "");
    EXPECT_EQ(out, "\"\"");
}

TEST(AppendJsonString, RoundTripsEveryAsciiByte)
{
    std::string s; // bytes 0x00..0x7F: exactly 128, the longest valid action
    for (int c = 0; c < 0x80; ++c)
        s.push_back(static_cast<char>(c));
    std::string quoted;
    wshost::append_json_string(quoted, s);
    const std::string frame = "{\"action\":" + quoted + ",\"requestId\":" + quoted + "}";
    const auto r = parse_envelope(frame);
    ASSERT_EQ(r.error, EnvelopeError::none) << r.message;
    EXPECT_EQ(r.envelope.action, s);
    EXPECT_EQ(r.envelope.request_id, s);
    EXPECT_EQ(r.request_id_json, quoted);
}

} // namespace

namespace
{

TEST(AppendJsonString, WritesValidJsonWhateverTheBytes)
{
    std::string out;
    wshost::append_json_string(out, "caf\xe9 \xc3\xa9 \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82\xac"sv);
    const std::string fffd = "\\ufffd";
    EXPECT_EQ(out, "\"caf" + fffd + " \xc3\xa9 " + fffd + fffd + " " + fffd + fffd + fffd + " " + fffd +
                       fffd + fffd + fffd + " \xe2\x82\xac\"");
    EXPECT_TRUE(wshost::is_json_value(out));
}

TEST(JsonWriter, PlacesCommasColonsAndQuotes)
{
    std::string out;
    wshost::JsonWriter w(out);
    w.begin_object().key("s").string("a\"b").key("n").number(-3).key("id").id(18446744073709551615u);
    w.key("e").begin_object().end_object().key("a").begin_array().number(1).null().boolean(false);
    w.begin_object().key("u").string_or_null("").end_object().raw("[2]").end_array();
    w.key("t").boolean(true).end_object();
    EXPECT_EQ(
        out,
        R"({"s":"a\"b","n":-3,"id":"18446744073709551615","e":{},"a":[1,null,false,{"u":null},[2]],"t":true})");
    EXPECT_TRUE(wshost::is_json_object(out));
}

} // namespace

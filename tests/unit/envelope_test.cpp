// Envelope rules of DESIGN §1, one by one, plus a mutation test that checks
// the scanner against a slow, independent reference validator.
#include "envelope.h"
#include "json_scan.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

using namespace std::string_literals;
using namespace std::string_view_literals;
using wshost::EnvelopeError;
using wshost::EnvelopeResult;
using wshost::parse_envelope;

namespace
{

const char *name(EnvelopeError e)
{
    switch (e) {
    case EnvelopeError::none:
        return "none";
    case EnvelopeError::invalid_json:
        return "invalid_json";
    case EnvelopeError::invalid_message:
        return "invalid_message";
    }
    return "?";
}

std::string printable(std::string_view s)
{
    std::string out;
    for (unsigned char c : s.substr(0, 200)) {
        if (c >= 0x20 && c < 0x7F) {
            out.push_back(static_cast<char>(c));
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        }
    }
    if (s.size() > 200)
        out += "...(" + std::to_string(s.size()) + " bytes)";
    return out;
}

// The frame gives `want`, and the message contains `part` (when given).
testing::AssertionResult Gives(std::string_view frame, EnvelopeError want, std::string_view part = {})
{
    const EnvelopeResult r = parse_envelope(frame);
    if (r.error != want)
        return testing::AssertionFailure() << printable(frame) << " gave " << name(r.error) << " ("
                                           << r.message << "), expected " << name(want);
    if (want == EnvelopeError::none && !r.message.empty())
        return testing::AssertionFailure() << printable(frame) << " succeeded with a message: " << r.message;
    if (!part.empty() && r.message.find(part) == std::string::npos)
        return testing::AssertionFailure()
               << printable(frame) << " message \"" << r.message << "\" lacks \"" << part << "\"";
    return testing::AssertionSuccess();
}
testing::AssertionResult Ok(std::string_view frame)
{
    return Gives(frame, EnvelopeError::none);
}
testing::AssertionResult BadJson(std::string_view frame)
{
    return Gives(frame, EnvelopeError::invalid_json);
}
testing::AssertionResult BadMessage(std::string_view frame, std::string_view part = {})
{
    return Gives(frame, EnvelopeError::invalid_message, part);
}

std::string with_action(std::string_view action_json)
{
    return "{\"action\":" + std::string(action_json) + "}";
}
std::string with_payload(std::string_view payload)
{
    return "{\"action\":\"a\",\"payload\":" + std::string(payload) + "}";
}
std::string nested_arrays(int n)
{
    return std::string(n, '[') + std::string(n, ']');
}

// ---------------------------------------------------------------- basics

TEST(Envelope, MinimalRequest)
{
    const auto r = parse_envelope(R"({"action":"echo"})");
    ASSERT_EQ(r.error, EnvelopeError::none) << r.message;
    EXPECT_EQ(r.envelope.action, "echo");
    EXPECT_TRUE(r.envelope.payload.empty());
    EXPECT_TRUE(r.envelope.metadata.empty());
    EXPECT_TRUE(r.envelope.request_id.empty());
    EXPECT_TRUE(r.request_id_json.empty());
}

TEST(Envelope, FullRequestFromDesign)
{
    const std::string f =
        R"({"action": "echo", "payload": {"message": "Hello"}, "requestId": "req-1", "metadata": {"source": "browser"}})";
    const auto r = parse_envelope(f);
    ASSERT_EQ(r.error, EnvelopeError::none) << r.message;
    EXPECT_EQ(r.envelope.action, "echo");
    EXPECT_EQ(r.envelope.payload, R"({"message": "Hello"})");
    EXPECT_EQ(r.envelope.metadata, R"({"source": "browser"})");
    EXPECT_EQ(r.envelope.request_id, "req-1");
    EXPECT_EQ(r.request_id_json, R"("req-1")");
}

TEST(Envelope, KeysInAnyOrderAndAllWhitespaceKinds)
{
    const auto r = parse_envelope(
        " \t\r\n{ \"metadata\" :{}\n,\r\"requestId\"\t:\"r\" , \"payload\":{ },\"action\" : \"x\" }\r\n\t ");
    ASSERT_EQ(r.error, EnvelopeError::none) << r.message;
    EXPECT_EQ(r.envelope.action, "x");
    EXPECT_EQ(r.envelope.payload, "{ }");
    EXPECT_EQ(r.envelope.metadata, "{}");
    EXPECT_EQ(r.request_id_json, "\"r\"");
}

TEST(Envelope, ActionAndRequestIdAreDecoded)
{
    const auto r = parse_envelope(R"({"action":"e\u0063ho\/\n\"\\\ud83d\ude00","requestId":"r\u00e9"})");
    ASSERT_EQ(r.error, EnvelopeError::none) << r.message;
    EXPECT_EQ(r.envelope.action, "echo/\n\"\\\xF0\x9F\x98\x80");
    EXPECT_EQ(r.envelope.request_id, "r\xC3\xA9");
    EXPECT_EQ(r.request_id_json, R"("r\u00e9")"); // raw token, echoed exactly as sent
}

TEST(Envelope, EscapedNulIsAValidCharacter)
{
    const auto r = parse_envelope(R"({"action":"a\u0000b"})");
    ASSERT_EQ(r.error, EnvelopeError::none) << r.message;
    EXPECT_EQ(r.envelope.action, "a\0b"s);
}

// ---------------------------------------------------------------- top level

TEST(Envelope, TopLevelMustBeAnObject)
{
    for (auto f :
         {"[]", "[{\"action\":\"a\"}]", "\"action\"", "1", "-0.5e3", "null", "true", "false", " [ ] "})
        EXPECT_TRUE(BadMessage(f, "must be a JSON object"));
}

TEST(Envelope, EmptyOrBlankFrameIsInvalidJson)
{
    EXPECT_TRUE(BadJson(""));
    EXPECT_TRUE(BadJson(" \r\n\t"));
}

TEST(Envelope, InvalidJsonMessageSaysWhereAndWhy)
{
    const auto r = parse_envelope(R"({"action":"a",})");
    EXPECT_EQ(r.error, EnvelopeError::invalid_json);
    EXPECT_EQ(r.message, "invalid JSON: expected an object key at byte 14");
}

// ---------------------------------------------------------------- action

TEST(Envelope, ActionIsRequired)
{
    EXPECT_TRUE(BadMessage("{}", "missing required key 'action'"));
    EXPECT_TRUE(BadMessage(R"({"payload":{},"requestId":"r"})", "missing required key 'action'"));
}

TEST(Envelope, ActionMustBeANonEmptyString)
{
    for (auto v : {"\"\"", "1", "null", "true", "{}", "[]", "[\"a\"]", "{\"a\":1}"})
        EXPECT_TRUE(BadMessage(with_action(v), "'action' must be a non-empty string"));
}

TEST(Envelope, ActionLengthCountsDecodedBytes)
{
    EXPECT_TRUE(Ok(with_action('"' + std::string(128, 'a') + '"')));
    EXPECT_TRUE(
        BadMessage(with_action('"' + std::string(129, 'a') + '"'), "'action' must be at most 128 bytes"));
    // 64 x U+00E9 = 128 bytes of UTF-8, raw or escaped (the escaped form is 384 bytes of JSON).
    std::string raw, escaped;
    for (int i = 0; i < 64; ++i)
        raw += "\xC3\xA9", escaped += "\\u00e9";
    EXPECT_TRUE(Ok(with_action('"' + raw + '"')));
    EXPECT_TRUE(Ok(with_action('"' + escaped + '"')));
    EXPECT_TRUE(BadMessage(with_action('"' + raw + "a\""), "at most 128 bytes"));
    EXPECT_TRUE(BadMessage(with_action('"' + escaped + "\\u00e9\""), "at most 128 bytes"));
    // 43 x U+20AC = 129 bytes
    std::string euros;
    for (int i = 0; i < 43; ++i)
        euros += "\xE2\x82\xAC";
    EXPECT_TRUE(BadMessage(with_action('"' + euros + '"'), "at most 128 bytes"));
}

// ---------------------------------------------------------------- payload / metadata

TEST(Envelope, PayloadAndMetadataMustBeObjects)
{
    for (auto v : {"[]", "\"x\"", "1", "null", "true", "[{}]"}) {
        EXPECT_TRUE(BadMessage(R"({"action":"a","payload":)"s + v + "}", "'payload' must be an object"));
        EXPECT_TRUE(BadMessage(R"({"action":"a","metadata":)"s + v + "}", "'metadata' must be an object"));
    }
}

TEST(Envelope, PayloadSpanIsByteExact)
{
    const std::string payload = "{ \"id\" :9007199254740993,\n\t\"f\":1.0E+400, "
                                "\"s\":\"\\u00e9\\/\xC3\xA9\",\r\n \"n\":[ -0 , {} ] }";
    const std::string frame = "{\"action\":\"a\",\"payload\":" + payload +
                              ",\"metadata\":  {\"big\":123456789012345678901234567890}  }";
    const auto r = parse_envelope(frame);
    ASSERT_EQ(r.error, EnvelopeError::none) << r.message;
    EXPECT_EQ(r.envelope.payload, payload);
    EXPECT_EQ(r.envelope.metadata, R"({"big":123456789012345678901234567890})");
    // The spans point into the frame itself.
    EXPECT_EQ(r.envelope.payload.data(), frame.data() + frame.find("{ \"id\""));
    EXPECT_TRUE(Ok(R"({"action":"a","payload":{"id":9007199254740993}})"));
    EXPECT_EQ(parse_envelope(R"({"action":"a","payload":{"id":9007199254740993}})").envelope.payload,
              R"({"id":9007199254740993})");
}

TEST(Envelope, NestedDuplicateKeysArePlugins)
{
    // Only top-level keys are checked for duplicates; inside payload the JSON
    // is the plugin's business (it must still be valid JSON).
    const auto r = parse_envelope(
        R"({"action":"a","payload":{"x":1,"x":2,"action":3,"action":"b"},"metadata":{"k":1,"k":1}})");
    ASSERT_EQ(r.error, EnvelopeError::none) << r.message;
    EXPECT_EQ(r.envelope.payload, R"({"x":1,"x":2,"action":3,"action":"b"})");
    EXPECT_TRUE(BadJson(R"({"action":"a","payload":{"x":1,"x":}})"));
}

// ---------------------------------------------------------------- unknown and duplicate keys

TEST(Envelope, UnknownKeysAreRefusedByName)
{
    EXPECT_TRUE(BadMessage(R"({"action":"a","foo":1})", "unknown key 'foo'"));
    EXPECT_TRUE(BadMessage(R"({"foo":{"deep":[1,2]},"action":"a"})", "unknown key 'foo'"));
    EXPECT_TRUE(BadMessage(R"({"action":"a","Action":"b"})", "unknown key 'Action'"));
    EXPECT_TRUE(BadMessage(R"({"action":"a","":1})", "unknown key ''"));
    EXPECT_TRUE(BadMessage(R"({"action":"a","request_id":"r"})", "unknown key 'request_id'"));
    EXPECT_TRUE(BadMessage(R"({"action":"a","f\u00f6o":1})", "unknown key 'f\xC3\xB6o'"));
}

TEST(Envelope, HugeUnknownKeyIsCutInTheMessage)
{
    std::string key;
    for (int i = 0; i < 1000; ++i)
        key += "\xE2\x82\xAC"; // 3-byte characters: the cut must not split one
    const auto r = parse_envelope("{\"action\":\"a\",\"" + key + "\":1}");
    ASSERT_EQ(r.error, EnvelopeError::invalid_message);
    EXPECT_LT(r.message.size(), 100u);
    EXPECT_NE(r.message.find("..."), std::string::npos);
    EXPECT_TRUE(wshost::is_json_value([&] {
        std::string s;
        wshost::append_json_string(s, r.message);
        return s;
    }()))
        << "message is not valid UTF-8 any more: " << printable(r.message);
}

TEST(Envelope, DuplicateTopLevelKeysAreRefused)
{
    EXPECT_TRUE(BadMessage(R"({"action":"a","action":"a"})", "duplicate key 'action'"));
    EXPECT_TRUE(BadMessage(R"({"action":"a","payload":{},"payload":{}})", "duplicate key 'payload'"));
    EXPECT_TRUE(BadMessage(R"({"action":"a","metadata":{},"metadata":{}})", "duplicate key 'metadata'"));
    EXPECT_TRUE(BadMessage(R"({"action":"a","requestId":"r","requestId":"r"})", "duplicate key 'requestId'"));
}

TEST(Envelope, DuplicatesAreComparedDecoded)
{
    EXPECT_TRUE(BadMessage(R"({"action":"a","act\u0069on":"b"})", "duplicate key 'action'"));
    EXPECT_TRUE(BadMessage(R"({"\u0061ction":"a","action":"b"})", "duplicate key 'action'"));
    EXPECT_TRUE(BadMessage(R"({"action":"a","\u0070ayload":{},"payload":{}})", "duplicate key 'payload'"));
    // An escaped known key alone is that key.
    const auto r = parse_envelope(R"({"\u0061ction":"a","p\u0061yload":{"k":1}})");
    ASSERT_EQ(r.error, EnvelopeError::none) << r.message;
    EXPECT_EQ(r.envelope.payload, R"({"k":1})");
}

TEST(Envelope, FirstBrokenRuleInDocumentOrderIsReported)
{
    EXPECT_TRUE(BadMessage(R"({"foo":1,"action":5})", "unknown key 'foo'"));
    EXPECT_TRUE(BadMessage(R"({"action":5,"foo":1})", "'action' must be a non-empty string"));
    EXPECT_TRUE(BadMessage(R"({"payload":[],"foo":1})", "'payload' must be an object"));
}

TEST(Envelope, InvalidJsonWinsOverEnvelopeRules)
{
    EXPECT_TRUE(BadJson(R"({"foo":1,"action":5} x)"));
    EXPECT_TRUE(BadJson(R"({"foo":1,"action":5,"payload":{"a":01}})"));
    EXPECT_TRUE(BadJson(R"([1,2)"));
    EXPECT_TRUE(BadJson(R"("abc)"));
}

// ---------------------------------------------------------------- requestId

TEST(Envelope, RequestIdMustBeANonEmptyStringOf128BytesAtMost)
{
    EXPECT_TRUE(Ok(R"({"action":"a","requestId":")" + std::string(128, 'r') + "\"}"));
    EXPECT_TRUE(BadMessage(R"({"action":"a","requestId":")" + std::string(129, 'r') + "\"}",
                           "'requestId' must be at most 128 bytes"));
    EXPECT_TRUE(BadMessage(R"({"action":"a","requestId":""})", "'requestId' must be a non-empty string"));
    for (auto v : {"1", "null", "{}", "[\"r\"]", "true"})
        EXPECT_TRUE(
            BadMessage(R"({"action":"a","requestId":)"s + v + "}", "'requestId' must be a non-empty string"));
}

struct EchoCase {
    const char *frame;
    const char *echoed; // expected request_id_json; "" = not echoed
};

TEST(Envelope, RequestIdEchoRule)
{
    const std::string r128 = "\"" + std::string(128, 'r') + "\"";
    const std::string r129 = "\"" + std::string(129, 'r') + "\"";
    const std::string f128 = R"({"action":"a","requestId":)" + r128 + "}";
    const std::string f129 = R"({"action":"a","requestId":)" + r129 + "}";
    const EchoCase cases[] = {
        {R"({"action":"a","requestId":"req-1"})", R"("req-1")"},               // present
        {R"({"action":"a"})", ""},                                             // absent
        {R"({"action":"a","requestId":""})", ""},                              // empty
        {f128.c_str(), r128.c_str()},                                          // 128 bytes
        {f129.c_str(), ""},                                                    // too long
        {R"({"action":"a","requestId":7})", ""},                               // not a string
        {R"({"action":"a","requestId":null})", ""},                            // not a string
        {R"({"action":"a","requestId":"x","requestId":"x"})", ""},             // duplicated
        {R"({"action":"a","requestId":"x","r\u0065questId":"y"})", ""},        // duplicated (escaped)
        {R"({"action":"a","requestId":"x","requestId":""})", ""},              // duplicated, one invalid
        {R"([{"action":"a","requestId":"x"}])", ""},                           // not an object
        {R"({"action":"a","requestId":"x"} x)", ""},                           // invalid JSON
        {R"({"action":"a","requestId":"x",)", ""},                             // invalid JSON
        {R"({"action":"a","requestId":"x","payload":{"a":01}})", ""},          // invalid JSON later
        {R"({"requestId":"x","foo":1,"action":"a"})", R"("x")"},               // other rule broken
        {R"({"requestId":"x"})", R"("x")"},                                    // action missing
        {R"({"action":"","requestId":"x"})", R"("x")"},                        // action invalid
        {R"({"action":"a","action":"a","requestId":"x"})", R"("x")"},          // other key duplicated
        {R"({"requestId" : "a\"b\u0000" , "action":"a"})", R"("a\"b\u0000")"}, // raw token kept
        {R"({"action":"a","payload":{"requestId":"inner"}})", ""},             // nested ones don't count
    };
    for (const auto &c : cases) {
        const auto r = parse_envelope(c.frame);
        EXPECT_EQ(r.request_id_json, c.echoed) << c.frame << " -> " << name(r.error) << " " << r.message;
    }
}

TEST(Envelope, RequestIdEchoedWhenTooDeep)
{
    const std::string frame = R"({"requestId":"x","action":"a","payload":{"d":)" + nested_arrays(200) + "}}";
    const auto r = parse_envelope(frame); // the result's views point into frame
    EXPECT_EQ(r.error, EnvelopeError::invalid_message);
    EXPECT_EQ(r.request_id_json, "\"x\"");
}

// ---------------------------------------------------------------- JSON strictness

TEST(Envelope, TrailingGarbageIsInvalidJson)
{
    for (auto f :
         {R"({"action":"a"}x)"sv, R"({"action":"a"}{})"sv, R"({"action":"a"} ,)"sv, R"({"action":"a"}})"sv,
          "{\"action\":\"a\"}\0"sv, "{\"action\":\"a\"}\f"sv, "{\"action\":\"a\"}\xC2\xA0"sv,
          R"({"action":"a"}//)"sv, R"({"action":"a"} "a")"sv, R"(1 2)"sv, R"([] [])"sv})
        EXPECT_TRUE(BadJson(f));
}

TEST(Envelope, Numbers)
{
    for (auto v : {"0", "-0", "1", "-1", "10", "1.5", "-0.0", "0e0", "0E+1", "1e-7",
                   "123456789012345678901234567890", "1.0E400", "-9007199254740993", "0.000001"}) {
        EXPECT_TRUE(wshost::is_json_value(v)) << v;
        EXPECT_TRUE(Ok(with_payload("{\"n\":"s + v + "}"))) << v;
        EXPECT_TRUE(Ok(with_payload("{\"n\":["s + v + "," + v + "]}"))) << v;
    }
    for (auto v : {"01",  "-01",   "00",   "+1",   ".5",           "1.",  "-",        "-.5",       "1e",
                   "1e+", "1E-",   "1.e5", "0x10", "1_000",        "NaN", "Infinity", "-Infinity", "1.5.5",
                   "--1", "1e5.5", "0.",   "2.e3", "\xEF\xBC\x91", "1 2"}) {
        EXPECT_FALSE(wshost::is_json_value(v)) << v;
        EXPECT_TRUE(BadJson(with_payload("{\"n\":"s + v + "}"))) << v;
        EXPECT_TRUE(BadJson(with_payload("{\"n\":["s + v + "]}"))) << v;
    }
}

TEST(Envelope, Literals)
{
    for (auto v : {"true", "false", "null"})
        EXPECT_TRUE(Ok(with_payload("{\"v\":"s + v + "}"))) << v;
    for (auto v : {"True", "nul", "nulll", "tru", "falsey", "undefined", "'a'", "NULL"})
        EXPECT_TRUE(BadJson(with_payload("{\"v\":"s + v + "}"))) << v;
}

TEST(Envelope, StringEscapes)
{
    for (auto s : {R"("\"\\\/\b\f\n\r\t")", R"("\u0000\u001F\uFFFF\uffff\u00e9")", R"("\ud834\udd1e")",
                   R"("\uDBFF\uDFFF")", R"("\uD800\uDC00")"})
        EXPECT_TRUE(Ok(with_payload("{\"s\":"s + s + "}"))) << s;
    for (auto s : {R"("\x41")",     R"("\a")",           R"("\'")",           R"("\U0041")",
                   R"("\u12")",     R"("\u12G4")",       R"("\u")",           R"("\)",
                   "\"\\\"",        R"("\uD800")",       R"("\uDBFF")",       R"("\uDC00")",
                   R"("\uDFFF")",   R"("\uD800\u0041")", R"("\uD800\uD800")", R"("\uD800x")",
                   R"("\uD800\n")", R"("\uDC00\uD800")", R"("\uD800\uDC0")",  R"("\uD800\")"}) {
        EXPECT_TRUE(BadJson(with_payload("{\"s\":"s + s + "}"))) << s;
        EXPECT_TRUE(BadJson(with_action(s))) << s;
        EXPECT_FALSE(wshost::is_json_value(s)) << s;
    }
    // A lone surrogate in a key is just as invalid.
    EXPECT_TRUE(BadJson(R"({"action":"a","\uD800":1})"));
}

TEST(Envelope, RawControlCharactersInStringsAreInvalid)
{
    for (int c = 0; c < 0x20; ++c) {
        const std::string s = "\"a" + std::string(1, static_cast<char>(c)) + "b\"";
        EXPECT_TRUE(BadJson(with_action(s))) << c;
        EXPECT_TRUE(BadJson(with_payload("{\"s\":" + s + "}"))) << c;
        EXPECT_TRUE(BadJson(with_payload("{" + s + ":1}"))) << c;
    }
    EXPECT_TRUE(Ok(with_action("\"a\x7F"
                               "b\""))); // DEL is allowed by RFC 8259
}

TEST(Envelope, OnlyFourWhitespaceCharacters)
{
    for (auto ws : {"\f"sv, "\v"sv, "\xC2\xA0"sv, "\xE2\x80\xA8"sv, "\xEF\xBB\xBF"sv, "\0"sv}) {
        EXPECT_TRUE(BadJson(std::string(ws) + R"({"action":"a"})")) << printable(ws);
        EXPECT_TRUE(BadJson(R"({"action":)" + std::string(ws) + R"("a"})")) << printable(ws);
        EXPECT_TRUE(BadJson(with_payload("{\"a\":[1," + std::string(ws) + "2]}"))) << printable(ws);
    }
}

TEST(Envelope, Utf8MustBeWellFormed)
{
    const std::string_view bad[] = {
        "\x80"sv,             // lone continuation byte
        "\xBF"sv,             //
        "\xC0\x80"sv,         // overlong NUL
        "\xC1\xBF"sv,         // overlong
        "\xE0\x80\xAF"sv,     // overlong '/'
        "\xE0\x9F\xBF"sv,     // overlong (largest)
        "\xF0\x80\x80\xAF"sv, // overlong
        "\xF0\x8F\xBF\xBF"sv, // overlong (largest)
        "\xED\xA0\x80"sv,     // U+D800 encoded in UTF-8
        "\xED\xBF\xBF"sv,     // U+DFFF encoded in UTF-8
        "\xF4\x90\x80\x80"sv, // U+110000
        "\xF5\x80\x80\x80"sv, //
        "\xF8\x88\x80\x80\x80"sv,
        "\xFE"sv,
        "\xFF"sv,
        "\xC3"sv,             // truncated
        "\xE2\x82"sv,         // truncated
        "\xF0\x9F\x98"sv,     // truncated
        "\xC3\x28"sv,         // bad continuation
        "\xE2\x28\xA1"sv,     //
        "\xF0\x9F\x98\x28"sv, //
    };
    for (auto b : bad) {
        const std::string s = "\"a" + std::string(b) + "\"";
        EXPECT_TRUE(BadJson(with_action(s))) << printable(b);
        EXPECT_TRUE(BadJson(with_payload("{\"s\":" + s + "}"))) << printable(b);
        EXPECT_TRUE(BadJson(with_payload("{" + s + ":1}"))) << printable(b);
        EXPECT_TRUE(BadJson(R"({"action":"a","requestId":)" + s + "}")) << printable(b);
        EXPECT_TRUE(BadJson(with_payload("{\"s\":1}" + std::string(b)))) << printable(b);
        // Truncated at the very end of the frame: the scanner must not read past it.
        EXPECT_TRUE(BadJson("{\"action\":\"a" + std::string(b))) << printable(b);
    }
    const std::string_view good[] = {
        "\x7F"sv,         "\xC2\x80"sv,     "\xDF\xBF"sv,     "\xE0\xA0\x80"sv,     "\xEC\xBF\xBF"sv,
        "\xED\x9F\xBF"sv, "\xEE\x80\x80"sv, "\xEF\xBF\xBF"sv, "\xF0\x90\x80\x80"sv, "\xF4\x8F\xBF\xBF"sv,
        "\xEF\xBF\xBE"sv /* U+FFFE noncharacter: valid */};
    for (auto g : good)
        EXPECT_TRUE(Ok(with_action("\"" + std::string(g) + "\""))) << printable(g);
}

TEST(Envelope, BinaryishFramesAreInvalidJson)
{
    EXPECT_TRUE(BadJson("\x00\x01\x02\x03"sv));
    EXPECT_TRUE(BadJson("\x89PNG\r\n\x1A\n"sv));
    EXPECT_TRUE(BadJson("{\"action\":\"\xFF\xFE\xFD\"}"sv));
    EXPECT_TRUE(BadJson("\xFF\xFE{\0\"\0a\0"sv)); // UTF-16 with BOM
}

TEST(Envelope, StructuralErrors)
{
    for (auto f : {R"({"action":"a",})",
                   R"({"action":"a" "payload":{}})",
                   R"({"action" "a"})",
                   R"({"action":})",
                   R"({,"action":"a"})",
                   R"({"action":"a"]})",
                   R"({'action':'a'})",
                   R"({action:"a"})",
                   R"({"action":"a","payload":{"a":[1,]}})",
                   R"({"action":"a","payload":{"a":[,1]}})",
                   R"({"action":"a","payload":{"a":}})",
                   R"({"action":"a","payload":{"a" 1}})",
                   R"({"action":"a","payload":{"a":1,}})",
                   R"({"action":"a","payload":{1:1}})",
                   R"({"action":"a","payload":{"a":[1}})",
                   R"({"action":"a","payload":{"a":{]}})",
                   R"({"action":"a","payload":{"a":1})",
                   R"({"action":"a")",
                   "{",
                   "[",
                   "{\"",
                   "{\"action\"",
                   R"({"action":"a","payload":)",
                   R"(})",
                   R"(])",
                   R"({"action":"a"/*c*/})"})
        EXPECT_TRUE(BadJson(f));
}

// ---------------------------------------------------------------- depth

TEST(Envelope, DepthCapCountsTheEnvelopeObject)
{
    using wshost::kMaxJsonDepth;
    // The envelope is level 1, payload level 2: payload may hold kMaxJsonDepth - 2 more levels.
    EXPECT_TRUE(Ok(with_payload("{\"d\":" + nested_arrays(kMaxJsonDepth - 2) + "}")));
    EXPECT_TRUE(
        BadMessage(with_payload("{\"d\":" + nested_arrays(kMaxJsonDepth - 1) + "}"), "nesting too deep"));
    EXPECT_TRUE(
        BadMessage(R"({"action":"a","foo":)" + nested_arrays(kMaxJsonDepth) + "}", "unknown key 'foo'"));
    EXPECT_TRUE(BadMessage(nested_arrays(kMaxJsonDepth + 1), "nesting too deep"));
    EXPECT_TRUE(BadMessage(nested_arrays(kMaxJsonDepth), "must be a JSON object"));
}

TEST(Envelope, IsJsonValueDepthCap)
{
    using wshost::kMaxJsonDepth;
    EXPECT_TRUE(wshost::is_json_value(nested_arrays(kMaxJsonDepth)));
    EXPECT_FALSE(wshost::is_json_value(nested_arrays(kMaxJsonDepth + 1)));
    std::string objs;
    for (int i = 0; i < kMaxJsonDepth; ++i)
        objs += "{\"a\":";
    objs += "1" + std::string(kMaxJsonDepth, '}');
    EXPECT_TRUE(wshost::is_json_object(objs));
    EXPECT_FALSE(wshost::is_json_object("{\"a\":" + objs + "}"));
}

TEST(Envelope, VeryDeepInputNeverOverflowsTheStack)
{
    // Rule: syntax first. Broken deep input is invalid_json whatever its depth;
    // deep but well-formed input is invalid_message (nesting too deep).
    const int n = 1000000;
    EXPECT_TRUE(BadJson(std::string(n, '[')));
    EXPECT_TRUE(BadJson(R"({"action":"a","payload":{"d":)" + std::string(n, '[')));
    EXPECT_TRUE(BadMessage(nested_arrays(n), "nesting too deep"));
    EXPECT_TRUE(BadMessage(R"({"action":"a","payload":{"d":)" + nested_arrays(n) + "}}", "nesting too deep"));
    EXPECT_FALSE(wshost::is_json_value(nested_arrays(n)));
    EXPECT_FALSE(wshost::is_json_value(std::string(n, '{')));
    // Mixed objects and arrays past the inline stack: closers must still match.
    std::string open, close;
    for (int i = 0; i < 5000; ++i) {
        open += (i % 3 == 0) ? "{\"k\":" : "[";
        close.insert(close.begin(), (i % 3 == 0) ? '}' : ']');
    }
    const std::string good = open + "1" + close;
    EXPECT_EQ(wshost::json::validate(good, wshost::kMaxJsonDepth), wshost::json::Validity::too_deep);
    EXPECT_TRUE(BadMessage(with_payload("{\"d\":" + good + "}"), "nesting too deep"));
    for (std::size_t at : {std::size_t{0}, std::size_t{1}, close.size() / 2, close.size() - 1}) {
        std::string bad = good;
        char &c = bad[open.size() + 1 + at];
        c = c == '}' ? ']' : '}';
        EXPECT_EQ(wshost::json::validate(bad, wshost::kMaxJsonDepth), wshost::json::Validity::invalid) << at;
        EXPECT_TRUE(BadJson(with_payload("{\"d\":" + bad + "}"))) << at;
    }
    std::string deep_open_object = "{\"action\":\"a\",\"payload\":";
    for (int i = 0; i < 50000; ++i)
        deep_open_object += "{\"\":[";
    EXPECT_TRUE(BadJson(deep_open_object));
}

// ---------------------------------------------------------------- helpers

TEST(IsJson, ValuesAndObjects)
{
    using wshost::is_json_object;
    using wshost::is_json_value;
    EXPECT_TRUE(is_json_object("{}"));
    EXPECT_TRUE(is_json_object(" \n{\"a\":[1,{\"b\":null}]}\t "));
    EXPECT_FALSE(is_json_object("[]"));
    EXPECT_FALSE(is_json_object("\"{}\""));
    EXPECT_FALSE(is_json_object(""));
    EXPECT_FALSE(is_json_object("{} {}"));
    EXPECT_FALSE(is_json_object("{\"a\":1,\"a\"}"));
    EXPECT_TRUE(is_json_object("{\"a\":1,\"a\":2}")); // duplicates are only an envelope rule
    for (auto v : {"1", "\"s\"", "null", " [ ] ", "{}", "-0.1e-1", "\"\\u00e9\""})
        EXPECT_TRUE(is_json_value(v)) << v;
    for (auto v : {"", " ", "[", "1,", "\"", "nul", "{\"a\"}", "[1]]"})
        EXPECT_FALSE(is_json_value(v)) << v;
}

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

// ---------------------------------------------------------------- mutation test

// Reference validator: plain recursive descent, written independently of the
// scanner (UTF-8 is checked by decoding code points, not by byte ranges).
class Reference
{
  public:
    explicit Reference(std::string_view s) : s_(s) {}
    // 1 valid, 0 invalid, -1 deeper than the reference handles (skip)
    int document()
    {
        ws();
        if (!value(0))
            return deep_ ? -1 : 0;
        ws();
        return i_ == s_.size() ? 1 : 0;
    }

  private:
    bool more() const { return i_ < s_.size(); }
    unsigned char cur() const { return static_cast<unsigned char>(s_[i_]); }
    void ws()
    {
        while (more() && (cur() == ' ' || cur() == '\t' || cur() == '\n' || cur() == '\r'))
            ++i_;
    }
    bool eat(char c)
    {
        if (more() && s_[i_] == c)
            return ++i_, true;
        return false;
    }
    bool value(int d)
    {
        if (d > 200)
            return deep_ = true, false;
        ws();
        if (!more())
            return false;
        switch (s_[i_]) {
        case '{': {
            ++i_;
            ws();
            if (eat('}'))
                return true;
            do {
                ws();
                if (!more() || s_[i_] != '"' || !str())
                    return false;
                ws();
                if (!eat(':') || !value(d + 1))
                    return false;
                ws();
            } while (eat(','));
            return eat('}');
        }
        case '[': {
            ++i_;
            ws();
            if (eat(']'))
                return true;
            do {
                if (!value(d + 1))
                    return false;
                ws();
            } while (eat(','));
            return eat(']');
        }
        case '"':
            return str();
        case 't':
            return word("true");
        case 'f':
            return word("false");
        case 'n':
            return word("null");
        default:
            return num();
        }
    }
    bool word(std::string_view w)
    {
        if (s_.substr(i_, w.size()) != w)
            return false;
        i_ += w.size();
        return true;
    }
    bool digits()
    {
        const std::size_t start = i_;
        while (more() && std::isdigit(cur()))
            ++i_;
        return i_ > start;
    }
    bool num()
    {
        eat('-');
        if (eat('0')) {
        } else if (more() && cur() >= '1' && cur() <= '9') {
            digits();
        } else {
            return false;
        }
        if (eat('.') && !digits())
            return false;
        if (more() && (cur() == 'e' || cur() == 'E')) {
            ++i_;
            if (!eat('+'))
                eat('-');
            if (!digits())
                return false;
        }
        return true;
    }
    bool hex(std::uint32_t &v)
    {
        if (s_.size() - i_ < 4)
            return false;
        v = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = s_[i_++];
            if (!std::isxdigit(static_cast<unsigned char>(c)))
                return false;
            v = v * 16 + static_cast<std::uint32_t>(
                             std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        return true;
    }
    bool str()
    {
        ++i_;
        for (;;) {
            if (!more())
                return false;
            const unsigned char c = cur();
            if (c == '"')
                return ++i_, true;
            if (c < 0x20)
                return false;
            if (c == '\\') {
                ++i_;
                if (!more())
                    return false;
                const char e = s_[i_++];
                if (std::string_view("\"\\/bfnrt").find(e) != std::string_view::npos)
                    continue;
                if (e != 'u')
                    return false;
                std::uint32_t v;
                if (!hex(v))
                    return false;
                if (v >= 0xDC00 && v <= 0xDFFF)
                    return false;
                if (v >= 0xD800 && v <= 0xDBFF) {
                    std::uint32_t w;
                    if (!eat('\\') || !eat('u') || !hex(w) || w < 0xDC00 || w > 0xDFFF)
                        return false;
                }
                continue;
            }
            if (c < 0x80) {
                ++i_;
                continue;
            }
            // Decode one code point and check it.
            int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
            if (n == 0 || c >= 0xF8 || s_.size() - i_ < static_cast<std::size_t>(n))
                return false;
            std::uint32_t cp = c & (0x7F >> n);
            for (int k = 1; k < n; ++k) {
                const unsigned char cc = static_cast<unsigned char>(s_[i_ + k]);
                if ((cc & 0xC0) != 0x80)
                    return false;
                cp = cp << 6 | (cc & 0x3F);
            }
            const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
            if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return false;
            i_ += static_cast<std::size_t>(n);
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
    bool deep_ = false;
};

TEST(Envelope, ReferenceValidatorAgreesOnTheBasics)
{
    EXPECT_EQ(Reference(R"({"a":[1,-0.5e+3,"\u00e9\ud83d\ude00",true,null]})").document(), 1);
    EXPECT_EQ(Reference("\"\xED\xA0\x80\"").document(), 0);
    EXPECT_EQ(Reference("\"\xC0\x80\"").document(), 0);
    EXPECT_EQ(Reference("01").document(), 0);
}

TEST(Envelope, RandomMutationsNeverCrashAndAgree)
{
    const std::string seeds[] = {
        R"({"action":"echo","payload":{"message":"Hello"},"requestId":"req-1","metadata":{"source":"browser"}})",
        R"({ "action" : "a\u00e9\ud83d\ude00" , "payload" : { "n" : [ 0 , -1.5e+10 , true , false , null , {} , [] ] } })",
        "{\"action\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\",\"requestId\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
        R"({"payload":{"a":{"b":{"c":[[[["x"]]]]}},"big":9007199254740993},"action":"x","metadata":{}})",
        R"({"action":"a","foo":1,"action":"b"})",
        R"([{"action":"a"}])",
    };
    const char alphabet[] =
        "{}[]\",:\\ \t\r\n0123456789.eE+-tfnulrsa/bu\x00\x01\x1f\x7f\x80\xbf\xc0\xc3\xe2\xed\xf0\xf4\xff";
    std::mt19937 rng(20240611);
    auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    int checked = 0, valid = 0, invalid_json = 0, invalid_message = 0;
    for (int iter = 0; iter < 20000; ++iter) {
        std::string m = seeds[pick(std::size(seeds))];
        const int edits = 1 + static_cast<int>(pick(3));
        for (int e = 0; e < edits && !m.empty(); ++e) {
            const std::size_t at = pick(m.size());
            switch (pick(5)) {
            case 0:
                m[at] = alphabet[pick(sizeof alphabet - 1)];
                break;
            case 1:
                m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), alphabet[pick(sizeof alphabet - 1)]);
                break;
            case 2:
                m.erase(at, 1 + pick(3));
                break;
            case 3:
                m.insert(at, m.substr(pick(m.size()), 1 + pick(8)));
                break;
            case 4:
                m.resize(at);
                break;
            }
        }
        const EnvelopeResult r = parse_envelope(m);
        const auto v = wshost::json::validate(m, wshost::kMaxJsonDepth);
        const int ref = Reference(m).document();
        SCOPED_TRACE(printable(m));
        ASSERT_EQ(r.error == EnvelopeError::invalid_json, v == wshost::json::Validity::invalid);
        ASSERT_EQ(r.error == EnvelopeError::invalid_json,
                  !wshost::is_json_value(m)); // no deep mutations here
        if (ref >= 0) {
            ASSERT_EQ(ref == 1, v != wshost::json::Validity::invalid);
            ++checked;
        }
        const char *b = m.data(), *e = m.data() + m.size();
        if (!r.request_id_json.empty()) {
            ASSERT_NE(r.error, EnvelopeError::invalid_json);
            ASSERT_TRUE(r.request_id_json.data() >= b &&
                        r.request_id_json.data() + r.request_id_json.size() <= e);
            ASSERT_TRUE(wshost::is_json_value(r.request_id_json));
            ASSERT_EQ(r.request_id_json.front(), '"');
        }
        if (r.error == EnvelopeError::none) {
            ++valid;
            ASSERT_TRUE(!r.envelope.action.empty() && r.envelope.action.size() <= wshost::kMaxActionBytes);
            for (std::string_view span : {r.envelope.payload, r.envelope.metadata}) {
                if (span.empty())
                    continue;
                ASSERT_TRUE(span.data() >= b && span.data() + span.size() <= e);
                ASSERT_TRUE(wshost::is_json_object(span));
                ASSERT_EQ(span.front(), '{');
                ASSERT_EQ(span.back(), '}');
            }
        } else {
            ASSERT_FALSE(r.message.empty());
            ++(r.error == EnvelopeError::invalid_json ? invalid_json : invalid_message);
        }
    }
    // The mutations must exercise all three outcomes, and the reference must have checked nearly all.
    EXPECT_GT(valid, 500);
    EXPECT_GT(invalid_json, 5000);
    EXPECT_GT(invalid_message, 500);
    EXPECT_GT(checked, 19000);
}

} // namespace

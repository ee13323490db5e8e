// Envelope rules of DESIGN §1, one by one. The random-mutation test against a
// reference validator is in envelope_mutation_test.cpp.
#include "protocol/envelope.h"
#include "envelope_checks.h"
#include "json/json_scan.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

using namespace std::string_literals;
using namespace std::string_view_literals;
using namespace envelope_checks;

namespace
{

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

} // namespace

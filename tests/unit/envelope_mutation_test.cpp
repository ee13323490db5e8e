// A mutation test that checks the envelope scanner against a slow,
// independent reference validator.
#include "protocol/envelope.h"
#include "envelope_checks.h"
#include "json/json_scan.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

using envelope_checks::printable;
using wshost::EnvelopeError;
using wshost::EnvelopeResult;
using wshost::parse_envelope;

namespace
{

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

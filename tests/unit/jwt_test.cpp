// HS256 JWT rules of DESIGN §2 (host/src/auth/jwt.h), one by one. Tokens under
// test are built here independently of jwt.cpp: JSON by hand, base64url from
// OpenSSL's EVP_EncodeBlock, HMAC from OpenSSL's one-shot HMAC(); plus the
// fixed jwt.io known-answer token.
#include "json/base64.h"
#include "auth/jwt.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace std::string_literals;
using wshost::JwtKey;
namespace jwt = wshost::jwt;
using jwt::Failure;

namespace
{

constexpr int64_t kNow = 1'700'000'000;
constexpr int kLeeway = 30;

// --- independent implementation --------------------------------------------

std::string ref_b64url(std::string_view bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                  reinterpret_cast<const unsigned char *>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    while (!out.empty() && out.back() == '=')
        out.pop_back();
    for (char &c : out) {
        if (c == '+')
            c = '-';
        else if (c == '/')
            c = '_';
    }
    return out;
}

std::string ref_sign(std::string_view secret, std::string_view input)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char *>(input.data()), input.size(), md, &len);
    return ref_b64url(std::string_view(reinterpret_cast<const char *>(md), len));
}

// A token from raw header and payload JSON text, signed with `secret`.
std::string make(std::string_view header, std::string_view payload, std::string_view secret)
{
    std::string input = ref_b64url(header) + "." + ref_b64url(payload);
    return input + "." + ref_sign(secret, input);
}

const std::string kHs = R"({"alg":"HS256","typ":"JWT"})";

std::string claims(std::string_view extra = "")
{
    std::string c = R"({"sub":"alice","exp":)" + std::to_string(kNow + 600);
    if (!extra.empty())
        c += ',' + std::string(extra);
    return c + '}';
}

std::vector<JwtKey> one_key(std::string secret = "s3cret-key-material", std::string kid = "")
{
    JwtKey k;
    k.kid = std::move(kid);
    k.secret = std::move(secret);
    return {k};
}

jwt::Result check(std::string_view token, const std::vector<JwtKey> &keys = one_key(), int64_t now = kNow,
                  int leeway = kLeeway)
{
    return jwt::verify(token, keys, now, leeway);
}

#define EXPECT_FAILURE(result, kind)                                                                         \
    do {                                                                                                     \
        const jwt::Result r_ = (result);                                                                     \
        EXPECT_EQ(jwt::failure_name(r_.failure), std::string(jwt::failure_name(kind))) << r_.detail;         \
        EXPECT_FALSE(r_.detail.empty());                                                                     \
    } while (0)

// Payload with the given claims only (no default sub/exp).
std::string signed_payload(std::string_view payload, const std::string &secret = "s3cret-key-material")
{
    return make(kHs, payload, secret);
}

} // namespace

// --- base64url ---------------------------------------------------------------

TEST(Base64Url, Rfc4648VectorsRoundTrip)
{
    const std::pair<const char *, const char *> vectors[] = {
        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto &[plain, enc] : vectors) {
        EXPECT_EQ(wshost::base64url_encode(plain), enc);
        EXPECT_EQ(wshost::base64url_decode(enc), std::optional<std::string>(plain));
    }
    std::string all;
    for (int i = 0; i < 256; ++i)
        all.push_back(static_cast<char>(i));
    for (std::size_t n = 0; n <= all.size(); n += 7) {
        const std::string part = all.substr(0, n);
        EXPECT_EQ(wshost::base64url_encode(part), ref_b64url(part));
        EXPECT_EQ(wshost::base64url_decode(ref_b64url(part)), std::optional<std::string>(part));
    }
    EXPECT_EQ(wshost::base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64Url, StrictDecoder)
{
    EXPECT_FALSE(wshost::base64url_decode("Zg==")); // padding
    EXPECT_FALSE(wshost::base64url_decode("Zm8="));
    EXPECT_FALSE(wshost::base64url_decode("+_8")); // standard alphabet
    EXPECT_FALSE(wshost::base64url_decode("-/8"));
    EXPECT_FALSE(wshost::base64url_decode("Zm9 v")); // whitespace
    EXPECT_FALSE(wshost::base64url_decode("Zm9vY")); // 1 mod 4
    EXPECT_FALSE(wshost::base64url_decode("Zh"));    // non-zero trailing bits ("Zg" is canonical)
    EXPECT_FALSE(wshost::base64url_decode("Zm9"));   // ("Zm8" is canonical)
    EXPECT_FALSE(wshost::base64url_decode(std::string_view("Zg\0", 3)));
    EXPECT_TRUE(wshost::base64url_decode("-_8"));
}

// --- known answer --------------------------------------------------------------

namespace
{
// jwt.io's HS256 example, secret "your-256-bit-secret"; payload
// {"sub":"1234567890","name":"John Doe","iat":1516239022} (no exp).
const std::string kJwtIo = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                           "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
                           "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
} // namespace

TEST(JwtKnownAnswer, JwtIoExampleVerifiesThenMissesExp)
{
    // missing_exp is only decided after the signature verified.
    EXPECT_FAILURE(check(kJwtIo, one_key("your-256-bit-secret")), Failure::missing_exp);
    // The independent signer agrees with the fixed vector.
    EXPECT_EQ(kJwtIo.substr(kJwtIo.rfind('.') + 1),
              ref_sign("your-256-bit-secret", kJwtIo.substr(0, kJwtIo.rfind('.'))));
}

TEST(JwtKnownAnswer, JwtIoExampleTampered)
{
    const std::size_t sig = kJwtIo.rfind('.') + 1;
    std::string flipped = kJwtIo;
    flipped[sig] = 'T'; // 'S' -> 'T'
    EXPECT_FAILURE(check(flipped, one_key("your-256-bit-secret")), Failure::bad_signature);

    // Last char 'c' (trailing bits 00): 'g' keeps them zero, 'd' sets one.
    std::string last = kJwtIo;
    last.back() = 'g';
    EXPECT_FAILURE(check(last, one_key("your-256-bit-secret")), Failure::bad_signature);
    last.back() = 'd';
    EXPECT_FAILURE(check(last, one_key("your-256-bit-secret")), Failure::malformed);

    EXPECT_FAILURE(check(kJwtIo, one_key("your-256-bit-secreT")), Failure::bad_signature);

    // Payload changed, signature kept.
    std::string payload = kJwtIo;
    payload[kJwtIo.find('.') + 5] = 'X';
    EXPECT_FAILURE(check(payload, one_key("your-256-bit-secret")), Failure::bad_signature);
}

TEST(JwtKnownAnswer, JwtIoExampleWithRotationAndKid)
{
    std::vector<JwtKey> keys = one_key("old-secret", "a");
    keys.push_back(one_key("your-256-bit-secret", "b")[0]);
    EXPECT_FAILURE(check(kJwtIo, keys), Failure::missing_exp); // no kid: every key tried
}

TEST(JwtKnownAnswer, PyJwtToken)
{
    // Made once with PyJWT 2.6.0:
    //   jwt.encode({'sub': 12345678901234567890, 'exp': 4102444800, 'nbf': 1600000000.5,
    //               'tags': {'room': 'lobby', 'plan': 'caf\u00e9'}},
    //              'pyjwt-secret', algorithm='HS256', headers={'kid': '2024'})
    const std::string token = "eyJhbGciOiJIUzI1NiIsImtpZCI6IjIwMjQiLCJ0eXAiOiJKV1QifQ."
                              "eyJzdWIiOjEyMzQ1Njc4OTAxMjM0NTY3ODkwLCJleHAiOjQxMDI0NDQ4MDAsIm5iZiI6MTYwMDAwMD"
                              "AwMC41LCJ0YWdzIjp7InJvb2"
                              "0iOiJsb2JieSIsInBsYW4iOiJjYWZcdTAwZTkifX0."
                              "tc_y8U85_xrnSo6yyQmN8LtPeh-9Uf-8QtVGbaTL34E";
    std::vector<JwtKey> keys = one_key("wrong", "2023");
    keys.push_back(one_key("pyjwt-secret", "2024")[0]);
    const jwt::Result r = check(token, keys);
    ASSERT_EQ(r.failure, Failure::none) << r.detail;
    EXPECT_EQ(r.identity.user, "12345678901234567890");
    EXPECT_EQ(r.identity.tags,
              (std::map<std::string, std::string>{{"room", "lobby"}, {"plan", "caf\xc3\xa9"}}));
    EXPECT_FAILURE(check(token, keys, 1600000000 - kLeeway), Failure::not_yet_valid); // nbf is x.5
    EXPECT_EQ(check(token, keys, 1600000001 - kLeeway).failure, Failure::none);
    EXPECT_FAILURE(check(token, keys, 4102444800 + kLeeway + 1), Failure::expired);
    EXPECT_FAILURE(check(token, one_key("pyjwt-secret", "2023")), Failure::unknown_kid);
}

// --- tokens from the independent implementation -------------------------------------

TEST(JwtIndependent, AcceptsHandBuiltToken)
{
    const std::string token =
        signed_payload(R"( { "iat" : 1 , "sub":"alice" , "exp": )" + std::to_string(kNow + 60) +
                       R"(, "tags":{"plan":"pro","region":"eu-1"}, "aud":["x",{"y":null}] } )");
    const jwt::Result r = check(token);
    ASSERT_EQ(r.failure, Failure::none) << r.detail;
    EXPECT_TRUE(r.detail.empty());
    EXPECT_EQ(r.identity.user, "alice");
    const std::map<std::string, std::string> want{{"plan", "pro"}, {"region", "eu-1"}};
    EXPECT_EQ(r.identity.tags, want);
}

TEST(JwtIndependent, HeaderVariants)
{
    const std::string p = claims();
    const std::string s = "s3cret-key-material";
    EXPECT_EQ(check(make(R"({"alg":"HS256"})", p, s)).failure, Failure::none);             // typ optional
    EXPECT_EQ(check(make(R"({"typ":"jwt","alg":"HS256"})", p, s)).failure, Failure::none); // case-insensitive
    EXPECT_EQ(check(make(R"({"alg":"HS256","x5t":"zz","cty":"a"})", p, s)).failure, Failure::none);
    EXPECT_EQ(check(make(R"({"alg":"HS\u0032\u00356"})", p, s)).failure, Failure::none); // escapes decoded

    EXPECT_FAILURE(check(make(R"({"alg":"HS256","typ":"JWS"})", p, s)), Failure::malformed);
    EXPECT_FAILURE(check(make(R"({"alg":"HS256","typ":1})", p, s)), Failure::malformed);
    EXPECT_FAILURE(check(make(R"({"alg":"HS256","kid":7})", p, s)), Failure::malformed);
    EXPECT_FAILURE(check(make(R"({"alg":"HS256","crit":["exp"]})", p, s)), Failure::malformed);
    EXPECT_FAILURE(check(make(R"({"alg":"HS256","alg":"HS256"})", p, s)), Failure::malformed);
    EXPECT_FAILURE(check(make(R"({"alg":"HS256"} x)", p, s)), Failure::malformed);
    EXPECT_FAILURE(check(make(R"({"alg":"HS256",})", p, s)), Failure::malformed);
    EXPECT_FAILURE(check(make(R"(["alg","HS256"])", p, s)), Failure::malformed);
    EXPECT_FAILURE(check(make("", p, s)), Failure::malformed);
    EXPECT_FAILURE(check(make("{\"alg\":\"HS256\",\"x\":\"\xff\"}", p, s)), Failure::malformed); // bad UTF-8
}

TEST(JwtIndependent, UnsupportedAlg)
{
    const std::string p = claims();
    const std::string s = "s3cret-key-material";
    // Unsecured JWS: empty signature part.
    const std::string none = ref_b64url(R"({"alg":"none","typ":"JWT"})") + "." + ref_b64url(p) + ".";
    EXPECT_FAILURE(check(none), Failure::unsupported_alg);
    EXPECT_FAILURE(check(make(R"({"alg":"none"})", p, s)), Failure::unsupported_alg);
    EXPECT_FAILURE(check(make(R"({"alg":"RS256","typ":"JWT"})", p, s)), Failure::unsupported_alg);
    EXPECT_FAILURE(check(make(R"({"alg":"HS512"})", p, s)), Failure::unsupported_alg);
    EXPECT_FAILURE(check(make(R"({"alg":"hs256"})", p, s)), Failure::unsupported_alg);
    EXPECT_FAILURE(check(make(R"({"alg":["HS256"]})", p, s)), Failure::unsupported_alg);
    EXPECT_FAILURE(check(make(R"({"alg":null})", p, s)), Failure::unsupported_alg);
    EXPECT_FAILURE(check(make(R"({"typ":"JWT"})", p, s)), Failure::unsupported_alg);
}

// --- structure and base64 ---------------------------------------------------------------

TEST(JwtStructure, Malformed)
{
    const std::string good = signed_payload(claims());
    ASSERT_EQ(check(good).failure, Failure::none);
    const std::size_t d1 = good.find('.'), d2 = good.rfind('.');

    EXPECT_FAILURE(check(""), Failure::malformed);
    EXPECT_FAILURE(check("abc"), Failure::malformed);
    EXPECT_FAILURE(check(good.substr(0, d2)), Failure::malformed); // two parts
    EXPECT_FAILURE(check(good + ".AAAA"), Failure::malformed);     // four parts
    EXPECT_FAILURE(check(" " + good), Failure::malformed);         // whitespace
    EXPECT_FAILURE(check(good + "\n"), Failure::malformed);
    EXPECT_FAILURE(check("Bearer " + good), Failure::malformed);

    // A '=' at the end of each part.
    for (std::size_t part_end : {d1, d2, good.size()}) {
        SCOPED_TRACE(part_end);
        std::string t = good;
        t.insert(part_end, "=");
        EXPECT_FAILURE(check(t), Failure::malformed);
    }
    // Standard-alphabet characters.
    std::string plus = good;
    plus[d2 + 3] = '+';
    EXPECT_FAILURE(check(plus), Failure::malformed);
    std::string slash = good;
    slash[1] = '/';
    EXPECT_FAILURE(check(slash), Failure::malformed);
    std::string nul = good;
    nul[d1 + 2] = '\0';
    EXPECT_FAILURE(check(nul), Failure::malformed);
    // Payload part of length 1 mod 4.
    std::string one_mod_4 = good;
    one_mod_4.insert(d1 + 1, "A");
    while ((one_mod_4.find('.', d1 + 1) - d1 - 1) % 4 != 1)
        one_mod_4.insert(d1 + 1, "A");
    EXPECT_FAILURE(check(one_mod_4), Failure::malformed);
}

TEST(JwtStructure, PaddedTokenFromAPaddingEncoder)
{
    // A signer that forgets to strip '=': a 16-byte header needs "==".
    const std::string h = R"({"alg":"HS256" })";
    ASSERT_EQ(h.size() % 3, 1u);
    const std::string s = "s3cret-key-material";
    EXPECT_EQ(check(make(h, claims(), s)).failure, Failure::none);
    std::string padded = ref_b64url(h) + "==." + ref_b64url(claims());
    padded += "." + ref_sign(s, padded);
    EXPECT_FAILURE(check(padded), Failure::malformed);
}

TEST(JwtStructure, LengthLimit)
{
    // Pad an ignored claim until the token is just under / just over the limit.
    std::string under, over;
    for (std::size_t n = 5000; n < 7000 && over.empty(); ++n) {
        const std::string t = signed_payload(claims(R"("pad":")" + std::string(n, 'x') + '"'));
        if (t.size() <= jwt::kMaxTokenBytes)
            under = t;
        else
            over = t;
    }
    ASSERT_FALSE(under.empty());
    ASSERT_FALSE(over.empty());
    EXPECT_GE(under.size(), jwt::kMaxTokenBytes - 3);
    EXPECT_EQ(check(under).failure, Failure::none) << check(under).detail;
    EXPECT_FAILURE(check(over), Failure::malformed);
}

// --- keys -------------------------------------------------------------------------------

TEST(JwtKeys, RoundTripWithAndWithoutKid)
{
    const std::vector<JwtKey> keys = one_key("k1-secret", "k1");
    const std::string with_kid = jwt::mint(keys[0], "bob", kNow, 300, {}, true);
    const std::string without = jwt::mint(keys[0], "bob", kNow, 300, {}, false);
    ASSERT_FALSE(with_kid.empty());
    ASSERT_FALSE(without.empty());
    EXPECT_EQ(wshost::base64url_decode(with_kid.substr(0, with_kid.find('.'))),
              std::optional<std::string>(R"({"alg":"HS256","typ":"JWT","kid":"k1"})"));
    EXPECT_EQ(wshost::base64url_decode(without.substr(0, without.find('.'))),
              std::optional<std::string>(R"({"alg":"HS256","typ":"JWT"})"));
    for (const std::string &t : {with_kid, without}) {
        const jwt::Result r = check(t, keys);
        ASSERT_EQ(r.failure, Failure::none) << r.detail;
        EXPECT_EQ(r.identity.user, "bob");
        EXPECT_TRUE(r.identity.tags.empty());
    }
    // The payload is what the header comment promises.
    const std::size_t d1 = without.find('.'), d2 = without.rfind('.');
    EXPECT_EQ(wshost::base64url_decode(without.substr(d1 + 1, d2 - d1 - 1)),
              std::optional<std::string>(R"({"sub":"bob","iat":1700000000,"exp":1700000300})"));
    // Signature checks out with the independent signer.
    EXPECT_EQ(without.substr(d2 + 1), ref_sign("k1-secret", without.substr(0, d2)));
}

TEST(JwtKeys, RoundTripTagsAndEscaping)
{
    JwtKey key = one_key("k", "kid \"quoted\"\n")[0];
    const std::string sub = "O'Brien \"the\" \\ user\t\xc3\xa9";
    const std::map<std::string, std::string> tags{
        {"plan", "pro"}, {"say", "\"hi\"\\"}, {"\xe2\x82\xac", "euro"}};
    // A tab is a control character: refused by both sides.
    EXPECT_EQ(jwt::mint(key, sub, kNow, 60, tags, true), "");
    const std::string clean_sub = "O'Brien \"the\" \\ user \xc3\xa9";
    const std::string t = jwt::mint(key, clean_sub, kNow, 60, tags, true);
    ASSERT_FALSE(t.empty());
    const jwt::Result r = check(t, {key});
    ASSERT_EQ(r.failure, Failure::none) << r.detail;
    EXPECT_EQ(r.identity.user, clean_sub);
    EXPECT_EQ(r.identity.tags, tags);
}

TEST(JwtKeys, Rotation)
{
    JwtKey old_key = one_key("old-secret", "2023")[0];
    JwtKey new_key = one_key("new-secret", "2024")[0];
    const std::vector<JwtKey> both{old_key, new_key};

    // No kid: every key is tried; the second one matches.
    const std::string by_new = jwt::mint(new_key, "carol", kNow, 60, {}, false);
    EXPECT_EQ(check(by_new, both).failure, Failure::none);
    const std::string by_old = jwt::mint(old_key, "carol", kNow, 60, {}, false);
    EXPECT_EQ(check(by_old, both).failure, Failure::none);

    // The old key is retired.
    const std::vector<JwtKey> only_new{new_key};
    EXPECT_FAILURE(check(jwt::mint(old_key, "carol", kNow, 60, {}, true), only_new), Failure::unknown_kid);
    EXPECT_FAILURE(check(by_old, only_new), Failure::bad_signature);
    EXPECT_EQ(check(jwt::mint(new_key, "carol", kNow, 60, {}, true), only_new).failure, Failure::none);

    // With a kid only that key is tried, even if another key would match.
    JwtKey liar = new_key;
    liar.kid = "2023";
    const std::string kid_2023_signed_new = jwt::mint(liar, "carol", kNow, 60, {}, true);
    EXPECT_FAILURE(check(kid_2023_signed_new, both), Failure::bad_signature);

    // Two keys sharing a kid (overlap during rotation): both tried.
    JwtKey new_same_kid = new_key;
    new_same_kid.kid = "2023";
    EXPECT_EQ(check(kid_2023_signed_new, {old_key, new_same_kid}).failure, Failure::none);
}

TEST(JwtKeys, EmptyKidMatchesKeysWithoutKid)
{
    const std::string t = make(R"({"alg":"HS256","kid":""})", claims(), "plain");
    EXPECT_EQ(check(t, one_key("plain")).failure, Failure::none);
    EXPECT_FAILURE(check(t, one_key("plain", "k")), Failure::unknown_kid);
}

TEST(JwtKeys, EmptyKeysAndEmptySecrets)
{
    const std::string t = signed_payload(claims());
    EXPECT_FAILURE(check(t, {}), Failure::unknown_kid);
    EXPECT_FAILURE(check(jwt::mint(one_key("x", "k")[0], "u", kNow, 60, {}, true), {}), Failure::unknown_kid);

    // A key with an empty secret is never used, even for a token signed with "".
    const std::string empty_signed = make(kHs, claims(), "");
    EXPECT_FAILURE(check(empty_signed, one_key("")), Failure::unknown_kid);
    std::vector<JwtKey> keys = one_key("");
    keys.push_back(one_key("s3cret-key-material")[0]);
    EXPECT_FAILURE(check(empty_signed, keys), Failure::bad_signature);
    EXPECT_EQ(check(t, keys).failure, Failure::none);
}

TEST(JwtKeys, WrongSignatureLength)
{
    const std::string good = signed_payload(claims());
    const std::string input = good.substr(0, good.rfind('.'));
    EXPECT_FAILURE(check(input + "."), Failure::bad_signature);
    EXPECT_FAILURE(check(input + "." + ref_b64url(std::string(31, 'a'))), Failure::bad_signature);
    EXPECT_FAILURE(check(input + "." + ref_b64url(std::string(64, 'a'))), Failure::bad_signature);
}

// --- claims ---------------------------------------------------------------------------

TEST(JwtClaims, PayloadMustBeAnObjectWithoutDuplicates)
{
    const std::string exp = std::to_string(kNow + 60);
    EXPECT_FAILURE(check(signed_payload("not json")), Failure::malformed);
    EXPECT_FAILURE(check(signed_payload("")), Failure::malformed);
    EXPECT_FAILURE(check(signed_payload("[1]")), Failure::malformed);
    EXPECT_FAILURE(check(signed_payload("\"alice\"")), Failure::malformed);
    EXPECT_FAILURE(check(signed_payload(R"({"sub":"a","exp":)" + exp + "} {}")), Failure::malformed);
    EXPECT_FAILURE(check(signed_payload(R"({"sub":"a","exp":)" + exp + R"(,"sub":"admin"})")),
                   Failure::malformed);
    EXPECT_FAILURE(check(signed_payload(R"({"sub":"a","exp":)" + exp + R"(,"exp":1})")), Failure::malformed);
    // Escaped duplicate of "sub".
    EXPECT_FAILURE(check(signed_payload(R"({"sub":"a","exp":)" + exp + R"(,"\u0073ub":"admin"})")),
                   Failure::malformed);
    // Nested objects of ignored claims may repeat keys.
    EXPECT_EQ(check(signed_payload(R"({"sub":"a","exp":)" + exp + R"(,"x":{"k":1,"k":2}})")).failure,
              Failure::none);
    // Too deep.
    EXPECT_FAILURE(check(signed_payload(R"({"sub":"a","exp":)" + exp + R"(,"x":)" + std::string(200, '[') +
                                        std::string(200, ']') + "}")),
                   Failure::malformed);
}

TEST(JwtClaims, Sub)
{
    auto sub = [](std::string_view json) {
        return check(signed_payload(R"({"exp":)" + std::to_string(kNow + 60) + R"(,"sub":)" +
                                    std::string(json) + "}"));
    };
    EXPECT_EQ(sub(R"("alice")").identity.user, "alice");
    EXPECT_EQ(sub(R"("caf\u00e9 \ud83d\ude00")").identity.user, "caf\xc3\xa9 \xf0\x9f\x98\x80");
    EXPECT_EQ(sub("12345678901234567890").identity.user, "12345678901234567890"); // > 2^64, exact
    EXPECT_EQ(sub("9007199254740993").identity.user, "9007199254740993");         // 2^53 + 1
    EXPECT_EQ(sub("0").identity.user, "0");
    EXPECT_EQ(sub("-42").identity.user, "-42");
    EXPECT_EQ(sub('"' + std::string(256, 'u') + '"').failure, Failure::none);
    EXPECT_EQ(sub(std::string(256, '7')).failure, Failure::none);

    EXPECT_FAILURE(sub(R"("")"), Failure::bad_claims);
    EXPECT_FAILURE(sub('"' + std::string(257, 'u') + '"'), Failure::bad_claims);
    EXPECT_FAILURE(sub(std::string(257, '7')), Failure::bad_claims);
    EXPECT_FAILURE(sub("1.5"), Failure::bad_claims);
    EXPECT_FAILURE(sub("1.0"), Failure::bad_claims);
    EXPECT_FAILURE(sub("1e3"), Failure::bad_claims);
    EXPECT_FAILURE(sub("1E3"), Failure::bad_claims);
    EXPECT_FAILURE(sub("true"), Failure::bad_claims);
    EXPECT_FAILURE(sub("null"), Failure::bad_claims);
    EXPECT_FAILURE(sub(R"(["alice"])"), Failure::bad_claims);
    EXPECT_FAILURE(sub(R"({"id":"alice"})"), Failure::bad_claims);
    EXPECT_FAILURE(sub(R"("ali\u0000ce")"), Failure::bad_claims);
    EXPECT_FAILURE(sub(R"("alice\n")"), Failure::bad_claims);
    EXPECT_FAILURE(sub("01"), Failure::malformed); // not JSON
    EXPECT_FAILURE(check(signed_payload(R"({"exp":)" + std::to_string(kNow + 60) + "}")),
                   Failure::bad_claims);
}

TEST(JwtClaims, ExpBoundaries)
{
    auto at = [](std::string_view exp, int64_t now, int leeway = kLeeway) {
        return check(signed_payload(R"({"sub":"a","exp":)" + std::string(exp) + "}"), one_key(), now, leeway);
    };
    const std::string e = std::to_string(kNow);
    EXPECT_EQ(at(e, kNow).failure, Failure::none);
    EXPECT_EQ(at(e, kNow + kLeeway).failure, Failure::none); // now == exp + leeway: still valid
    EXPECT_FAILURE(at(e, kNow + kLeeway + 1), Failure::expired);
    EXPECT_EQ(at(e, kNow, 0).failure, Failure::none);
    EXPECT_FAILURE(at(e, kNow + 1, 0), Failure::expired);
    EXPECT_FAILURE(at(e, kNow + 1, -5), Failure::expired); // negative leeway counts as 0
    // Fractional NumericDate.
    EXPECT_EQ(at(e + ".5", kNow + kLeeway).failure, Failure::none);
    EXPECT_FAILURE(at(std::to_string(kNow - 1) + ".5", kNow + kLeeway), Failure::expired);
    EXPECT_EQ(at(std::to_string(kNow) + "e0", kNow).failure, Failure::none);
    EXPECT_EQ(at("1.7e9", 1'700'000'000).failure, Failure::none);
    EXPECT_EQ(at("1e300", kNow).failure, Failure::none);
    EXPECT_FAILURE(at("-1", kNow), Failure::expired);
    EXPECT_FAILURE(at("-1e300", kNow), Failure::expired);
    // Extreme clocks do not overflow.
    EXPECT_FAILURE(at(e, INT64_MAX, INT32_MAX), Failure::expired);
    EXPECT_EQ(at(e, INT64_MIN, INT32_MAX).failure, Failure::none);

    EXPECT_FAILURE(at(R"(")" + e + R"(")", kNow), Failure::bad_claims);
    EXPECT_FAILURE(at("null", kNow), Failure::bad_claims);
    EXPECT_FAILURE(at("1e400", kNow), Failure::bad_claims);
    EXPECT_FAILURE(at("[1]", kNow), Failure::bad_claims);
    EXPECT_FAILURE(check(signed_payload(R"({"sub":"a"})")), Failure::missing_exp);
    EXPECT_FAILURE(check(signed_payload(R"({"sub":"a","Exp":1e300})")), Failure::missing_exp);
}

TEST(JwtClaims, NbfBoundaries)
{
    auto at = [](std::string_view nbf, int64_t now, int leeway = kLeeway) {
        return check(signed_payload(R"({"sub":"a","exp":1e300,"nbf":)" + std::string(nbf) + "}"), one_key(),
                     now, leeway);
    };
    const std::string n = std::to_string(kNow);
    EXPECT_EQ(at(n, kNow).failure, Failure::none);
    EXPECT_EQ(at(n, kNow - kLeeway).failure, Failure::none); // now + leeway == nbf: valid
    EXPECT_FAILURE(at(n, kNow - kLeeway - 1), Failure::not_yet_valid);
    EXPECT_EQ(at(n, kNow, 0).failure, Failure::none);
    EXPECT_FAILURE(at(n, kNow - 1, 0), Failure::not_yet_valid);
    // Fractional: now + leeway == nbf - 0.5 is too early.
    EXPECT_FAILURE(at(n + ".5", kNow - kLeeway), Failure::not_yet_valid);
    EXPECT_EQ(at(std::to_string(kNow - 1) + ".5", kNow - kLeeway).failure, Failure::none);
    EXPECT_FAILURE(at("1e300", kNow), Failure::not_yet_valid);
    EXPECT_EQ(at("-1e300", kNow).failure, Failure::none);
    EXPECT_EQ(at(n, INT64_MAX, INT32_MAX).failure, Failure::none);

    EXPECT_FAILURE(at(R"(")" + n + R"(")", kNow), Failure::bad_claims);
    EXPECT_FAILURE(at("true", kNow), Failure::bad_claims);
    EXPECT_FAILURE(at("-1e999", kNow), Failure::bad_claims);
}

TEST(JwtClaims, ExpiredAndNotYetValidOrder)
{
    // Both wrong: exp is reported (checked first).
    EXPECT_FAILURE(check(signed_payload(R"({"sub":"a","exp":1,"nbf":1e300})")), Failure::expired);
}

TEST(JwtClaims, Tags)
{
    auto tags = [](std::string_view json) {
        return check(signed_payload(claims(R"("tags":)" + std::string(json))));
    };
    jwt::Result r = tags(R"({"room":"lobby","tier":"gold"})");
    ASSERT_EQ(r.failure, Failure::none) << r.detail;
    EXPECT_EQ(r.identity.tags, (std::map<std::string, std::string>{{"room", "lobby"}, {"tier", "gold"}}));
    r = tags("{}");
    EXPECT_EQ(r.failure, Failure::none);
    EXPECT_TRUE(r.identity.tags.empty());
    r = tags(R"({"k\u00e9":"v\"1"})");
    ASSERT_EQ(r.failure, Failure::none) << r.detail;
    EXPECT_EQ(r.identity.tags.at("k\xc3\xa9"), "v\"1");
    EXPECT_EQ(tags(R"({")" + std::string(256, 'k') + R"(":")" + std::string(256, 'v') + R"("})").failure,
              Failure::none);

    EXPECT_FAILURE(tags(R"({"n":1})"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"({"b":true})"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"({"z":null})"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"({"o":{"x":"y"}})"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"({"a":["x"]})"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"({"":"v"})"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"({"k":""})"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"({"k":"a\u0000b"})"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"({"k\u0000":"v"})"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"({")" + std::string(257, 'k') + R"(":"v"})"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"({"k":")" + std::string(257, 'v') + R"("})"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"(["room","lobby"])"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"("room=lobby")"), Failure::bad_claims);
    EXPECT_FAILURE(tags("null"), Failure::bad_claims);
    EXPECT_FAILURE(tags(R"({"k":"a","k":"b"})"), Failure::malformed);
}

// --- detail hygiene ---------------------------------------------------------------------

TEST(JwtDetail, NeverEchoesTokenSignatureOrSecret)
{
    const std::string secret = "TOP-SECRET-KEY-0123456789";
    const std::vector<JwtKey> keys = one_key(secret, "kid1");
    const std::string exp = std::to_string(kNow + 60);
    std::vector<std::string> tokens = {
        make(kHs, claims(), secret),                                           // ok (kid-less)
        make(kHs, claims(), "other"),                                          // bad_signature
        make(R"({"alg":"HS256","kid":"nope"})", claims(), secret),             // unknown_kid
        make(R"({"alg":"none"})", claims(), secret),                           // unsupported_alg
        make(kHs, R"({"sub":"SUBJECT-VALUE"})", secret),                       // missing_exp
        make(kHs, R"({"sub":"SUBJECT-VALUE","exp":1})", secret),               // expired
        make(kHs, R"({"sub":"SUBJECT-VALUE","exp":1e12,"nbf":1e11})", secret), // not_yet_valid
        make(kHs, R"({"sub":"","exp":)" + exp + "}", secret),                  // bad_claims
        make(kHs, R"({"sub":"a","exp":)" + exp + R"(,"tags":{"TAGKEY":5}})", secret),
        make(kHs, "PAYLOAD-NOT-JSON", secret), // malformed
        make(R"({"alg":"HS256","kid":"line1\nline2 \u001b[31m"})", claims(), secret),
        "A.B.C",
        "short",
    };
    tokens.push_back(tokens[1] + "=");
    std::set<Failure> seen;
    for (const std::string &t : tokens) {
        const jwt::Result r = check(t, keys);
        seen.insert(r.failure);
        if (r.failure == Failure::none)
            continue;
        SCOPED_TRACE(r.detail);
        EXPECT_EQ(r.detail.find(t), std::string::npos);
        EXPECT_EQ(r.detail.find(secret), std::string::npos);
        EXPECT_EQ(r.detail.find("SUBJECT-VALUE"), std::string::npos);
        EXPECT_EQ(r.detail.find("TAGKEY"), std::string::npos);
        EXPECT_EQ(r.detail.find("PAYLOAD"), std::string::npos);
        for (std::size_t pos = 0, end; pos <= t.size(); pos = end + 1) { // no part of the token either
            end = std::min(t.find('.', pos), t.size());
            if (end - pos >= 8) {
                EXPECT_EQ(r.detail.find(t.substr(pos, end - pos)), std::string::npos);
            }
        }
        for (char c : r.detail)
            EXPECT_TRUE(c >= 0x20 && c < 0x7F) << "unprintable byte in detail";
    }
    EXPECT_EQ(seen.size(), 9u); // every kind, none included
}

TEST(JwtDetail, KidIsSanitizedAndCut)
{
    const std::string kid(100, 'Q');
    const jwt::Result r =
        check(make(R"({"alg":"HS256","kid":")" + kid + R"("})", claims(), "x"), one_key("x", "k"));
    EXPECT_EQ(r.failure, Failure::unknown_kid);
    EXPECT_NE(r.detail.find(std::string(64, 'Q') + "..."), std::string::npos) << r.detail;
    EXPECT_EQ(r.detail.find(std::string(65, 'Q')), std::string::npos);
}

TEST(JwtNames, EveryFailureHasAStableName)
{
    EXPECT_STREQ(jwt::failure_name(Failure::none), "none");
    EXPECT_STREQ(jwt::failure_name(Failure::malformed), "malformed");
    EXPECT_STREQ(jwt::failure_name(Failure::unsupported_alg), "unsupported_alg");
    EXPECT_STREQ(jwt::failure_name(Failure::unknown_kid), "unknown_kid");
    EXPECT_STREQ(jwt::failure_name(Failure::bad_signature), "bad_signature");
    EXPECT_STREQ(jwt::failure_name(Failure::missing_exp), "missing_exp");
    EXPECT_STREQ(jwt::failure_name(Failure::expired), "expired");
    EXPECT_STREQ(jwt::failure_name(Failure::not_yet_valid), "not_yet_valid");
    EXPECT_STREQ(jwt::failure_name(Failure::bad_claims), "bad_claims");
}

// --- mint input checks ------------------------------------------------------------------

TEST(JwtMint, RefusesInputItCannotSign)
{
    const JwtKey key = one_key("k", "id")[0];
    EXPECT_EQ(jwt::mint(one_key("")[0], "u", kNow, 60, {}, false), "");
    EXPECT_EQ(jwt::mint(key, "", kNow, 60, {}, false), "");
    EXPECT_EQ(jwt::mint(key, std::string(257, 'u'), kNow, 60, {}, false), "");
    EXPECT_EQ(jwt::mint(key, "\xff", kNow, 60, {}, false), "");
    EXPECT_EQ(jwt::mint(key, std::string("a\0b", 3), kNow, 60, {}, false), "");
    EXPECT_EQ(jwt::mint(key, "u", kNow, 0, {}, false), "");
    EXPECT_EQ(jwt::mint(key, "u", kNow, -5, {}, false), "");
    EXPECT_EQ(jwt::mint(key, "u", INT64_MAX, 1, {}, false), "");
    EXPECT_EQ(jwt::mint(key, "u", kNow, 60, {{"", "v"}}, false), "");
    EXPECT_EQ(jwt::mint(key, "u", kNow, 60, {{"k", ""}}, false), "");
    EXPECT_EQ(jwt::mint(key, "u", kNow, 60, {{"k", std::string(257, 'v')}}, false), "");

    EXPECT_NE(jwt::mint(key, std::string(256, 'u'), kNow, 60, {}, false), "");
    // put_kid with a key without kid: no kid member.
    const std::string t = jwt::mint(one_key("k")[0], "u", kNow, 60, {}, true);
    EXPECT_EQ(wshost::base64url_decode(t.substr(0, t.find('.'))),
              std::optional<std::string>(R"({"alg":"HS256","typ":"JWT"})"));
}

TEST(JwtMint, ExpiresAfterTtl)
{
    const JwtKey key = one_key("k")[0];
    const std::string t = jwt::mint(key, "u", kNow, 100, {}, false);
    EXPECT_EQ(jwt::verify(t, {key}, kNow + 100, 0).failure, Failure::none);
    EXPECT_EQ(jwt::verify(t, {key}, kNow + 101, 0).failure, Failure::expired);
    EXPECT_EQ(jwt::verify(t, {key}, kNow + 130, 30).failure, Failure::none);
}

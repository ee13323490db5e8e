// HS256 compact JWS (DESIGN §2); the rules are listed in jwt.h.
//
// JSON is read with the host's strict scanner (json_scan.h), not cJSON: it
// refuses trailing garbage and lets us see duplicate keys and the raw text of
// a numeric "sub", which cJSON would round through a double.
#include "auth/jwt.h"

#include "json/base64.h"
#include "json/json_scan.h"
#include "base/json_writer.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <climits>
#include <cmath>
#include <optional>

namespace wshost::jwt
{
namespace
{

constexpr std::size_t kSigBytes = 32; // SHA-256
constexpr std::size_t kMaxKidShown = 64;

Result fail(Failure f, std::string detail)
{
    Result r;
    r.failure = f;
    r.detail = std::move(detail);
    return r;
}

// Top-level members of one JSON object: decoded key -> raw value text.
using Members = std::map<std::string, std::string_view, std::less<>>;
enum class ObjectScan { ok, invalid, duplicate };

// `text` must be exactly one JSON object (strict, depth-capped). Nested
// objects are validated but their keys are not checked for duplicates.
ObjectScan scan_object(std::string_view text, Members &out)
{
    json::Scanner s(text, kMaxJsonDepth);
    bool duplicate = false;
    s.skip_ws();
    if (!s.consume('{'))
        return ObjectScan::invalid;
    s.skip_ws();
    if (!s.consume('}')) {
        std::string key;
        for (;;) {
            key.clear();
            if (!s.member_key(&key))
                return ObjectScan::invalid;
            s.skip_ws();
            const char *begin = s.pos();
            if (!s.value(1) || s.too_deep())
                return ObjectScan::invalid;
            const std::string_view raw(begin, static_cast<std::size_t>(s.pos() - begin));
            if (!out.emplace(key, raw).second)
                duplicate = true;
            s.skip_ws();
            if (s.consume(','))
                continue;
            if (s.consume('}'))
                break;
            return ObjectScan::invalid;
        }
    }
    if (!s.end_of_document())
        return ObjectScan::invalid;
    return duplicate ? ObjectScan::duplicate : ObjectScan::ok;
}

bool is_string(std::string_view raw)
{
    return !raw.empty() && raw.front() == '"';
}
bool is_number(std::string_view raw)
{
    return !raw.empty() && (raw.front() == '-' || (raw.front() >= '0' && raw.front() <= '9'));
}

// Decodes a raw JSON string token already validated by scan_object().
std::string decode_string(std::string_view raw)
{
    std::string out;
    json::Scanner s(raw, 1);
    s.string(&out);
    return out;
}

// sub, tag keys and tag values: names (name_rule.h) and, the claim policy on
// top, no control characters.
bool valid_claim_text(std::string_view s)
{
    if (!valid_name(s))
        return false;
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
            return false;
    return true;
}

// A NumericDate as a double; nullopt when not a number or out of double range.
std::optional<double> numeric_date(std::string_view raw)
{
    if (!is_number(raw))
        return std::nullopt;
    double v = 0;
    const auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
    if (ec != std::errc() || end != raw.data() + raw.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

int64_t clamp_to_i64(double d)
{
    if (d >= 9223372036854775808.0)
        return INT64_MAX;
    if (d <= -9223372036854775808.0)
        return INT64_MIN;
    return static_cast<int64_t>(d);
}

int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

// A kid from the token, safe for a log line.
std::string shown_kid(std::string_view kid)
{
    std::string s = "'";
    for (std::size_t i = 0; i < kid.size() && i < kMaxKidShown; ++i) {
        const char c = kid[i];
        s.push_back(c >= 0x20 && c < 0x7F && c != '\'' && c != '\\' ? c : '?');
    }
    if (kid.size() > kMaxKidShown)
        s += "...";
    s += '\'';
    return s;
}

bool equals_ascii_ci(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

// HMAC-SHA256(secret, data) into md; false when OpenSSL fails or the secret is unusable.
bool hs256(std::string_view secret, std::string_view data, unsigned char (&md)[EVP_MAX_MD_SIZE],
           unsigned &len)
{
    if (secret.empty() || secret.size() > static_cast<std::size_t>(INT_MAX))
        return false;
    len = 0;
    return HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                reinterpret_cast<const unsigned char *>(data.data()), data.size(), md, &len) != nullptr &&
           len == kSigBytes;
}

// Verifies the "tags" claim into *tags; a Failure other than none on error.
Failure read_tags(std::string_view raw, std::map<std::string, std::string> &tags, std::string &detail)
{
    Members members;
    if (raw.empty() || raw.front() != '{') {
        detail = "claim 'tags' must be an object of strings";
        return Failure::bad_claims;
    }
    switch (scan_object(raw, members)) {
    case ObjectScan::ok:
        break;
    case ObjectScan::duplicate:
        detail = "claim 'tags' has a duplicate key";
        return Failure::malformed;
    case ObjectScan::invalid: // cannot happen: raw was validated as part of the payload
        detail = "claim 'tags' is not valid JSON";
        return Failure::malformed;
    }
    for (const auto &[key, value] : members) {
        if (!valid_claim_text(key)) {
            detail = "claim 'tags' has an empty, control-character or over-long (> " +
                     std::to_string(kMaxClaimBytes) + " bytes) key";
            return Failure::bad_claims;
        }
        if (!is_string(value)) {
            detail = "claim 'tags' has a non-string value";
            return Failure::bad_claims;
        }
        std::string v = decode_string(value);
        if (!valid_claim_text(v)) {
            detail = "claim 'tags' has an empty, control-character or over-long (> " +
                     std::to_string(kMaxClaimBytes) + " bytes) value";
            return Failure::bad_claims;
        }
        tags.emplace(key, std::move(v));
    }
    return Failure::none;
}

} // namespace

const char *failure_name(Failure f)
{
    switch (f) {
    case Failure::none:
        return "none";
    case Failure::malformed:
        return "malformed";
    case Failure::unsupported_alg:
        return "unsupported_alg";
    case Failure::unknown_kid:
        return "unknown_kid";
    case Failure::bad_signature:
        return "bad_signature";
    case Failure::missing_exp:
        return "missing_exp";
    case Failure::expired:
        return "expired";
    case Failure::not_yet_valid:
        return "not_yet_valid";
    case Failure::bad_claims:
        return "bad_claims";
    }
    return "unknown";
}

Result verify(std::string_view token, const std::vector<JwtKey> &keys, int64_t now_s, int leeway_s)
{
    const int64_t leeway = leeway_s > 0 ? leeway_s : 0;

    // Structure: three strict base64url parts.
    if (token.empty())
        return fail(Failure::malformed, "empty token");
    if (token.size() > kMaxTokenBytes)
        return fail(Failure::malformed, "token longer than " + std::to_string(kMaxTokenBytes) + " bytes");
    const std::size_t dot1 = token.find('.');
    const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return fail(Failure::malformed, "not a compact JWS (expected three dot-separated parts)");
    const std::string_view signing_input = token.substr(0, dot2);
    const auto header = base64url_decode(token.substr(0, dot1));
    const auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto sig = base64url_decode(token.substr(dot2 + 1));
    if (!header)
        return fail(Failure::malformed, "header is not unpadded base64url");
    if (!payload)
        return fail(Failure::malformed, "payload is not unpadded base64url");
    if (!sig)
        return fail(Failure::malformed, "signature is not unpadded base64url");

    // Header.
    Members h;
    switch (scan_object(*header, h)) {
    case ObjectScan::ok:
        break;
    case ObjectScan::invalid:
        return fail(Failure::malformed, "header is not a JSON object");
    case ObjectScan::duplicate:
        return fail(Failure::malformed, "header has a duplicate key");
    }
    if (auto it = h.find("alg"); it == h.end())
        return fail(Failure::unsupported_alg, "header has no 'alg' (only HS256 is accepted)");
    else if (!is_string(it->second) || decode_string(it->second) != "HS256")
        return fail(Failure::unsupported_alg, "unsupported 'alg' (only HS256 is accepted)");
    if (auto it = h.find("typ");
        it != h.end() && (!is_string(it->second) || !equals_ascii_ci(decode_string(it->second), "JWT")))
        return fail(Failure::malformed, "header 'typ' is not \"JWT\"");
    if (h.count("crit"))
        return fail(Failure::malformed, "header 'crit' is not supported");
    std::optional<std::string> kid;
    if (auto it = h.find("kid"); it != h.end()) {
        if (!is_string(it->second))
            return fail(Failure::malformed, "header 'kid' is not a string");
        kid = decode_string(it->second);
    }

    // Signature: every candidate key, first match wins.
    bool tried = false, ok = false;
    for (const JwtKey &key : keys) {
        if (kid && key.kid != *kid)
            continue;
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        if (!hs256(key.secret, signing_input, md, len))
            continue;
        tried = true;
        ok = sig->size() == kSigBytes && CRYPTO_memcmp(md, sig->data(), kSigBytes) == 0;
        OPENSSL_cleanse(md, sizeof md);
        if (ok)
            break;
    }
    if (!tried) {
        if (keys.empty())
            return fail(Failure::unknown_kid, "no JWT keys configured");
        if (kid)
            return fail(Failure::unknown_kid, "no usable key with kid " + shown_kid(*kid));
        return fail(Failure::unknown_kid, "no usable JWT key (every secret is empty)");
    }
    if (!ok) {
        if (sig->size() != kSigBytes)
            return fail(Failure::bad_signature, "signature is not " + std::to_string(kSigBytes) + " bytes");
        return fail(Failure::bad_signature,
                    kid ? "signature does not match the key with kid " + shown_kid(*kid)
                        : "signature matches no configured key");
    }

    // Claims, now that they are authentic.
    Members c;
    switch (scan_object(*payload, c)) {
    case ObjectScan::ok:
        break;
    case ObjectScan::invalid:
        return fail(Failure::malformed, "payload is not a JSON object");
    case ObjectScan::duplicate:
        return fail(Failure::malformed, "payload has a duplicate claim");
    }

    Result r;
    Verified &id = r.identity;
    auto sub = c.find("sub");
    if (sub == c.end())
        return fail(Failure::bad_claims, "claim 'sub' is missing");
    if (is_string(sub->second)) {
        id.user = decode_string(sub->second);
    } else if (is_number(sub->second) && sub->second.find_first_of(".eE") == std::string_view::npos) {
        id.user = std::string(sub->second); // a JSON integer: its text, digit for digit
    } else {
        return fail(Failure::bad_claims, "claim 'sub' must be a string or an integer");
    }
    if (!valid_claim_text(id.user))
        return fail(Failure::bad_claims, "claim 'sub' is empty, over " + std::to_string(kMaxClaimBytes) +
                                             " bytes or holds a control character");

    auto exp_it = c.find("exp");
    if (exp_it == c.end())
        return fail(Failure::missing_exp, "claim 'exp' is missing");
    const auto exp = numeric_date(exp_it->second);
    if (!exp)
        return fail(Failure::bad_claims, "claim 'exp' is not a finite number");
    // now > exp + leeway  <=>  now - leeway > floor(exp), for integer now - leeway.
    if (sat_add(now_s, -leeway) > clamp_to_i64(std::floor(*exp)))
        return fail(Failure::expired,
                    "token expired (exp + leeway of " + std::to_string(leeway) + " s is past)");

    if (auto nbf_it = c.find("nbf"); nbf_it != c.end()) {
        const auto nbf = numeric_date(nbf_it->second);
        if (!nbf)
            return fail(Failure::bad_claims, "claim 'nbf' is not a finite number");
        // now + leeway < nbf  <=>  now + leeway < ceil(nbf).
        if (sat_add(now_s, leeway) < clamp_to_i64(std::ceil(*nbf)))
            return fail(Failure::not_yet_valid, "token not yet valid (nbf is later than now + leeway of " +
                                                    std::to_string(leeway) + " s)");
    }

    if (auto tags_it = c.find("tags"); tags_it != c.end()) {
        std::string detail;
        const Failure f = read_tags(tags_it->second, id.tags, detail);
        if (f != Failure::none)
            return fail(f, std::move(detail));
    }
    return r;
}

std::string mint(const JwtKey &key, std::string_view sub, int64_t now_s, int64_t ttl_s,
                 const std::map<std::string, std::string> &tags, bool put_kid)
{
    int64_t exp = 0;
    if (key.secret.empty() || ttl_s <= 0 || __builtin_add_overflow(now_s, ttl_s, &exp) ||
        !valid_claim_text(sub))
        return {};
    for (const auto &[k, v] : tags)
        if (!valid_claim_text(k) || !valid_claim_text(v))
            return {};

    if (put_kid && !key.kid.empty() && !json::valid_utf8(key.kid))
        return {};
    std::string header;
    JsonWriter h(header);
    h.begin_object().key("alg").string("HS256").key("typ").string("JWT");
    if (put_kid && !key.kid.empty())
        h.key("kid").string(key.kid);
    h.end_object();

    std::string payload;
    JsonWriter p(payload);
    p.begin_object().key("sub").string(sub).key("iat").number(now_s).key("exp").number(exp);
    if (!tags.empty()) {
        p.key("tags").begin_object();
        for (const auto &[k, v] : tags)
            p.key(k).string(v);
        p.end_object();
    }
    p.end_object();

    std::string token = base64url_encode(header) + '.' + base64url_encode(payload);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!hs256(key.secret, token, md, len))
        return {};
    token += '.';
    token += base64url_encode(std::string_view(reinterpret_cast<const char *>(md), len));
    OPENSSL_cleanse(md, sizeof md);
    if (token.size() > kMaxTokenBytes)
        return {};
    return token;
}

} // namespace wshost::jwt

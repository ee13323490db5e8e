// The built-in `jwt` authenticator's token logic (DESIGN §2): HS256 compact
// JWS verification and minting. Pure functions: no lws, no global state, no
// clock (the caller passes `now`), safe to call from any thread.
//
// Accepted token: b64url(header) "." b64url(payload) "." b64url(signature),
// at most kMaxTokenBytes, each part strict unpadded base64url (base64.h:
// no '=', nothing outside the URL-safe alphabet, non-zero trailing bits are
// refused, so a signature has exactly one accepted spelling).
//
// Header: a JSON object (strict RFC 8259, no duplicate keys) with
//   "alg": "HS256"     exactly; anything else, "none" or missing -> unsupported_alg
//   "typ": "JWT"       optional, compared case-insensitively; else -> malformed
//   "kid": string      optional; else -> malformed
//   "crit"             not supported: its presence -> malformed (RFC 7515 §4.1.11)
// Other header members are ignored.
//
// Keys: with a "kid", only the keys whose kid is byte-equal to it are tried
// (none -> unknown_kid; `"kid":""` selects keys configured without a kid);
// without a "kid", every key is tried in order (rotation), first match wins.
// Keys with an empty secret are never used (anyone could forge for them); no
// usable key at all -> unknown_kid. The HMAC-SHA256 over the ASCII text
// "header.payload" is compared with CRYPTO_memcmp (constant time).
//
// Claims are parsed only after the signature verified. The payload must be a
// JSON object without duplicate keys (else malformed):
//   "sub"  required: a non-empty string, or a JSON integer taken as its decimal
//          text exactly as written (12345678901234567890 stays exact); a number
//          with a fraction or exponent, any other type, more than
//          kMaxClaimBytes bytes, or a control character (U+0000-U+001F, U+007F)
//          -> bad_claims
//   "exp"  required NumericDate (a JSON number, may be fractional); missing ->
//          missing_exp; not a number or outside the double range -> bad_claims;
//          expired when now > exp + leeway
//   "nbf"  optional NumericDate; not yet valid when now + leeway < nbf
//   "tags" optional object of string values -> server-side tags; keys and
//          values non-empty, at most kMaxClaimBytes, no control character;
//          anything else -> bad_claims (a duplicate tag key -> malformed)
// Other claims (iat, aud, iss, ...) are ignored.
//
// Result::detail is a short reason for the log. It never contains the token,
// the signature, a secret, or a claim value; a kid from the token appears
// only sanitized (printable ASCII, cut at 64 bytes).
#pragma once

#include "config/config.h"
#include "json/name_rule.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace wshost::jwt
{

inline constexpr std::size_t kMaxTokenBytes = 8192;          // longer tokens -> malformed
inline constexpr std::size_t kMaxClaimBytes = kMaxNameBytes; // sub, tag keys, tag values: names

enum class Failure {
    none,
    malformed,       // not three strict base64url parts, bad JSON, duplicate keys, bad typ/kid/crit, too long
    unsupported_alg, // alg is not "HS256" (incl. "none", "RS256", missing)
    unknown_kid,     // no key with the token's kid, or no usable key at all
    bad_signature,   // no candidate key produced the signature
    missing_exp,     // signature fine, no "exp" claim
    expired,         // now > exp + leeway
    not_yet_valid,   // now + leeway < nbf
    bad_claims,      // sub / exp / nbf / tags of the wrong type or size
};

// "none", "malformed", "unsupported_alg", ... (stable: used as metrics labels).
const char *failure_name(Failure f);

struct Verified {
    std::string user;                        // the "sub" claim
    std::map<std::string, std::string> tags; // the "tags" claim (empty when absent)
};

struct Result {
    Failure failure = Failure::none;
    std::string detail; // human reason for the log; empty on success (see above)
    Verified identity;  // set only when failure == none
};

// Verifies `token` against `keys` at time `now_s` (Unix seconds), allowing
// `leeway_s` seconds of clock skew (a negative leeway counts as 0). Never throws
// except std::bad_alloc.
Result verify(std::string_view token, const std::vector<JwtKey> &keys, int64_t now_s, int leeway_s);

// Mints a token for `wshostctl token` and tests:
//   header  {"alg":"HS256","typ":"JWT"[,"kid":KID]}   kid only when put_kid and key.kid is non-empty
//   payload {"sub":SUB,"iat":now,"exp":now+ttl[,"tags":{...}]}   sub as a JSON string
// Returns "" when the input could not produce a token that verify() accepts:
// empty secret, ttl_s <= 0 or now_s + ttl_s overflowing, sub or a tag key/value
// empty, longer than kMaxClaimBytes, not valid UTF-8 or holding a control
// character, or a result longer than kMaxTokenBytes.
std::string mint(const JwtKey &key, std::string_view sub, int64_t now_s, int64_t ttl_s,
                 const std::map<std::string, std::string> &tags, bool put_kid);

} // namespace wshost::jwt

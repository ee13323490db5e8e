// The JWT parser (jwt.h). Byte 0 picks the mode:
//   even: the rest is a token as a client would send it;
//   odd:  the rest is "header JSON \n claims JSON", signed here with the
//         first key, so the claim parser behind the signature check is
//         reached too (a random token never passes the HMAC).
#include "json/base64.h"
#include "fuzz_common.h"
#include "auth/jwt.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace wshost;

namespace
{

std::vector<JwtKey> keys()
{
    std::vector<JwtKey> k(3);
    k[0].kid = "k1";
    k[0].secret = "the-k1-secret";
    k[1].secret = "no-kid-secret";
    k[2].kid = "empty"; // an empty secret is never used
    return k;
}

std::string sign(std::string_view secret, std::string_view input)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char *>(input.data()), input.size(), mac, &n);
    return base64url_encode(std::string_view(reinterpret_cast<const char *>(mac), n));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    static const std::vector<JwtKey> k = keys();
    if (size < 1)
        return 0;
    std::string_view in(reinterpret_cast<const char *>(data + 1), size - 1);
    std::string token;
    if (data[0] & 1) {
        std::size_t nl = in.find('\n');
        std::string_view header = in.substr(0, nl);
        std::string_view claims = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
        token = base64url_encode(header) + "." + base64url_encode(claims);
        token += "." + sign(k[data[0] & 2 ? 1 : 0].secret, token);
    } else {
        token.assign(in);
    }
    const int64_t now = 1700000000;
    jwt::Result r = jwt::verify(token, k, now, data[0] >> 4);
    FUZZ_CHECK(std::string_view(jwt::failure_name(r.failure)).size() > 0);
    if (r.failure == jwt::Failure::none) {
        FUZZ_CHECK(!r.identity.user.empty() && r.identity.user.size() <= jwt::kMaxClaimBytes);
        for (const auto &[key, value] : r.identity.tags)
            FUZZ_CHECK(!key.empty() && !value.empty() && key.size() <= jwt::kMaxClaimBytes &&
                       value.size() <= jwt::kMaxClaimBytes);
        FUZZ_CHECK(r.detail.empty());
        // A minted token for the same identity verifies again (when it fits:
        // minting adds typ, kid and iat).
        if (token.size() < jwt::kMaxTokenBytes - 200) {
            std::string again = jwt::mint(k[0], r.identity.user, now, 60, r.identity.tags, true);
            FUZZ_CHECK(!again.empty());
            jwt::Result back = jwt::verify(again, k, now, 0);
            FUZZ_CHECK(back.failure == jwt::Failure::none);
            FUZZ_CHECK(back.identity.user == r.identity.user && back.identity.tags == r.identity.tags);
        }
    } else {
        // The log line never carries the signature (43 base64url characters
        // for HS256: no fixed message has such a run). Only a segment made of
        // base64url characters can be a signature; anything else may well be
        // a fixed message's own words (a finding: the dictionary's error text).
        std::string_view sig = std::string_view(token).substr(
            token.rfind('.') == std::string::npos ? token.size() : token.rfind('.') + 1);
        bool b64url = std::all_of(sig.begin(), sig.end(),
                                  [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
        if (sig.size() >= 43 && b64url)
            FUZZ_CHECK(r.detail.find(sig) == std::string::npos);
    }
    return 0;
}

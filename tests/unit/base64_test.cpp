// The standard form of the host's one base64 codec (json/base64.h); the
// base64url form is tested with the JWT code (jwt_test.cpp). Encodings are
// checked against OpenSSL's EVP_EncodeBlock as an independent reference.
#include "json/base64.h"

#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>

using wshost::base64_decode;
using wshost::base64_encode;

namespace
{

std::string reference(const std::string &bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                  reinterpret_cast<const unsigned char *>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string b64(std::string_view in)
{
    return base64_decode(in).value_or("<invalid>");
}

} // namespace

TEST(Base64, Rfc4648VectorsRoundTrip)
{
    const std::pair<const char *, const char *> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto &[plain, enc] : vectors) {
        EXPECT_EQ(base64_encode(plain), enc);
        EXPECT_EQ(base64_decode(enc), std::optional<std::string>(plain));
    }
    std::string all;
    for (int i = 0; i < 256; ++i)
        all.push_back(static_cast<char>(i));
    for (std::size_t n = 0; n <= all.size(); n += 5) {
        const std::string part = all.substr(0, n);
        EXPECT_EQ(base64_encode(part), reference(part));
        EXPECT_EQ(base64_decode(reference(part)), std::optional<std::string>(part));
    }
}

TEST(Base64, DecoderIsStandardWithPadding)
{
    EXPECT_EQ(b64("AP8/+w=="), std::string("\x00\xff\x3f\xfb", 4));
    EXPECT_EQ(b64("Zh=="), "f");         // unused bits set: tolerated
    EXPECT_EQ(b64("Zg"), "<invalid>");   // padding required
    EXPECT_EQ(b64("Zg=a"), "<invalid>"); // '=' only at the end
    EXPECT_EQ(b64("Z==="), "<invalid>");
    EXPECT_EQ(b64("===="), "<invalid>");
    EXPECT_EQ(b64("Zg==Zg=="), "<invalid>");
    EXPECT_EQ(b64("Zm9v\n"), "<invalid>"); // no whitespace
    EXPECT_EQ(b64("_-8="), "<invalid>");   // not the URL alphabet
}

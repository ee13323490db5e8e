#include "json/base64.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace wshost
{
namespace
{

constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

using Reverse = std::array<std::uint8_t, 256>; // byte -> 6-bit value, or 0xFF outside the alphabet

constexpr Reverse make_reverse(const char (&alphabet)[65])
{
    Reverse t{};
    for (auto &v : t)
        v = 0xFF;
    for (std::uint8_t i = 0; i < 64; ++i)
        t[static_cast<unsigned char>(alphabet[i])] = i;
    return t;
}
constexpr Reverse kUrlReverse = make_reverse(kUrlAlphabet);
constexpr Reverse kStdReverse = make_reverse(kStdAlphabet);

std::string encode(std::string_view bytes, const char (&alphabet)[65], bool pad)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    auto at = [&bytes](std::size_t k) {
        return k < bytes.size() ? static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])) : 0u;
    };
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
        const std::size_t chars = std::min<std::size_t>(bytes.size() - i, 3) + 1; // 2, 3 or 4
        for (std::size_t k = 0; k < 4; ++k) {
            if (k < chars)
                out.push_back(alphabet[v >> (18 - 6 * k) & 63]);
            else if (pad)
                out.push_back('=');
        }
    }
    return out;
}

// Unpadded text over `reverse`; `canonical` refuses non-zero unused bits.
std::optional<std::string> decode(std::string_view text, const Reverse &reverse, bool canonical)
{
    if (text.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t acc = 0; // bits not yet emitted, right-aligned
    int bits = 0;
    for (char c : text) {
        const std::uint8_t v = reverse[static_cast<unsigned char>(c)];
        if (v == 0xFF)
            return std::nullopt;
        acc = (acc << 6 | v) & 0xFFFF;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>(acc >> bits & 0xFF));
        }
    }
    // 2 or 4 leftover bits at the end of a partial group.
    if (canonical && bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return std::nullopt;
    return out;
}

} // namespace

std::string base64url_encode(std::string_view bytes)
{
    return encode(bytes, kUrlAlphabet, false);
}

std::optional<std::string> base64url_decode(std::string_view text)
{
    return decode(text, kUrlReverse, true);
}

std::string base64_encode(std::string_view bytes)
{
    return encode(bytes, kStdAlphabet, true);
}

std::optional<std::string> base64_decode(std::string_view text)
{
    if (text.size() % 4 != 0)
        return std::nullopt;
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=')
        ++pad;
    // With the length a multiple of 4, the unpadded rest is never 1 mod 4;
    // a third '=' or one elsewhere is outside the alphabet.
    return decode(text.substr(0, text.size() - pad), kStdReverse, false);
}

} // namespace wshost

// base64url without padding (RFC 4648 §5, as used by JWS compact form, RFC 7515 §2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wshost
{

// Encodes `bytes` with the URL-safe alphabet (A-Z a-z 0-9 - _), no '=' padding.
std::string base64url_encode(std::string_view bytes);

// Strict decoder; nullopt when `text` is not the canonical unpadded encoding
// of some byte string:
//   - any byte outside the URL-safe alphabet (incl. '=', '+', '/', whitespace);
//   - a length of 1 mod 4 (no byte string encodes to that);
//   - non-zero unused bits in the last character (e.g. "QR" instead of "QQ"
//     for "A"), so every byte string has exactly one accepted text form.
// The empty text decodes to the empty byte string.
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace wshost

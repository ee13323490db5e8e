// The host's one base64 codec (RFC 4648), in the two forms it meets:
//   - base64url without padding (§5), as JWS compact form uses it (RFC 7515 §2);
//   - standard base64 with '=' padding (§4): binary payloads of the control API,
//     Sec-WebSocket-Key (RFC 6455 §4.2.1).
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

// Encodes `bytes` with the standard alphabet (A-Z a-z 0-9 + /), '=' padded.
std::string base64_encode(std::string_view bytes);

// Standard base64: a multiple of 4 characters of the standard alphabet, the
// last group padded with one or two '=' where needed; no whitespace, no '='
// elsewhere. Non-zero unused bits in the last character are accepted (what
// most encoders in the wild tolerate). nullopt when invalid.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace wshost

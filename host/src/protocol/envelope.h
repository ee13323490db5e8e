// Strict scanner for the client request envelope (DESIGN §1).
//
// cJSON cannot serve here: it keeps no source offsets, turns big integers into
// doubles and accepts duplicate keys and trailing garbage. This scanner
// validates the whole frame as RFC 8259 JSON (UTF-8 included) and returns byte
// spans into the frame, so payload and metadata reach plugins byte-exact.
#pragma once

#include "json/json_scan.h"
#include "base/json_writer.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace wshost
{

// Limits from DESIGN §1.
inline constexpr std::size_t kMaxActionBytes = 128;
inline constexpr std::size_t kMaxRequestIdBytes = 128;

enum class EnvelopeError {
    none,
    invalid_json,    // not RFC 8259 JSON: syntax, bad escapes, invalid UTF-8, trailing garbage
    invalid_message, // JSON, but not a valid envelope (not an object, bad/missing/duplicate key, type,
                     // length, depth)
};

struct Envelope {
    std::string action;        // decoded (escapes resolved); non-empty, <= kMaxActionBytes
    std::string request_id;    // decoded; empty when absent
    std::string_view payload;  // raw JSON object text, or empty when absent
    std::string_view metadata; // raw JSON object text, or empty when absent
};

struct EnvelopeResult {
    EnvelopeError error = EnvelopeError::none;
    std::string message; // human readable reason when error != none
    // The requestId token to echo (raw JSON string with quotes), or empty. It is
    // set when the frame parsed as a JSON object whose "requestId" key appears
    // exactly once with a non-empty string value of at most kMaxRequestIdBytes
    // decoded bytes — even if another rule of the envelope failed.
    std::string_view request_id_json;
    Envelope envelope; // valid only when error == none
};

// Scans one text frame. Never throws, never reads past frame.
EnvelopeResult parse_envelope(std::string_view frame);

} // namespace wshost

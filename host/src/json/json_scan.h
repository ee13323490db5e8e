// Strict RFC 8259 JSON validator that builds no tree (internal to the host).
//
// The envelope (envelope.cpp) drives a Scanner over the top-level object
// itself and lets it validate every member value; is_json_value() and
// is_json_object() use the same code, so "valid JSON" means one thing.
//
// Strictness: number grammar of RFC 8259 §6, escapes of §7 (a \u escape of a
// surrogate must form a valid high+low pair), no raw byte < 0x20 in strings,
// well-formed UTF-8 everywhere (no overlongs, no UTF-8-encoded surrogates,
// nothing above U+10FFFF; outside strings only ASCII is allowed anyway), only
// space/tab/CR/LF as whitespace, no byte-order mark.
//
// Depth rule: nesting beyond the cap does NOT stop the scan. The scanner keeps
// validating (one bit per open container, no recursion, so any depth is safe)
// and only raises too_deep(). A frame is therefore invalid_json exactly when
// it is not JSON, whatever its depth (100000 '[' without closers is
// invalid_json), and too deep only when it is otherwise valid JSON.
#pragma once

#include "base/utf8.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wshost::json
{

class Scanner
{
  public:
    // `max_depth`: containers (objects + arrays) that may be open at once.
    Scanner(std::string_view text, int max_depth) noexcept
        : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth)
    {
    }

    void skip_ws() noexcept
    {
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t'))
            ++p_;
    }
    bool at_end() const noexcept { return p_ == end_; }
    char peek() const noexcept { return *p_; } // only when !at_end()
    bool consume(char c) noexcept
    {
        if (p_ == end_ || *p_ != c)
            return false;
        ++p_;
        return true;
    }
    const char *pos() const noexcept { return p_; }

    // A string token; the cursor must be on its opening quote. The decoded
    // bytes are appended to *out unless out is null.
    bool string(std::string *out);
    // `"key" :` with surrounding whitespace; the decoded key goes to *out.
    bool member_key(std::string *out);
    // One complete value of any type (leading whitespace skipped). `depth`
    // counts the containers already open around it.
    bool value(int depth);
    // Optional whitespace, then the end of the text.
    bool end_of_document() noexcept;

    // Records the first syntax error and returns false.
    bool fail(const char *why) noexcept
    {
        if (error_ == nullptr) {
            error_ = why;
            error_offset_ = static_cast<std::size_t>(p_ - begin_);
        }
        return false;
    }
    const char *error() const noexcept { return error_; } // null when none
    std::size_t error_offset() const noexcept { return error_offset_; }
    bool too_deep() const noexcept { return too_deep_; }

  private:
    bool scalar();
    bool number() noexcept;
    bool literal(std::string_view word) noexcept;
    bool escape(std::string *out);
    bool hex4(std::uint32_t &cp) noexcept;

    const char *begin_;
    const char *p_;
    const char *end_;
    int max_depth_;
    bool too_deep_ = false;
    const char *error_ = nullptr;
    std::size_t error_offset_ = 0;
};

enum class Validity { valid, invalid, too_deep };

// The whole text is exactly one JSON value, optionally surrounded by whitespace.
// `invalid` wins over `too_deep` (see the depth rule above).
Validity validate(std::string_view text, int max_depth);

// The first byte from p (or end) that a JSON string cannot hold as it is (a
// control character, '"', '\\') or that starts or continues a multi-byte
// character (>= 0x80): plain ASCII is skipped 16 bytes at a time (SSE2,
// else 8 with SWAR).
const char *skip_plain(const char *p, const char *end) noexcept;

// True when `text` is well-formed UTF-8 (same rules as JSON strings).
using wshost::valid_utf8;

} // namespace wshost::json

namespace wshost
{

// Nesting deeper than this (objects + arrays) is refused: invalid_message in
// the envelope, not JSON in is_json_*.
inline constexpr int kMaxJsonDepth = 128;

// True when `text` is exactly one JSON object (strict RFC 8259, valid UTF-8,
// optional surrounding whitespace, depth <= kMaxJsonDepth). Used to check
// plugin replies before they are sent.
bool is_json_object(std::string_view text);

// True when `text` is exactly one JSON value of any type (same strictness).
bool is_json_value(std::string_view text);

} // namespace wshost

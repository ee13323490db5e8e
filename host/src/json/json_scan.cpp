#include "json/json_scan.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace wshost::json
{
namespace
{

inline unsigned char uc(char c)
{
    return static_cast<unsigned char>(c);
}
inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// Byte classes inside a string, so the common case (plain ASCII) is one
// table lookup per byte.
enum : std::uint8_t { kPlain, kQuote, kBackslash, kControl, kNonAscii };

constexpr std::array<std::uint8_t, 256> make_string_classes()
{
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c)
        t[c] = c < 0x20    ? kControl
               : c == '"'  ? kQuote
               : c == '\\' ? kBackslash
               : c >= 0x80 ? kNonAscii
                           : kPlain;
    return t;
}
constexpr auto kStringClass = make_string_classes();

} // namespace

// Scanning is most of what the host does per byte of a message: the request,
// and the reply (reply_success checks it, reply_members escapes it).
const char *skip_plain(const char *p, const char *end) noexcept
{
#if defined(__SSE2__)
    // 16 bytes per step (SSE2 is part of x86-64): a quote, a backslash, a
    // control byte (<= 0x1f, unsigned) or a non-ASCII byte (its top bit, which
    // movemask reads directly) stops the run.
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  top_control = _mm_set1_epi8(0x1f);
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, top_control), top_control);
        const __m128i stop =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), control);
        if (const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(stop) | _mm_movemask_epi8(v)))
            return p + std::countr_zero(mask);
        p += 16;
    }
#endif
    constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighs; };
    while (end - p >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        std::uint64_t special = (w & kHighs) | ((w - 0x20 * kOnes) & ~w & kHighs) |
                                has_zero(w ^ (uc('"') * kOnes)) | has_zero(w ^ (uc('\\') * kOnes));
        if (special) {
            // The lowest flagged byte is a true one: borrows only run upwards.
            if constexpr (std::endian::native == std::endian::little)
                return p + std::countr_zero(special) / 8;
            break;
        }
        p += 8;
    }
    while (p != end && kStringClass[uc(*p)] == kPlain)
        ++p;
    return p;
}

namespace
{

void append_utf8(std::string &out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// One bit per open container (1 = object), so closers can be matched at any
// depth without recursion. Four words cover twice the depth cap; only input
// that is refused anyway spills to the heap.
class ContainerStack
{
  public:
    void push(bool object)
    {
        if (size_ == capacity())
            grow();
        std::uint64_t &w = words()[size_ / 64];
        const std::uint64_t bit = std::uint64_t{1} << (size_ % 64);
        w = object ? (w | bit) : (w & ~bit);
        ++size_;
    }
    void pop() noexcept { --size_; }
    bool top_is_object() const noexcept
    {
        const std::size_t i = size_ - 1;
        return (words()[i / 64] >> (i % 64)) & 1;
    }
    std::size_t size() const noexcept { return size_; }

  private:
    static constexpr std::size_t kInlineWords = 4;
    std::uint64_t *words() noexcept { return heap_.empty() ? inline_ : heap_.data(); }
    const std::uint64_t *words() const noexcept { return heap_.empty() ? inline_ : heap_.data(); }
    std::size_t capacity() const noexcept { return (heap_.empty() ? kInlineWords : heap_.size()) * 64; }
    void grow()
    {
        if (heap_.empty())
            heap_.assign(inline_, inline_ + kInlineWords);
        heap_.resize(heap_.size() * 2);
    }

    std::uint64_t inline_[kInlineWords] = {};
    std::vector<std::uint64_t> heap_;
    std::size_t size_ = 0;
};

} // namespace

bool Scanner::string(std::string *out)
{
    ++p_;                   // opening quote
    const char *chunk = p_; // start of the bytes not yet copied to *out
    for (;;) {
        p_ = skip_plain(p_, end_);
        if (p_ == end_)
            return fail("unterminated string");
        switch (kStringClass[uc(*p_)]) {
        case kQuote:
            if (out)
                out->append(chunk, static_cast<std::size_t>(p_ - chunk));
            ++p_;
            return true;
        case kBackslash:
            if (out)
                out->append(chunk, static_cast<std::size_t>(p_ - chunk));
            if (!escape(out))
                return false;
            chunk = p_;
            break;
        case kNonAscii: {
            const std::size_t n = utf8_sequence(p_, end_);
            if (n == 0)
                return fail("invalid UTF-8");
            p_ += n;
            break;
        }
        default:
            return fail("unescaped control character in string");
        }
    }
}

bool Scanner::escape(std::string *out)
{
    const char *start = p_;
    ++p_; // backslash
    if (p_ == end_)
        return fail("unterminated string");
    char decoded;
    switch (*p_++) {
    case '"':
        decoded = '"';
        break;
    case '\\':
        decoded = '\\';
        break;
    case '/':
        decoded = '/';
        break;
    case 'b':
        decoded = '\b';
        break;
    case 'f':
        decoded = '\f';
        break;
    case 'n':
        decoded = '\n';
        break;
    case 'r':
        decoded = '\r';
        break;
    case 't':
        decoded = '\t';
        break;
    case 'u': {
        std::uint32_t cp;
        if (!hex4(cp))
            return fail("invalid \\u escape");
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            p_ = start;
            return fail("unpaired surrogate in \\u escape");
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            // A high surrogate must be followed at once by an escaped low one.
            std::uint32_t low;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u' || (p_ += 2, !hex4(low)) || low < 0xDC00 ||
                low > 0xDFFF) {
                p_ = start;
                return fail("unpaired surrogate in \\u escape");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        if (out)
            append_utf8(*out, cp);
        return true;
    }
    default:
        p_ = start;
        return fail("invalid escape sequence");
    }
    if (out)
        out->push_back(decoded);
    return true;
}

bool Scanner::hex4(std::uint32_t &cp) noexcept
{
    if (end_ - p_ < 4)
        return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
        const char c = *p_++;
        std::uint32_t d;
        if (c >= '0' && c <= '9')
            d = static_cast<std::uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = static_cast<std::uint32_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = static_cast<std::uint32_t>(c - 'A' + 10);
        else
            return false;
        cp = cp << 4 | d;
    }
    return true;
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; whatever follows is
// checked by the caller (so "01" or "1x" fail as unexpected data).
bool Scanner::number() noexcept
{
    if (*p_ == '-')
        ++p_;
    if (p_ == end_ || !is_digit(*p_))
        return fail("invalid number");
    if (*p_++ != '0')
        while (p_ != end_ && is_digit(*p_))
            ++p_;
    if (p_ != end_ && *p_ == '.') {
        ++p_;
        if (p_ == end_ || !is_digit(*p_))
            return fail("invalid number");
        while (p_ != end_ && is_digit(*p_))
            ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
        ++p_;
        if (p_ != end_ && (*p_ == '+' || *p_ == '-'))
            ++p_;
        if (p_ == end_ || !is_digit(*p_))
            return fail("invalid number");
        while (p_ != end_ && is_digit(*p_))
            ++p_;
    }
    return true;
}

bool Scanner::literal(std::string_view word) noexcept
{
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0)
        return fail("unexpected character");
    p_ += word.size();
    return true;
}

bool Scanner::scalar()
{
    switch (*p_) {
    case '"':
        return string(nullptr);
    case 't':
        return literal("true");
    case 'f':
        return literal("false");
    case 'n':
        return literal("null");
    default:
        if (*p_ == '-' || is_digit(*p_))
            return number();
        return fail("unexpected character");
    }
}

bool Scanner::member_key(std::string *out)
{
    skip_ws();
    if (p_ == end_ || *p_ != '"')
        return fail(p_ == end_ ? "unexpected end of input" : "expected an object key");
    if (!string(out))
        return false;
    skip_ws();
    if (!consume(':'))
        return fail(p_ == end_ ? "unexpected end of input" : "expected ':'");
    return true;
}

// Iterative: the loop alternates between "a value starts here" and "a value
// just ended, close containers until one expects another element".
bool Scanner::value(int depth)
{
    ContainerStack open;
    for (;;) {
        skip_ws();
        if (p_ == end_)
            return fail("unexpected end of input");
        const char c = *p_;
        if (c == '{' || c == '[') {
            ++p_;
            open.push(c == '{');
            if (depth + static_cast<long long>(open.size()) > max_depth_)
                too_deep_ = true;
            skip_ws();
            if (!consume(c == '{' ? '}' : ']')) {
                if (c == '{' && !member_key(nullptr))
                    return false;
                continue; // first element
            }
            open.pop(); // empty container: a complete value
        } else if (!scalar()) {
            return false;
        }
        for (;;) {
            if (open.size() == 0)
                return true;
            skip_ws();
            const bool object = open.top_is_object();
            if (consume(',')) {
                if (object && !member_key(nullptr))
                    return false;
                break; // next element
            }
            if (!consume(object ? '}' : ']'))
                return fail(p_ == end_ ? "unexpected end of input"
                            : object   ? "expected ',' or '}'"
                                       : "expected ',' or ']'");
            open.pop();
        }
    }
}

bool Scanner::end_of_document() noexcept
{
    skip_ws();
    return p_ == end_ || fail("unexpected data after the JSON value");
}

Validity validate(std::string_view text, int max_depth)
{
    Scanner s(text, max_depth);
    if (!s.value(0) || !s.end_of_document())
        return Validity::invalid;
    return s.too_deep() ? Validity::too_deep : Validity::valid;
}

} // namespace wshost::json

namespace wshost
{

bool is_json_value(std::string_view text)
{
    return json::validate(text, kMaxJsonDepth) == json::Validity::valid;
}

bool is_json_object(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        ++i;
    return i < text.size() && text[i] == '{' && is_json_value(text);
}

} // namespace wshost

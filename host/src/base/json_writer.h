// Writing JSON text: the host's one string escaper and a small writer that
// places the commas, colons and quotes. They live in base, the lowest layer
// that writes JSON (log lines); the control API, the JWT minter and the
// config's TOML-to-JSON conversion use them too.
//
//   std::string out;
//   JsonWriter w(out);
//   w.begin_object().key("room").string(room).key("count").number(n).end_object();
//
// The writer appends to the caller's string and does not check the nesting: a
// key belongs inside an object, a value after a key or inside an array.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace wshost
{

// Appends `s` to `out` as a JSON string literal (quotes included): '"', '\\',
// control characters and DEL escaped (DEL too: keeps logs readable), and every
// byte that is not part of valid UTF-8 (RFC 3629: no overlongs, surrogates or
// code points past U+10FFFF) written as U+FFFD, so the output is valid JSON
// whatever `s` holds. Valid UTF-8 is copied unchanged.
void append_json_string(std::string &out, std::string_view s);

// The escape of one ASCII byte that a JSON string cannot carry as it is (a
// control character, '"' or '\\'; DEL too where a caller escapes it): the
// short forms \" \\ \n \r \t \b \f, else \u00XX. Writes it at `out` (room
// for 6 bytes) and returns its end; json_escape_size() is its length.
char *put_json_escape(char *out, unsigned char c) noexcept;
std::size_t json_escape_size(unsigned char c) noexcept;

class JsonWriter
{
  public:
    explicit JsonWriter(std::string &out) : out_(out) {}

    JsonWriter &begin_object() { return open('{'); }
    JsonWriter &end_object() { return close('}'); }
    JsonWriter &begin_array() { return open('['); }
    JsonWriter &end_array() { return close(']'); }
    // `"k":`; the next call writes its value.
    JsonWriter &key(std::string_view k)
    {
        separate();
        append_json_string(out_, k);
        out_.push_back(':');
        need_comma_ = false;
        return *this;
    }

    JsonWriter &string(std::string_view s)
    {
        return value_with([&] { append_json_string(out_, s); });
    }
    // An empty string as null (anonymous users).
    JsonWriter &string_or_null(std::string_view s) { return s.empty() ? null() : string(s); }
    template <typename Int,
              typename = std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>>>
    JsonWriter &number(Int n)
    {
        return raw(std::to_string(n));
    }
    // A 64-bit id as a decimal string: JSON numbers lose integers past 2^53 (DESIGN §1).
    JsonWriter &id(std::uint64_t n)
    {
        return value_with([&] { out_.append("\"").append(std::to_string(n)).append("\""); });
    }
    JsonWriter &boolean(bool b) { return raw(b ? "true" : "false"); }
    JsonWriter &null() { return raw("null"); }
    // A value that is already JSON text (checked by the caller).
    JsonWriter &raw(std::string_view json)
    {
        return value_with([&] { out_.append(json); });
    }

  private:
    void separate()
    {
        if (need_comma_)
            out_.push_back(',');
    }
    template <typename Write> JsonWriter &value_with(Write &&write)
    {
        separate();
        write();
        need_comma_ = true;
        return *this;
    }
    JsonWriter &open(char c)
    {
        separate();
        out_.push_back(c);
        need_comma_ = false;
        return *this;
    }
    JsonWriter &close(char c)
    {
        out_.push_back(c);
        need_comma_ = true;
        return *this;
    }

    std::string &out_;
    bool need_comma_ = false; // a value was written at this level
};

} // namespace wshost

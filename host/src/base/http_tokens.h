// RFC 7230 tokens and comma-separated lists, as HTTP headers carry them
// (Sec-WebSocket-Protocol, Connection), and how libwebsockets 4.1.6 reads a
// token: the rules both the config checks and the upgrade checks apply.
#pragma once

#include <cstddef>
#include <string_view>

namespace wshost::http
{

// RFC 7230 §3.2.6 tchar.
bool is_tchar(char c);

// A non-empty run of tchars.
bool is_token(std::string_view s);

// lws's tokenizer reads "123", "1.5" and "1." as numbers (not as the names
// they are) and fails on "1.2.3"; it matches subprotocols by name only.
bool lws_reads_as_number(std::string_view token);

// Calls f(element) for each element of a comma-separated list, trimmed of
// spaces and tabs, skipping empty ones ("a, , b": RFC 7230 §7 allows them).
// Stops early, returning false, when f returns false.
template <typename F> bool for_each_element(std::string_view list, F &&f)
{
    while (!list.empty()) {
        std::size_t comma = list.find(',');
        std::string_view e = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        while (!e.empty() && (e.front() == ' ' || e.front() == '\t'))
            e.remove_prefix(1);
        while (!e.empty() && (e.back() == ' ' || e.back() == '\t'))
            e.remove_suffix(1);
        if (!e.empty() && !f(e))
            return false;
    }
    return true;
}

} // namespace wshost::http

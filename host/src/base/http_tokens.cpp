#include "base/http_tokens.h"

namespace wshost::http
{

bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool is_token(std::string_view s)
{
    if (s.empty())
        return false;
    for (char c : s)
        if (!is_tchar(c))
            return false;
    return true;
}

bool lws_reads_as_number(std::string_view token)
{
    // lws_tokenize: digits make a number until another character comes; one
    // '.' among digits makes it a float, a second one an error.
    bool digits = false, dot = false;
    for (char c : token) {
        if (c >= '0' && c <= '9') {
            digits = true;
        } else if (c == '.' && digits) {
            if (dot)
                return true; // malformed float: lws refuses the list
            dot = true;
        } else {
            return false;
        }
    }
    return digits;
}

} // namespace wshost::http

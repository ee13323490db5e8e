// ResponseParser: status line, headers, then a Content-Length, chunked or read-to-EOF body.
#include "http_client.h"

#include <cctype>
#include <charconv>

namespace wshost::ctl
{

namespace
{

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char &c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool parse_decimal(std::string_view s, size_t &out)
{
    if (s.empty())
        return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

} // namespace

const std::string *Response::header(std::string_view name) const
{
    std::string key = lower(name);
    for (const auto &[k, v] : headers)
        if (k == key)
            return &v;
    return nullptr;
}

ResponseParser::State ResponseParser::fail(std::string message)
{
    error_ = std::move(message);
    state_ = State::error;
    return state_;
}

ResponseParser::State ResponseParser::feed(std::string_view bytes)
{
    if (state_ != State::need_more)
        return state_;
    buffer_.append(bytes);
    return parse();
}

ResponseParser::State ResponseParser::finish()
{
    if (state_ != State::need_more)
        return state_;
    if (phase_ == Phase::body_eof) {
        response_.body = std::move(buffer_);
        phase_ = Phase::done;
        return state_ = State::done;
    }
    if (phase_ == Phase::head && buffer_.empty())
        return fail("the server closed the connection without answering");
    return fail("the server closed the connection before the response was complete");
}

ResponseParser::State ResponseParser::parse()
{
    for (;;) {
        switch (phase_) {
        case Phase::head: {
            State s = parse_head();
            if (s != State::done)
                return s;
            state_ = State::need_more;
            continue; // parse_head picked the body phase
        }
        case Phase::body_length:
            if (buffer_.size() < remaining_)
                return state_;
            if (buffer_.size() > remaining_)
                buffer_.resize(remaining_); // bytes after the body: ignored (Connection: close)
            response_.body = std::move(buffer_);
            phase_ = Phase::done;
            return state_ = State::done;
        case Phase::body_chunked:
            return parse_chunked();
        case Phase::body_eof:
            if (buffer_.size() > max_body_bytes)
                return fail("response body larger than " + std::to_string(max_body_bytes) + " bytes");
            return state_;
        case Phase::done:
            return state_ = State::done;
        }
    }
}

// Returns done once the head is parsed and the body phase chosen (the caller goes on).
ResponseParser::State ResponseParser::parse_head()
{
    size_t end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) {
        if (buffer_.size() > max_head_bytes)
            return fail("response headers larger than " + std::to_string(max_head_bytes) + " bytes");
        return state_;
    }
    std::string_view head(buffer_.data(), end);
    size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    // "HTTP/1.1 200 OK" (the reason phrase may be empty or missing).
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ')
        return fail("malformed status line '" + std::string(status_line.substr(0, 80)) + "'");
    std::string_view code = status_line.substr(9, 3);
    for (char c : code)
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return fail("malformed status line '" + std::string(status_line.substr(0, 80)) + "'");
    if (status_line.size() > 12 && status_line[12] != ' ')
        return fail("malformed status line '" + std::string(status_line.substr(0, 80)) + "'");
    Response r;
    r.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    r.reason = status_line.size() > 13 ? std::string(status_line.substr(13)) : std::string();

    std::string_view rest =
        line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
    while (!rest.empty()) {
        size_t eol = rest.find("\r\n");
        std::string_view line = rest.substr(0, eol);
        rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
        size_t colon = line.find(':');
        if (colon == 0 || colon == std::string_view::npos || line.front() == ' ' || line.front() == '\t')
            return fail("malformed header line '" + std::string(line.substr(0, 80)) + "'");
        r.headers.emplace_back(lower(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
    }
    buffer_.erase(0, end + 4);

    if (r.status >= 100 && r.status < 200) {
        // Interim response (we never ask for 100-continue, but a server may send one): skip it.
        return parse_head();
    }
    response_ = std::move(r);
    const std::string *te = response_.header("transfer-encoding");
    const std::string *cl = response_.header("content-length");
    if (response_.status == 204 || response_.status == 304) {
        phase_ = Phase::body_length;
        remaining_ = 0;
    } else if (te) {
        std::string codings = lower(*te);
        if (codings.size() < 7 || codings.compare(codings.size() - 7, 7, "chunked") != 0)
            return fail("unsupported Transfer-Encoding '" + *te + "'");
        phase_ = Phase::body_chunked;
    } else if (cl) {
        size_t length = 0;
        if (!parse_decimal(*cl, length))
            return fail("malformed Content-Length '" + *cl + "'");
        for (const auto &[k, v] : response_.headers)
            if (k == "content-length" && v != *cl)
                return fail("conflicting Content-Length headers");
        if (length > max_body_bytes)
            return fail("response body larger than " + std::to_string(max_body_bytes) + " bytes");
        phase_ = Phase::body_length;
        remaining_ = length;
    } else {
        phase_ = Phase::body_eof;
    }
    return State::done;
}

ResponseParser::State ResponseParser::parse_chunked()
{
    // buffer_ holds undecoded input; decoded bytes accumulate in response_.body.
    size_t pos = 0;
    for (;;) {
        size_t eol = buffer_.find("\r\n", pos);
        if (eol == std::string::npos) {
            if (buffer_.size() - pos > 4096)
                return fail("malformed chunk header");
            break;
        }
        std::string_view line(buffer_.data() + pos, eol - pos);
        size_t semi = line.find(';');
        std::string_view hex = trim(line.substr(0, semi));
        size_t size = 0;
        auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
        if (hex.empty() || ec != std::errc{} || p != hex.data() + hex.size())
            return fail("malformed chunk size '" + std::string(line.substr(0, 40)) + "'");
        if (size == 0) {
            // Last chunk; trailers (ignored) end with an empty line.
            size_t trailer_end = buffer_.find("\r\n", eol + 2);
            while (trailer_end != std::string::npos && trailer_end != eol + 2) {
                eol = trailer_end;
                trailer_end = buffer_.find("\r\n", eol + 2);
            }
            if (trailer_end == std::string::npos)
                break;
            buffer_.clear();
            phase_ = Phase::done;
            return state_ = State::done;
        }
        if (size > max_body_bytes || response_.body.size() + size > max_body_bytes)
            return fail("response body larger than " + std::to_string(max_body_bytes) + " bytes");
        if (buffer_.size() < eol + 2 + size + 2)
            break;
        if (buffer_.compare(eol + 2 + size, 2, "\r\n") != 0)
            return fail("chunk not followed by CRLF");
        response_.body.append(buffer_, eol + 2, size);
        pos = eol + 2 + size + 2;
    }
    buffer_.erase(0, pos);
    return state_;
}

} // namespace wshost::ctl

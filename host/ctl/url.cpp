#include "url.h"

#include <curl/curl.h>

#include <memory>

namespace wshost::ctl
{

namespace
{

struct UrlFree {
    void operator()(CURLU *u) const { curl_url_cleanup(u); }
};
struct CharFree {
    void operator()(char *s) const { curl_free(s); }
};

// One part of a parsed URL; false when the URL has no such part.
bool get_part(CURLU *url, CURLUPart what, std::string &out)
{
    char *raw = nullptr;
    if (curl_url_get(url, what, &raw, 0) != CURLUE_OK)
        return false;
    std::unique_ptr<char, CharFree> owned(raw);
    out = raw;
    return true;
}

} // namespace

bool parse_control_url(std::string_view text, ControlUrl &out, std::string &error)
{
    out = ControlUrl{};
    if (text.starts_with("unix:")) {
        std::string_view path = text.substr(5);
        if (path.starts_with("//"))
            path.remove_prefix(2); // unix:///run/x.sock
        if (path.empty()) {
            error = "the unix: URL has no socket path";
            return false;
        }
        out.socket_path = path;
        out.base = "http://localhost"; // the Host header; the socket is the address
        return true;
    }

    std::unique_ptr<CURLU, UrlFree> url(curl_url());
    std::string scheme, host, port, path, ignored;
    if (!url || curl_url_set(url.get(), CURLUPART_URL, std::string(text).c_str(), 0) != CURLUE_OK ||
        !get_part(url.get(), CURLUPART_SCHEME, scheme) || (scheme != "http" && scheme != "https") ||
        !get_part(url.get(), CURLUPART_HOST, host) || host.empty()) {
        error = "unsupported URL '" + std::string(text) +
                "' (expected http://HOST[:PORT][/PREFIX], https://... or unix:/PATH)";
        return false;
    }
    if (get_part(url.get(), CURLUPART_USER, ignored)) {
        error = "credentials in the URL are not supported; use --token or --token-file";
        return false;
    }
    if (get_part(url.get(), CURLUPART_QUERY, ignored) || get_part(url.get(), CURLUPART_FRAGMENT, ignored)) {
        error = "the control URL cannot carry a query or fragment";
        return false;
    }
    get_part(url.get(), CURLUPART_PATH, path);
    while (!path.empty() && path.back() == '/')
        path.pop_back();
    out.base = scheme + "://" + host;
    if (get_part(url.get(), CURLUPART_PORT, port)) { // absent: the scheme's default
        if (port == "0") {                           // curl takes it; no server listens there
            error = "bad port '0' in the URL";
            return false;
        }
        out.base += ":" + port;
    }
    out.base += path;
    return true;
}

std::string percent_encode(std::string_view text)
{
    // curl_easy_escape keeps exactly the unreserved set; the handle is unused since curl 7.82.
    std::unique_ptr<char, CharFree> escaped(
        curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())));
    return escaped ? std::string(escaped.get()) : std::string();
}

} // namespace wshost::ctl

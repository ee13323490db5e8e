// send_request: one libcurl easy transfer, its errors mapped to wshostctl's messages.
#include "http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#ifndef WSHOST_VERSION
#define WSHOST_VERSION "0.0.0"
#endif

namespace wshost::ctl
{

namespace
{

// A server that streams without end must not exhaust memory: the transfer fails past this.
constexpr size_t max_body_bytes = 256 * 1024 * 1024;

struct EasyFree {
    void operator()(CURL *c) const { curl_easy_cleanup(c); }
};
struct ListFree {
    void operator()(curl_slist *l) const { curl_slist_free_all(l); }
};

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char &c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

size_t on_body(char *data, size_t size, size_t count, void *user)
{
    auto *body = static_cast<std::string *>(user);
    size_t n = size * count;
    if (body->size() + n > max_body_bytes)
        return 0; // CURLE_WRITE_ERROR
    body->append(data, n);
    return n;
}

// libcurl has no getter for the reason phrase, so it is taken from the status line here
// ("HTTP/1.1 400 Bad Request"); the last status line wins, as interim 1xx answers come first.
size_t on_header(char *data, size_t size, size_t count, void *user)
{
    size_t n = size * count;
    std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {
        auto *reason = static_cast<std::string *>(user);
        size_t code = line.find(' ');
        size_t text = code == std::string_view::npos ? code : line.find(' ', code + 1);
        *reason = text == std::string_view::npos ? std::string() : std::string(line.substr(text + 1));
        while (!reason->empty() && (reason->back() == '\r' || reason->back() == '\n'))
            reason->pop_back();
    }
    return n;
}

// The headers of the final response, as libcurl parsed them.
void collect_headers(CURL *curl, Response &response)
{
    for (curl_header *h = nullptr; (h = curl_easy_nextheader(curl, CURLH_HEADER, -1, h));)
        response.headers.emplace_back(lower(h->name), h->value);
}

std::string describe_failure(CURLcode code, CURL *curl, const char *detail, const std::string &where)
{
    std::string why = *detail ? detail : curl_easy_strerror(code);
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;
        curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
        // "Connection refused" / "No such file or directory" say more than curl's summary.
        return "cannot connect to " + where + ": " +
               (os_errno ? std::strerror(static_cast<int>(os_errno)) : why);
    }
    case CURLE_OPERATION_TIMEDOUT:
        return "timed out talking to " + where;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return "TLS with " + where + " failed: " + why;
    case CURLE_WRITE_ERROR:
        return "bad response from " + where + ": body larger than " + std::to_string(max_body_bytes) +
               " bytes";
    default:
        return "bad response from " + where + ": " + why;
    }
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

Exchange send_request(const ClientOptions &options, const Request &request)
{
    Exchange ex;
    std::unique_ptr<CURL, EasyFree> handle(curl_easy_init());
    CURL *curl = handle.get();
    if (!curl) {
        ex.error = "cannot initialise libcurl";
        return ex;
    }
    // Headers curl would add by itself are removed ("Accept:", "Expect:"); the rest is ours.
    std::unique_ptr<curl_slist, ListFree> headers;
    auto add = [&headers](const std::string &line) {
        headers.reset(curl_slist_append(headers.release(), line.c_str()));
    };
    add("Accept:");
    add("Expect:");
    if (!options.token.empty())
        add("Authorization: Bearer " + options.token);
    if (request.method != "GET")
        add("Content-Type: application/json");
    add("Connection: close"); // curl puts Content-Length after these
    const std::string url = options.url.base + request.target;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L); // the target is already encoded, keep it as is
    curl_easy_setopt(curl, CURLOPT_PROXY, ""); // the control API is reached directly, not via $http_proxy
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "wshostctl/" WSHOST_VERSION);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(std::max(options.timeout_ms, request.timeout_ms)));
    if (!options.url.socket_path.empty())
        curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, options.url.socket_path.c_str());
    if (!options.ca_file.empty())
        curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
    if (options.insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (request.method == "GET") {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        if (request.method != "POST")
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ex.response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ex.response.reason);
    char detail[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);

    CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
        ex.error = describe_failure(code, curl, detail, options.url.display());
        return ex;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    ex.response.status = static_cast<int>(status);
    collect_headers(curl, ex.response);
    ex.ok = true;
    return ex;
}

} // namespace wshost::ctl

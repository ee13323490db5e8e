#include "transport/static_files.h"

#include "base/log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace wshost
{
namespace
{

constexpr std::size_t kChunk = 16 * 1024; // body bytes per writeable callback

// realpath(3), or "" when `path` does not exist.
std::string real(const std::string &path)
{
    char buf[PATH_MAX];
    return ::realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

bool inside(const std::string &file, const std::string &root)
{
    return file.size() > root.size() && file.compare(0, root.size(), root) == 0 &&
           (root.back() == '/' || file[root.size()] == '/');
}

bool is_regular(const std::string &path)
{
    struct stat st {
    };
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Characters a redirect may echo back unencoded.
bool plain_url_path(std::string_view p)
{
    return std::all_of(p.begin(), p.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::strchr("/-._~", c) != nullptr;
    });
}

void close_file(StaticSession *s)
{
    if (s && s->open) {
        ::close(s->fd);
        s->open = false;
    }
}

const char *method_of(lws *wsi)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0)
        return "GET";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0)
        return "HEAD";
    return nullptr;
}

// Errors close the connection: lws_return_http_status() has sent a body.
int refuse(lws *wsi, unsigned status, const char *method, std::string_view path)
{
    log_event(LogLevel::info, LogFields("http_request"), "http: %s %.*s %u", method ? method : "-",
              static_cast<int>(std::min<std::size_t>(path.size(), 256)), path.data(), status);
    lws_return_http_status(wsi, status, nullptr);
    return -1;
}

int begin(lws *wsi, StaticSession *session, std::string_view path, const std::string &root)
{
    const char *method = method_of(wsi);
    if (root.empty())
        return refuse(wsi, HTTP_STATUS_NOT_FOUND, method, path);
    if (!method || !session)
        return refuse(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, method, path);
    StaticTarget target = resolve_static(root, path);
    if (target.status == 301) {
        log_event(LogLevel::info, LogFields("http_request"), "http: %s %s 301", method,
                  target.location.c_str());
        unsigned char buf[LWS_PRE + 1024];
        unsigned char *p = buf + LWS_PRE, *end = buf + sizeof buf;
        if (lws_http_redirect(wsi, HTTP_STATUS_MOVED_PERMANENTLY,
                              reinterpret_cast<const unsigned char *>(target.location.data()),
                              static_cast<int>(target.location.size()), &p, end) < 0)
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    int fd = target.status == 200 ? ::open(target.file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
    struct stat st {
    };
    if (fd >= 0 && (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        ::close(fd);
        fd = -1;
    }
    if (fd < 0)
        return refuse(wsi, HTTP_STATUS_NOT_FOUND, method, path);

    unsigned char buf[LWS_PRE + 1024];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
    static const char kNoSniff[] = "nosniff", kNoCache[] = "no-cache";
    if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, target.content_type,
                                    static_cast<lws_filepos_t>(st.st_size), &p, end) ||
        lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char *>("x-content-type-options:"),
                                    reinterpret_cast<const unsigned char *>(kNoSniff), sizeof kNoSniff - 1,
                                    &p, end) ||
        lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char *>("cache-control:"),
                                    reinterpret_cast<const unsigned char *>(kNoCache), sizeof kNoCache - 1,
                                    &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end)) {
        ::close(fd);
        return -1;
    }
    log_event(LogLevel::info, LogFields("http_request"), "http: %s %.*s 200 %lld bytes", method,
              static_cast<int>(std::min<std::size_t>(path.size(), 256)), path.data(),
              static_cast<long long>(st.st_size));
    if (std::strcmp(method, "HEAD") == 0 || st.st_size == 0) {
        ::close(fd);
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    session->open = true;
    session->fd = fd;
    session->left = st.st_size;
    lws_callback_on_writable(wsi);
    return 0;
}

int send_some(lws *wsi, StaticSession *s)
{
    unsigned char buf[LWS_PRE + kChunk];
    const std::size_t want = std::min<std::size_t>(kChunk, static_cast<std::size_t>(s->left));
    const ssize_t n = ::read(s->fd, buf + LWS_PRE, want);
    if (n <= 0) { // the file shrank or failed under us: the length sent can no longer be met
        close_file(s);
        return -1;
    }
    s->left -= n;
    const bool last = s->left == 0;
    if (lws_write(wsi, buf + LWS_PRE, static_cast<std::size_t>(n),
                  last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != n) {
        close_file(s);
        return -1;
    }
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    close_file(s);
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

} // namespace

const char *content_type_for(std::string_view file)
{
    static constexpr std::pair<std::string_view, const char *> kTypes[] = {
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".wasm", "application/wasm"},
        {".woff2", "font/woff2"},
    };
    const std::size_t dot = file.rfind('.');
    const std::size_t slash = file.rfind('/');
    if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
        std::string ext(file.substr(dot));
        for (char &c : ext)
            c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        for (const auto &[suffix, type] : kTypes)
            if (ext == suffix)
                return type;
    }
    return "application/octet-stream";
}

StaticTarget resolve_static(const std::string &root, std::string_view url_path)
{
    StaticTarget none;
    if (url_path.empty() || url_path[0] != '/' || url_path.find('\0') != std::string_view::npos ||
        url_path.find('\\') != std::string_view::npos)
        return none;
    std::string rel;
    for (std::string_view rest = url_path; !rest.empty();) {
        const std::size_t slash = rest.find('/');
        std::string_view segment = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
        if (segment.empty())
            continue; // "//"
        if (segment[0] == '.')
            return none; // ".", "..", and dot files such as .git
        rel.append("/").append(segment);
    }
    const std::string real_root = real(root);
    if (real_root.empty())
        return none;
    const bool wants_index = url_path.back() == '/';
    const std::string file = real(root + rel + (wants_index ? "/index.html" : ""));
    if (file.empty() || !inside(file, real_root))
        return none; // missing, or a symlink that leads out
    struct stat st {
    };
    if (::stat(file.c_str(), &st) != 0)
        return none;
    if (S_ISDIR(st.st_mode)) {
        const std::string index = real(file + "/index.html");
        if (!index.empty() && inside(index, real_root) && is_regular(index) && plain_url_path(url_path)) {
            StaticTarget moved;
            moved.status = 301;
            moved.location = std::string(url_path) + "/";
            return moved;
        }
        return none; // no listings
    }
    if (!S_ISREG(st.st_mode))
        return none;
    StaticTarget found;
    found.status = 200;
    found.file = file;
    found.content_type = content_type_for(file);
    return found;
}

int static_files_callback(lws *wsi, lws_callback_reasons reason, StaticSession *session, void *in,
                          const std::string &root)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        close_file(session); // keep-alive: a new request on the same connection
        return begin(wsi, session, in ? static_cast<const char *>(in) : "", root);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return session && session->open ? send_some(wsi, session) : 0;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        close_file(session);
        return 0;
    default:
        return 0;
    }
}

} // namespace wshost

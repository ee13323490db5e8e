// Static files on the WebSocket listener ([server] static_dir): plain GET and
// HEAD requests get files from one directory; an Upgrade on [server] path
// still goes to the WebSocket (lws routes it before any of this runs).
//   - "/" and any path ending in '/' serve that directory's index.html;
//     a directory without the slash is redirected (301) to it when it has one;
//   - no directory listings, nothing outside the directory: no "." or ".."
//     segment, no dot file, no symlink that resolves outside (404 for all);
//   - Content-Type by extension (octet-stream when unknown) with
//     X-Content-Type-Options: nosniff; other methods get 405.
#pragma once

#include <libwebsockets.h>

#include <string>
#include <string_view>
#include <sys/types.h>

namespace wshost
{

struct StaticTarget {
    int status = 404;     // 200, 301 or 404
    std::string file;     // 200: the file to send (resolved, inside the root)
    std::string location; // 301: where to
    const char *content_type = nullptr;
};

// Maps a request path (as lws gives it: URL-decoded, no query) to a file in
// `root`. Pure apart from the file system lookups.
StaticTarget resolve_static(const std::string &root, std::string_view url_path);

// "text/html; charset=utf-8" for "x.html", and so on.
const char *content_type_for(std::string_view file);

// Per-request state in the listener's protocols[0] session (zeroed by lws:
// `open` tells whether `fd` is ours).
struct StaticSession {
    bool open;
    int fd;
    off_t left; // body bytes still to send
};

// The protocols[0] callback's static-file part. `root` empty: every plain
// request gets 404. Returns what the lws callback returns.
int static_files_callback(lws *wsi, lws_callback_reasons reason, StaticSession *session, void *in,
                          const std::string &root);

} // namespace wshost

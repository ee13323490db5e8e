// The HTTP side of a WebSocket handshake on libwebsockets: reading the request
// headers that upgrade_checks.h judges, and answering a refused handshake with
// a status (the caller then returns nonzero from its callback, and lws closes
// the connection after the answer: LWS-NOTES T4).
#pragma once

#include "transport/upgrade_checks.h"

#include <libwebsockets.h>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace wshost
{

// The headers of check_upgrade(), copied out of lws (the string_views of the
// result point into `storage`).
struct UpgradeHeaderCopy {
    std::string connection, key, version, protocols;
    UpgradeHeaders view;
};
void read_upgrade_headers(lws *wsi, std::size_t max_header_bytes, UpgradeHeaderCopy &out);

// What the request line and the headers lws recognises occupy (name, value and
// line end each). Headers lws does not know by name are not counted: 4.1.6
// cannot enumerate them (they still count towards lws's own buffer).
std::size_t request_header_bytes(lws *wsi);

using HeaderField = std::pair<const char *, std::string_view>; // lowercase name without ':'

// Writes "HTTP/1.1 <status> <reason phrase>" with `fields`, Content-Length: 0
// and Connection: close.
void refuse_handshake(lws *wsi, int status, std::initializer_list<HeaderField> fields = {});

} // namespace wshost

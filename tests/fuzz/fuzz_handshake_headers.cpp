// The upgrade headers the host judges before libwebsockets does
// (upgrade_checks.h), X-Forwarded-For behind trusted proxies and the Origin
// allow-list (admission.h).
//
// Input: lines "connection \n key \n version \n protocols \n x-forwarded-for
// \n origin"; byte 0: Host present, header size over the limit.
#include "auth/admission.h"
#include "fuzz_common.h"
#include "base/http_tokens.h"
#include "transport/subprotocols.h"
#include "transport/upgrade_checks.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace wshost;

namespace
{

std::string_view next_line(std::string_view &in)
{
    std::size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    return line;
}

// The first name of `list` as lws 4.1.6's tokenizer reads it (RFC 7230
// delimiters, '-' and '.' inside tokens), or "" when a delimiter comes first:
// the name lws matches against the WebSocket protocol's (subprotocols.h).
std::string_view lws_first_token(std::string_view list)
{
    static const std::string_view kDelims = "(),/:;<=>?@[\\]{}\"";
    std::size_t i = list.find_first_not_of(" \t\r\n\f");
    if (i == std::string_view::npos || kDelims.find(list[i]) != std::string_view::npos)
        return {};
    std::size_t j = list.find_first_of(" \t\r\n\f(),/:;<=>?@[\\]{}\"", i);
    return list.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    if (size < 1)
        return 0;
    std::string_view in(reinterpret_cast<const char *>(data + 1), size - 1);
    UpgradeHeaders h;
    h.has_host = data[0] & 1;
    h.connection = next_line(in);
    h.key = next_line(in);
    h.version = next_line(in);
    h.protocols = next_line(in);
    h.max_header_bytes = 8192;
    h.header_bytes = (data[0] & 2) ? 9000 : 100;
    std::string_view forwarded = next_line(in);
    std::string_view origin = next_line(in);

    UpgradeProblem p = check_upgrade(h);
    FUZZ_CHECK(p.status == 0 || p.status == 400 || p.status == 426 || p.status == 431);
    FUZZ_CHECK((p.status == 0) == p.reason.empty());
    if (p.status == 0) {
        FUZZ_CHECK(h.has_host && valid_websocket_key(h.key));
        FUZZ_CHECK(header_has_token(h.connection, "upgrade"));
        // lws reads the first name as we do, as a name: the host names its
        // WebSocket protocol after it, so lws binds the upgrade there.
        std::string_view first;
        http::for_each_element(h.protocols, [&](std::string_view name) {
            first = name;
            return false;
        });
        if (h.protocols.find_first_not_of(" \t") != std::string_view::npos) {
            FUZZ_CHECK(!first.empty() && first == lws_first_token(h.protocols));
            FUZZ_CHECK(!http::lws_reads_as_number(first) && first.size() <= 62);
        }
        EndpointConfig endpoint;
        endpoint.subprotocols = {"chat.v1", "wshost", "x"};
        endpoint.subprotocol_required = data[0] & 32;
        SubprotocolChoice choice = choose_subprotocol(h.protocols, endpoint);
        FUZZ_CHECK(choice.first_offered == first);
        FUZZ_CHECK(choice.status == 0 || (choice.status == 400 && endpoint.subprotocol_required));
        FUZZ_CHECK(choice.selected.empty() || h.protocols.find(choice.selected) != std::string_view::npos);
    }
    if (p.status == 431)
        FUZZ_CHECK(data[0] & 2);

    static const std::vector<std::string> proxies = {"127.0.0.1", "10.0.0.1", "::1"};
    std::string peer = (data[0] & 4) ? "127.0.0.1" : "192.0.2.7";
    std::string address = client_address(peer, forwarded, proxies);
    FUZZ_CHECK(!address.empty());
    FUZZ_CHECK(address == peer || forwarded.find(address) != std::string_view::npos);
    FUZZ_CHECK(address == peer || (data[0] & 4));

    WebSocketConfig ws;
    ws.allow_missing_origin = data[0] & 8;
    if (data[0] & 16)
        ws.origins = {"https://app.example.com", "http://localhost:8080"};
    bool ok = origin_allowed(origin, ws);
    if (origin.empty())
        FUZZ_CHECK(ok == ws.allow_missing_origin);
    else if (ws.origins.empty())
        FUZZ_CHECK(ok);
    return 0;
}

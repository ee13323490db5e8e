// The upgrade headers the host judges before libwebsockets does
// (upgrade_checks.h), X-Forwarded-For behind trusted proxies and the Origin
// allow-list (admission.h).
//
// Input: lines "connection \n key \n version \n protocols \n x-forwarded-for
// \n origin"; byte 0: Host present, header size over the limit.
#include "auth/admission.h"
#include "fuzz_common.h"
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

// The first name of the WebSocket vhost's protocols in `list`, tokenized as
// lws 4.1.6 does (lws_tokenize with RFC 7230 delimiters, '-' and '.' inside
// tokens): what lws would bind the upgrade to. Empty: none.
std::string_view first_known_protocol(std::string_view list)
{
    static const std::string_view kDelims = "(),/:;<=>?@[\\]{} \t\"";
    std::size_t i = 0;
    while (i < list.size()) {
        if (kDelims.find(list[i]) != std::string_view::npos) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < list.size() && kDelims.find(list[j]) == std::string_view::npos)
            ++j;
        std::string_view token = list.substr(i, j - i);
        if (token == kWsProtocolName || token == "http-only" || token == "wshost-signal")
            return token;
        i = j;
    }
    return {};
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
        // The only protocol lws may then bind is ours.
        std::string_view bound = first_known_protocol(h.protocols);
        FUZZ_CHECK(bound.empty() ? h.protocols.find_first_not_of(" \t,") == std::string_view::npos
                                 : bound == kWsProtocolName);
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

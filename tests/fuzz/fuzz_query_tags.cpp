// What a client puts in its upgrade request for the host to read: the
// ?tags={...} client tags (client_tags.h) and the JWT carriers (auth.h
// find_token: Authorization: Bearer, the cookie, the query parameter).
//
// Input: "query \n cookie header \n authorization header"; byte 0 picks the
// carrier names.
#include "auth/auth.h"
#include "auth/client_tags.h"
#include "fuzz_common.h"

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

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    if (size < 1)
        return 0;
    static const std::vector<std::string> allowed = {"language", "room", "x"};
    std::string_view in(reinterpret_cast<const char *>(data + 1), size - 1);
    UpgradeRequest req;
    req.query = std::string(next_line(in));
    std::string_view cookie = next_line(in);
    std::string_view authorization = next_line(in);
    if (!cookie.empty())
        req.headers.emplace_back("cookie", std::string(cookie));
    if (!authorization.empty())
        req.headers.emplace_back("authorization", std::string(authorization));

    Tags tags = client_tags(req.query, allowed);
    for (const auto &[key, value] : tags) {
        FUZZ_CHECK(key == "language" || key == "room" || key == "x");
        FUZZ_CHECK(!value.empty() && value.size() <= 256);
    }

    JwtConfig carriers;
    carriers.cookie = (data[0] & 1) ? "wshost_token" : "";
    carriers.query_param = (data[0] & 2) ? "token" : "t";
    std::string token = find_token(req, carriers);
    // Whatever was found came out of one of the carriers.
    FUZZ_CHECK(token.empty() || req.query.find(token) != std::string::npos ||
               cookie.find(token) != std::string_view::npos ||
               authorization.find(token) != std::string_view::npos);
    return 0;
}

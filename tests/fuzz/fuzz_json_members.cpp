// reply_members' payload writer (json/json_members.h), which takes whatever
// bytes a plugin hands it. Not a parser, but the one place the host writes
// JSON around text it has not seen: whatever check() accepts must come out as
// one valid JSON object whose keys and strings decode to exactly the bytes
// given, and check() must accept exactly the valid UTF-8.
//
// Input: byte 0 picks how many pieces the value has (1..4); the rest is
// "key \n piece \n piece ...".
#include "fuzz_common.h"
#include "json/json_members.h"
#include "json/json_scan.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace wshost;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::size_t pieces_wanted = 1 + data[0] % 4;
    std::string_view in(reinterpret_cast<const char *>(data) + 1, size - 1);
    std::vector<wsh_str> parts;
    while (parts.size() < pieces_wanted + 1) { // the key, then the pieces
        const std::size_t nl = in.find('\n');
        const std::string_view part = in.substr(0, nl);
        parts.push_back(wsh_str{part.data(), part.size()});
        if (nl == std::string_view::npos)
            break;
        in.remove_prefix(nl + 1);
    }
    while (parts.size() < 2)
        parts.push_back(wsh_str{nullptr, 0});
    const wsh_member member{parts[0], WSH_VALUE_STRING, parts[1], parts.data() + 2, parts.size() - 2, 0};

    bool valid = true;
    std::string joined;
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const std::string_view piece(parts[i].ptr ? parts[i].ptr : "", parts[i].len);
        valid = valid && json::valid_utf8(piece);
        joined.append(piece);
    }
    const std::string_view key(parts[0].ptr ? parts[0].ptr : "", parts[0].len);
    valid = valid && json::valid_utf8(key);

    MemberPayload payload;
    FUZZ_CHECK(payload.check(&member, 1) == valid);
    if (!valid)
        return 0;
    std::string out(payload.size(), '\0');
    FUZZ_CHECK(payload.write(out.data()) == out.data() + out.size());
    FUZZ_CHECK(is_json_object(out));

    // Decode it back with the host's own scanner.
    json::Scanner scan(out, kMaxJsonDepth);
    std::string decoded_key, decoded_value;
    FUZZ_CHECK(scan.consume('{'));
    FUZZ_CHECK(scan.member_key(&decoded_key));
    FUZZ_CHECK(scan.string(&decoded_value));
    FUZZ_CHECK(scan.consume('}'));
    FUZZ_CHECK(decoded_key == key);
    FUZZ_CHECK(decoded_value == joined);
    return 0;
}

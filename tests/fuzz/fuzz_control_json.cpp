// The control API's JSON tree parser (control_json.h) and the helpers that
// read fields out of bodies and paths: base64, percent-decoding, ids, names.
#include "control/control_json.h"
#include "json/base64.h"
#include "json/name_rule.h"
#include "protocol/envelope.h"
#include "fuzz_common.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

using namespace wshost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    control::JsonValue v;
    std::string why;
    if (control::parse_json(text, v, why)) {
        FUZZ_CHECK(is_json_value(text));
        // Keys unique, strings re-encodable.
        for (const control::JsonMember &m : v.members) {
            std::string key;
            append_json_string(key, m.key);
            FUZZ_CHECK(is_json_value(key));
        }
    } else {
        FUZZ_CHECK(!why.empty());
    }
    std::string out;
    if (std::optional<std::string> bytes = base64_decode(text))
        FUZZ_CHECK(bytes->size() <= text.size() && base64_encode(*bytes).size() == text.size());
    if (control::percent_decode(text, out))
        FUZZ_CHECK(out.size() <= text.size());
    wsh_conn_id id = 0;
    if (control::parse_conn_id(text, id))
        FUZZ_CHECK(id != 0 && std::to_string(id) == text);
    if (valid_name(text))
        FUZZ_CHECK(!text.empty() && text.size() <= kMaxNameBytes);
    if (control::is_integer_literal(text))
        FUZZ_CHECK(!text.empty());
    return 0;
}

// The client request envelope scanner (envelope.h) on any frame, checked
// against its own promises and against the control API's JSON parser (both
// strict RFC 8259 with the same depth cap).
#include "control/control_json.h"
#include "protocol/envelope.h"
#include "fuzz_common.h"

#include <cstdint>
#include <string>
#include <string_view>

using namespace wshost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    const std::string_view frame(reinterpret_cast<const char *>(data), size);
    const EnvelopeResult r = parse_envelope(frame);
    const bool object = is_json_object(frame);
    const bool value = is_json_value(frame);
    FUZZ_CHECK(!object || value);

    control::JsonValue tree;
    std::string why;
    const bool parsed = control::parse_json(frame, tree, why);
    // The tree parser also refuses duplicate keys at any depth; never less strict.
    FUZZ_CHECK(!parsed || value);
    FUZZ_CHECK(!parsed || object == tree.is(control::JsonValue::Type::object));

    if (r.error == EnvelopeError::none) {
        FUZZ_CHECK(object);
        const Envelope &e = r.envelope;
        FUZZ_CHECK(!e.action.empty() && e.action.size() <= kMaxActionBytes);
        FUZZ_CHECK(e.request_id.size() <= kMaxRequestIdBytes);
        FUZZ_CHECK(e.payload.empty() || is_json_object(e.payload));
        FUZZ_CHECK(e.metadata.empty() || is_json_object(e.metadata));
        // The spans point into the frame.
        for (std::string_view span : {e.payload, e.metadata})
            FUZZ_CHECK(span.empty() || (span.data() >= frame.data() &&
                                        span.data() + span.size() <= frame.data() + frame.size()));
        // What the host writes back must be JSON (the action goes into error messages).
        std::string escaped;
        append_json_string(escaped, e.action);
        FUZZ_CHECK(is_json_value(escaped));
    } else {
        FUZZ_CHECK(!r.message.empty());
        FUZZ_CHECK(r.error != EnvelopeError::invalid_json || !value);
    }
    if (!r.request_id_json.empty()) {
        FUZZ_CHECK(r.request_id_json.size() >= 3);
        FUZZ_CHECK(r.request_id_json.front() == '"' && r.request_id_json.back() == '"');
        FUZZ_CHECK(is_json_value(r.request_id_json));
    }
    // The one escaper takes any bytes and still writes JSON.
    std::string text;
    append_json_string(text, frame);
    FUZZ_CHECK(is_json_value(text));
    return 0;
}

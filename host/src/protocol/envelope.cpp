// Envelope rules of DESIGN §1 on top of the strict scanner (json_scan.h).
//
// One pass over the frame: the top-level object is walked here, every member
// value is validated by json::Scanner. A syntax error anywhere returns
// invalid_json at once; a broken envelope rule is only remembered (the first
// one in document order) and reported as invalid_message once the whole frame
// is known to be JSON, so trailing garbage is always invalid_json.
//
// Only top-level keys are checked for duplicates: what is inside payload and
// metadata belongs to the plugin and is only required to be valid JSON.
#include "protocol/envelope.h"

#include "json/json_scan.h"

namespace wshost
{
namespace
{

enum Key { kAction, kPayload, kRequestId, kMetadata, kUnknown };
constexpr std::string_view kKeyNames[] = {"action", "payload", "requestId", "metadata"};

Key classify(std::string_view key)
{
    for (int k = kAction; k < kUnknown; ++k)
        if (key == kKeyNames[k])
            return static_cast<Key>(k);
    return kUnknown;
}

// A client-chosen key for an error message: quoted and cut (at a UTF-8
// boundary) so a huge key cannot inflate the response. The text may hold any
// character; the response writer escapes it with append_json_string().
std::string quoted(std::string_view key)
{
    constexpr std::size_t kMaxShown = 64;
    std::string s = "'";
    if (key.size() <= kMaxShown) {
        s.append(key);
    } else {
        std::size_t n = kMaxShown;
        while (n > 0 && (static_cast<unsigned char>(key[n]) & 0xC0) == 0x80)
            --n;
        s.append(key.substr(0, n)).append("...");
    }
    s += '\'';
    return s;
}

EnvelopeResult syntax_error(const json::Scanner &s)
{
    EnvelopeResult r;
    r.error = EnvelopeError::invalid_json;
    r.message = std::string("invalid JSON: ") + s.error() + " at byte " + std::to_string(s.error_offset());
    return r;
}

std::string too_deep_message()
{
    return "JSON nesting too deep (more than " + std::to_string(kMaxJsonDepth) + " levels)";
}

} // namespace

EnvelopeResult parse_envelope(std::string_view frame)
{
    EnvelopeResult r;
    Envelope &env = r.envelope;
    json::Scanner s(frame, kMaxJsonDepth);
    auto refuse = [&r](std::string message) {
        if (r.error == EnvelopeError::none) {
            r.error = EnvelopeError::invalid_message;
            r.message = std::move(message);
        }
    };

    s.skip_ws();
    if (!s.consume('{')) {
        // Still validate the whole frame: invalid_json takes precedence.
        if (!s.value(0) || !s.end_of_document())
            return syntax_error(s);
        refuse(s.too_deep() ? too_deep_message() : "request must be a JSON object");
        return r;
    }

    bool seen[kUnknown] = {};
    int request_id_count = 0;
    std::string_view request_id_token; // set when the (last) requestId value is echoable
    std::string key;                   // short keys stay in the small-string buffer: no allocation

    s.skip_ws();
    if (!s.consume('}')) {
        for (;;) {
            key.clear();
            if (!s.member_key(&key))
                return syntax_error(s);
            s.skip_ws();
            const char *begin = s.pos();
            const bool is_string = !s.at_end() && s.peek() == '"';
            const bool is_object = !s.at_end() && s.peek() == '{';
            const Key k = classify(key);
            if (k == kUnknown) {
                refuse("unknown key " + quoted(key));
            } else if (seen[k]) {
                refuse("duplicate key " + quoted(key));
            }
            if (k != kUnknown)
                seen[k] = true;

            switch (k) {
            case kAction:
                if (!is_string)
                    break;
                env.action.clear();
                if (!s.string(&env.action))
                    return syntax_error(s);
                if (env.action.empty())
                    refuse("'action' must be a non-empty string");
                else if (env.action.size() > kMaxActionBytes)
                    refuse("'action' must be at most " + std::to_string(kMaxActionBytes) + " bytes");
                break;
            case kRequestId:
                ++request_id_count;
                request_id_token = {};
                if (!is_string)
                    break;
                env.request_id.clear();
                if (!s.string(&env.request_id))
                    return syntax_error(s);
                if (env.request_id.empty()) {
                    refuse("'requestId' must be a non-empty string");
                } else if (env.request_id.size() > kMaxRequestIdBytes) {
                    refuse("'requestId' must be at most " + std::to_string(kMaxRequestIdBytes) + " bytes");
                } else {
                    request_id_token = std::string_view(begin, static_cast<std::size_t>(s.pos() - begin));
                }
                break;
            case kPayload:
            case kMetadata:
                if (!is_object)
                    break;
                if (!s.value(1))
                    return syntax_error(s);
                (k == kPayload ? env.payload : env.metadata) =
                    std::string_view(begin, static_cast<std::size_t>(s.pos() - begin));
                break;
            case kUnknown:
                break;
            }
            if (s.pos() == begin) { // not consumed above: a wrong type or an unknown key
                if (!s.value(1))
                    return syntax_error(s);
                if (k == kAction)
                    refuse("'action' must be a non-empty string");
                if (k == kRequestId)
                    refuse("'requestId' must be a non-empty string");
                if (k == kPayload || k == kMetadata)
                    refuse(quoted(kKeyNames[k]) + " must be an object");
            }
            if (s.too_deep())
                refuse(too_deep_message());

            s.skip_ws();
            if (s.consume(','))
                continue;
            if (s.consume('}'))
                break;
            s.fail(s.at_end() ? "unexpected end of input" : "expected ',' or '}'");
            return syntax_error(s);
        }
    }
    if (!s.end_of_document())
        return syntax_error(s);

    // The frame is a JSON object: requestId is echoed whenever it is valid
    // and unique, even if another rule failed.
    if (request_id_count == 1)
        r.request_id_json = request_id_token;
    if (!seen[kAction])
        refuse("missing required key 'action'");
    return r;
}

} // namespace wshost

#include "protocol/response.h"

#include "base/json_writer.h"

#include <cstring>

namespace wshost
{

FramePtr success_response(std::string_view payload_json, std::string_view request_id_json)
{
    std::string_view payload = payload_json.empty() ? std::string_view("{}") : payload_json;
    std::string_view id_key =
        request_id_json.empty() ? std::string_view() : std::string_view(R"(,"requestId":)");
    return Frame::make_joined({R"({"status":"success","payload":)", payload, id_key, request_id_json, "}"},
                              false);
}

FramePtr success_response(const MemberPayload &payload, std::string_view request_id_json)
{
    constexpr std::string_view head = R"({"status":"success","payload":)";
    const std::string_view id_key =
        request_id_json.empty() ? std::string_view() : std::string_view(R"(,"requestId":)");
    const std::size_t size = head.size() + payload.size() + id_key.size() + request_id_json.size() + 1;
    return Frame::make_filled(size, false, [&](char *out) {
        auto put = [&](std::string_view s) {
            std::memcpy(out, s.data(), s.size());
            out += s.size();
        };
        put(head);
        out = payload.write(out);
        if (!id_key.empty()) {
            put(id_key);
            put(request_id_json);
        }
        *out = '}';
    });
}

std::string error_response(std::string_view code, std::string_view message, std::string_view request_id_json,
                           std::string_view extra_error_fields)
{
    std::string out;
    out.reserve(96 + code.size() + message.size() + request_id_json.size());
    out += R"({"status":"error","payload":{})";
    if (!request_id_json.empty()) {
        out += R"(,"requestId":)";
        out += request_id_json;
    }
    out += R"(,"error":{"code":)";
    append_json_string(out, code);
    out += R"(,"message":)";
    append_json_string(out, message);
    if (!extra_error_fields.empty()) {
        out += ',';
        out += extra_error_fields;
    }
    out += "}}";
    return out;
}

} // namespace wshost

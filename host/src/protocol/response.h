// Builds the JSON text of responses to client requests (DESIGN §1). The
// requestId is echoed as the raw token the client sent; payloads are inserted
// byte for byte (already validated by the caller).
#pragma once

#include "gateway/frame.h"
#include "json/json_members.h"

#include <string>
#include <string_view>

namespace wshost
{

// {"status":"success","payload":<payload_json>[,"requestId":<id>]}, built
// straight into a frame: the hot path of every reply copies the payload once.
FramePtr success_response(std::string_view payload_json, std::string_view request_id_json);

// The same with the payload written from checked members (reply_members).
FramePtr success_response(const MemberPayload &payload, std::string_view request_id_json);

// {"status":"error","payload":{}[,"requestId":<id>],"error":{"code":..,"message":..}}
// `extra_error_fields` (e.g. `"retry_after_ms":500`) is appended inside "error".
std::string error_response(std::string_view code, std::string_view message, std::string_view request_id_json,
                           std::string_view extra_error_fields = {});

} // namespace wshost

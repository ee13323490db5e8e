// Checks shared by the envelope unit tests: run parse_envelope() on a frame
// and compare its outcome, with failing frames printed byte-safe.
#pragma once

#include "protocol/envelope.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace envelope_checks
{

using wshost::EnvelopeError;
using wshost::EnvelopeResult;
using wshost::parse_envelope;

inline const char *name(EnvelopeError e)
{
    switch (e) {
    case EnvelopeError::none:
        return "none";
    case EnvelopeError::invalid_json:
        return "invalid_json";
    case EnvelopeError::invalid_message:
        return "invalid_message";
    }
    return "?";
}

inline std::string printable(std::string_view s)
{
    std::string out;
    for (unsigned char c : s.substr(0, 200)) {
        if (c >= 0x20 && c < 0x7F) {
            out.push_back(static_cast<char>(c));
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        }
    }
    if (s.size() > 200)
        out += "...(" + std::to_string(s.size()) + " bytes)";
    return out;
}

// The frame gives `want`, and the message contains `part` (when given).
inline testing::AssertionResult Gives(std::string_view frame, EnvelopeError want, std::string_view part = {})
{
    const EnvelopeResult r = parse_envelope(frame);
    if (r.error != want)
        return testing::AssertionFailure() << printable(frame) << " gave " << name(r.error) << " ("
                                           << r.message << "), expected " << name(want);
    if (want == EnvelopeError::none && !r.message.empty())
        return testing::AssertionFailure() << printable(frame) << " succeeded with a message: " << r.message;
    if (!part.empty() && r.message.find(part) == std::string::npos)
        return testing::AssertionFailure()
               << printable(frame) << " message \"" << r.message << "\" lacks \"" << part << "\"";
    return testing::AssertionSuccess();
}
inline testing::AssertionResult Ok(std::string_view frame)
{
    return Gives(frame, EnvelopeError::none);
}
inline testing::AssertionResult BadJson(std::string_view frame)
{
    return Gives(frame, EnvelopeError::invalid_json);
}
inline testing::AssertionResult BadMessage(std::string_view frame, std::string_view part = {})
{
    return Gives(frame, EnvelopeError::invalid_message, part);
}

inline std::string with_action(std::string_view action_json)
{
    return "{\"action\":" + std::string(action_json) + "}";
}
inline std::string with_payload(std::string_view payload)
{
    return "{\"action\":\"a\",\"payload\":" + std::string(payload) + "}";
}
inline std::string nested_arrays(int n)
{
    return std::string(n, '[') + std::string(n, ']');
}

} // namespace envelope_checks

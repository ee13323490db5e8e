// A server-to-client message, built once and shared by every recipient.
//
// The payload sits after LWS_PRE bytes of headroom, where lws_write() puts
// the WebSocket header. Frames are immutable apart from that headroom, which
// only the service thread touches, one lws_write() at a time (LWS-NOTES T7).
#pragma once

#include <libwebsockets.h>

#include <memory>
#include <string_view>
#include <vector>

namespace wshost {

class Frame {
public:
    static std::shared_ptr<Frame> make(std::string_view payload, bool binary)
    {
        return std::make_shared<Frame>(payload, binary, Private{});
    }

    std::size_t size() const { return buf_.size() - LWS_PRE; }
    bool binary() const { return binary_; }
    // Mutable start of the payload, with LWS_PRE writable bytes before it.
    unsigned char *payload_for_write() { return buf_.data() + LWS_PRE; }
    std::string_view payload() const
    {
        return {reinterpret_cast<const char *>(buf_.data()) + LWS_PRE, size()};
    }

    struct Private {};
    Frame(std::string_view payload, bool binary, Private) : buf_(LWS_PRE + payload.size()), binary_(binary)
    {
        std::copy(payload.begin(), payload.end(), buf_.begin() + LWS_PRE);
    }

private:
    std::vector<unsigned char> buf_;
    bool binary_;
};

using FramePtr = std::shared_ptr<Frame>;

} // namespace wshost

#include "wsframe/frame_reader.h"

#include "base/close_codes.h"
#include "wsframe/unmask.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace wshost::wsframe
{

static_assert(sizeof(FrameReader) <= 96, "frame_reader.h promises at most 96 bytes per connection");

namespace
{

constexpr std::uint8_t kContinuation = 0x0, kText = 0x1, kBinary = 0x2;
constexpr std::uint8_t kClose = 0x8, kPing = 0x9, kPong = 0xA;
constexpr std::size_t kMaxControlPayload = 125;

struct Problem {
    std::uint16_t code = 0; // 0: none
    const char *why = nullptr;
};

bool is_control(std::uint8_t op)
{
    return (op & 0x8) != 0;
}

// Header bytes before the mask key, and in all (the mask bit is checked first).
std::size_t length_end(std::uint8_t b1)
{
    const std::uint8_t len7 = b1 & 0x7F;
    return len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
}
std::size_t header_size(std::uint8_t b1)
{
    return length_end(b1) + 4;
}

std::uint64_t payload_length(const std::uint8_t *h)
{
    const std::size_t end = length_end(h[1]);
    if (end == 2)
        return h[1] & 0x7F;
    std::uint64_t len = 0;
    for (std::size_t i = 2; i < end; ++i)
        len = (len << 8) | h[i];
    return len;
}

std::string_view view(const std::uint8_t *p, std::size_t n)
{
    return {reinterpret_cast<const char *>(p), n};
}

} // namespace

FrameReader::FrameReader(const ReaderLimits &limits) noexcept
    : max_message_bytes_(limits.max_message_bytes), max_fragments_(limits.max_fragments),
      rsv1_extension_(limits.rsv1_extension)
{
}

FrameReader::~FrameReader()
{
    std::free(buf_);
}

ReadEvent FrameReader::next(std::span<std::uint8_t> &in) noexcept
{
    if (trim_pending_)
        trim_buffer();
    for (;;) {
        if (state_ == State::finished) {
            in = in.subspan(in.size());
            return {};
        }
        ReadEvent ev;
        if (state_ == State::payload) {
            ev = read_payload(in);
            if (ev.type != ReadEvent::Type::need_more || state_ == State::payload)
                return ev;
            continue;
        }
        const std::uint8_t *h = nullptr;
        if (!header_complete(in, h, ev))
            return ev;
        ev = begin_frame(h, in);
        if (ev.type != ReadEvent::Type::need_more)
            return ev;
    }
}

// The rules the first two header bytes decide.
const char *FrameReader::check_start(std::uint8_t b0, std::uint8_t b1) const noexcept
{
    const std::uint8_t op = b0 & 0x0F;
    if (b0 & 0x30)
        return "reserved bit RSV2 or RSV3 set";
    if (b0 & 0x40) {
        if (!rsv1_extension_)
            return "reserved bit RSV1 set without an extension";
        if (op != kText && op != kBinary)
            return "RSV1 set on a control or continuation frame";
    }
    if (op != kContinuation && op != kText && op != kBinary && op != kClose && op != kPing && op != kPong)
        return "unknown opcode";
    if (!(b1 & 0x80))
        return "unmasked client frame";
    if (is_control(op)) {
        if (!(b0 & 0x80))
            return "fragmented control frame";
        if ((b1 & 0x7F) > kMaxControlPayload)
            return "control frame over 125 bytes";
    } else if (op == kContinuation && message_op_ == 0) {
        return "continuation frame without a message";
    } else if (op != kContinuation && message_op_ != 0) {
        return "new message inside a fragmented message";
    }
    return nullptr;
}

// Gathers the current frame's header; true with `h` pointing at it (inside
// `in` or header_) and `in` past it. False with `error` an error event, or
// need_more when `in` ran out.
bool FrameReader::header_complete(std::span<std::uint8_t> &in, const std::uint8_t *&h,
                                  ReadEvent &error) noexcept
{
    // Each check runs again when a split header grows; they are pure.
    auto check = [&](const std::uint8_t *p, std::size_t have) -> bool {
        if (const char *why = check_start(p[0], p[1])) {
            error = fail(close_code::protocol_error, why);
            return false;
        }
        const std::uint8_t op = p[0] & 0x0F;
        if (!is_control(op) && op == kContinuation && max_fragments_ != 0 && fragments_ >= max_fragments_) {
            error = fail(close_code::message_too_big, "more than max_fragments frames in a message");
            return false;
        }
        if (have < length_end(p[1]))
            return true;
        const std::uint64_t len = payload_length(p);
        if (len >> 63) {
            error = fail(close_code::protocol_error, "64-bit length with the high bit set");
            return false;
        }
        // buf_size_ is the message so far: no control frame is in progress here.
        if (!is_control(op) && len > max_message_bytes_ - std::min(buf_size_, max_message_bytes_)) {
            error = fail(close_code::message_too_big, "message over max_message_bytes");
            return false;
        }
        return true;
    };
    if (header_len_ == 0 && in.size() >= 2 && in.size() >= header_size(in[1])) {
        if (!check(in.data(), in.size()))
            return false;
        h = in.data();
        in = in.subspan(header_size(in[1]));
        return true;
    }
    for (;;) {
        std::size_t want = 2;
        if (header_len_ >= 2) {
            if (!check(header_, header_len_))
                return false;
            const std::size_t end = length_end(header_[1]), size = header_size(header_[1]);
            if (header_len_ == size) {
                h = header_;
                header_len_ = 0;
                return true;
            }
            want = header_len_ < end ? end : size; // stop at the length so it is checked first
        }
        const std::size_t n = std::min<std::size_t>(want - header_len_, in.size());
        if (n == 0)
            return false;
        std::memcpy(header_ + header_len_, in.data(), n);
        header_len_ = static_cast<std::uint8_t>(header_len_ + n);
        in = in.subspan(n);
    }
}

ReadEvent FrameReader::begin_frame(const std::uint8_t *h, std::span<std::uint8_t> &in) noexcept
{
    const std::uint8_t op = h[0] & 0x0F;
    frame_op_ = op;
    frame_fin_ = (h[0] & 0x80) != 0;
    frame_left_ = payload_length(h);
    std::memcpy(key_, h + length_end(h[1]), 4);
    phase_ = 0;
    if (is_control(op)) {
        ctl_base_ = buf_size_;
    } else {
        if (op != kContinuation) {
            message_op_ = op;
            compressed_ = (h[0] & 0x40) != 0;
            fragments_ = 0;
            utf8_.reset();
        }
        ++fragments_;
    }
    // A control frame or a one-frame message wholly in `in`: unmasked where
    // it lies and returned as a view of it.
    const bool alone = is_control(op) || (frame_fin_ && op != kContinuation);
    if (alone && frame_left_ <= in.size()) {
        const std::size_t n = static_cast<std::size_t>(frame_left_);
        std::uint8_t *p = in.data();
        unmask(p, p, n, key_, 0);
        in = in.subspan(n);
        frame_left_ = 0;
        if (op == kText && !compressed_ && !utf8_.feed(p, n))
            return fail(close_code::invalid_payload, "text message not UTF-8");
        return frame_done(view(p, n));
    }
    state_ = State::payload;
    return {};
}

ReadEvent FrameReader::read_payload(std::span<std::uint8_t> &in) noexcept
{
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(frame_left_, in.size()));
    if (n != 0) {
        const std::size_t at = buf_size_;
        if (!append(in.data(), n))
            return fail(close_code::internal_error, "out of memory for a message");
        in = in.subspan(n);
        frame_left_ -= n;
        if (!is_control(frame_op_) && message_op_ == kText && !compressed_ && !utf8_.feed(buf_ + at, n))
            return fail(close_code::invalid_payload, "text message not UTF-8");
    }
    if (frame_left_ != 0)
        return {};
    state_ = State::header;
    if (is_control(frame_op_)) {
        trim_pending_ = true;
        return frame_done(view(buf_ + ctl_base_, buf_size_ - ctl_base_));
    }
    if (frame_fin_) {
        ctl_base_ = 0;
        trim_pending_ = true;
    }
    return frame_done(view(buf_, buf_size_));
}

// A frame was read whole (its payload unmasked in `payload`).
ReadEvent FrameReader::frame_done(std::string_view payload) noexcept
{
    if (is_control(frame_op_))
        return control_event(payload);
    if (!frame_fin_)
        return {};
    ReadEvent ev;
    ev.type = message_op_ == kText ? ReadEvent::Type::text : ReadEvent::Type::binary;
    if (message_op_ == kText && !compressed_ && !utf8_.complete())
        return fail(close_code::invalid_payload, "text message ends inside a UTF-8 sequence");
    ev.compressed = compressed_;
    ev.data = payload;
    message_op_ = 0;
    fragments_ = 0;
    return ev;
}

ReadEvent FrameReader::control_event(std::string_view payload) noexcept
{
    ReadEvent ev;
    ev.data = payload;
    if (frame_op_ == kPing) {
        ev.type = ReadEvent::Type::ping;
        return ev;
    }
    if (frame_op_ == kPong) {
        ev.type = ReadEvent::Type::pong;
        return ev;
    }
    ev.type = ReadEvent::Type::close;
    ev.code = 1005; // no status code present (RFC 6455 §7.1.5)
    if (payload.size() == 1)
        return fail(close_code::protocol_error, "close payload of 1 byte");
    if (payload.size() >= 2) {
        const auto *p = reinterpret_cast<const std::uint8_t *>(payload.data());
        const unsigned code = (unsigned{p[0]} << 8) | p[1];
        if (!close_code::peer_may_send(code))
            return fail(close_code::protocol_error, "invalid close code");
        if (!valid_utf8(payload.substr(2)))
            return fail(close_code::invalid_payload, "close reason not UTF-8");
        ev.code = static_cast<std::uint16_t>(code);
        ev.data = payload.substr(2);
    }
    state_ = State::finished;
    ctl_base_ = 0; // the partial message, if any, goes with the next call
    trim_pending_ = buf_ != nullptr;
    return ev;
}

ReadEvent FrameReader::fail(std::uint16_t code, const char *why) noexcept
{
    state_ = State::finished;
    std::free(buf_);
    buf_ = nullptr;
    buf_size_ = buf_cap_ = ctl_base_ = 0;
    trim_pending_ = false;
    ReadEvent ev;
    ev.type = ReadEvent::Type::error;
    ev.code = code;
    ev.data = why;
    return ev;
}

// Appends `n` masked bytes, unmasked; the buffer grows by doubling, driven by
// the bytes that arrived, never by a declared length.
bool FrameReader::append(const std::uint8_t *src, std::size_t n) noexcept
{
    if (buf_cap_ - buf_size_ < n) {
        const std::size_t cap = std::max(buf_size_ + n, buf_cap_ * 2);
        auto *grown = static_cast<std::uint8_t *>(std::realloc(buf_, cap));
        if (!grown)
            return false;
        buf_ = grown;
        buf_cap_ = cap;
    }
    phase_ = static_cast<std::uint8_t>(unmask(buf_ + buf_size_, src, n, key_, phase_));
    buf_size_ += n;
    return true;
}

// Drops what the last event pointed at: a control frame's bytes past the
// message, or the whole delivered message (then the memory too).
void FrameReader::trim_buffer() noexcept
{
    trim_pending_ = false;
    buf_size_ = ctl_base_;
    if (buf_size_ == 0) {
        std::free(buf_);
        buf_ = nullptr;
        buf_cap_ = 0;
    }
}

} // namespace wshost::wsframe

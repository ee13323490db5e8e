// The host's reader of client frames (RFC 6455 §5), for connections whose
// bytes the host reads itself (issue 15; libwebsockets 4.1.6 accepts unmasked
// frames and exposes no frame header, LWS-NOTES T31). No socket, no lws: the
// caller hands it bytes as they arrive, split anywhere, and takes events.
//
// Contract
// - next(in) consumes bytes from the front of `in` (advancing it) until one
//   event is complete, and returns it; `need_more` means every byte of `in`
//   was consumed (the reader kept what it needs: a partial header, a partial
//   message), so the caller may reuse its buffer — one receive buffer can
//   serve every connection of the thread.
// - Payload bytes are unmasked IN PLACE in the caller's buffer (8 bytes at a
//   time). A message that is one frame wholly inside `in` (and a control
//   frame wholly inside `in`) is returned as a view into `in`, not copied;
//   anything else is copied once into the reader's own buffer.
// - An event's `data` stays valid until the next call to next() and, when it
//   points into `in`, as long as the caller leaves that buffer alone.
// - Events: a complete text or binary message (all fragments joined), ping
//   (its payload), pong, close (the peer's code, 1005 when it sent none, and
//   its reason), or error (the close code to send and a reason for the log).
//   After a close or an error event the reader is finished: every later byte
//   is consumed and ignored (RFC 6455 §5.5.1; lws delivered frames behind a
//   close, T32).
// - The same bytes give the same events whatever the split (tests/fuzz).
//
// Rules, each checked as soon as the bytes that decide it have arrived:
//   1002 protocol_error: an unmasked frame (§5.1); RSV2/RSV3, or RSV1 unless
//        an extension was negotiated (then RSV1 is allowed on the first frame
//        of a data message only, and the message is flagged `compressed`);
//        an unknown opcode; a control frame that is fragmented or over 125
//        bytes; a continuation with no message begun, a text/binary frame
//        inside a fragmented message; a 64-bit length with its high bit set;
//        a close payload of 1 byte or with a code that may not be sent (valid:
//        1000-1003, 1007-1014, 3000-4999).
//   1009 message_too_big: the message's declared length (the frames so far
//        plus this header's length) over max_message_bytes — decided at the
//        header, before any payload byte is read; a message of more than
//        max_fragments frames (0 = no cap), at the header of the one too many.
//   1007 invalid_payload: a text message that is not UTF-8, failing at the
//        first bad byte even inside a fragment or a read (a sequence may span
//        both); a close reason that is not UTF-8. A `compressed` message is
//        not checked here: its UTF-8 can only be checked after inflation.
// Not enforced: minimal length encoding (a 126/127 length form for a short
// payload is accepted, as most peers do).
//
// Per-connection cost: sizeof(FrameReader) (at most 96 bytes, asserted in
// frame_reader.cpp) plus, only while a message or control frame is split
// across reads, a heap buffer of at most twice its bytes received so far
// (never reserved from a declared length); an idle connection holds none.
// Between frames (at_rest()) a reader holds nothing of its connection's, so
// one reader can serve every connection that is between frames.
#pragma once

#include "base/utf8.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace wshost::wsframe
{

struct ReaderLimits {
    std::size_t max_message_bytes = 1 << 20; // [websocket] max_message_bytes; past it 1009
    std::uint32_t max_fragments = 16384;     // [websocket] max_fragments; 0 = no cap; past it 1009
    bool rsv1_extension = false;             // permessage-deflate negotiated: RSV1 = compressed
};

struct ReadEvent {
    enum class Type : std::uint8_t { need_more, text, binary, ping, pong, close, error };
    Type type = Type::need_more;
    bool compressed = false; // text/binary: RSV1 was set (only with rsv1_extension)
    std::uint16_t code = 0;  // close: the peer's code (1005: none); error: the code to send
    std::string_view data;   // message, ping/pong payload, close reason, or error reason
};

class FrameReader
{
  public:
    explicit FrameReader(const ReaderLimits &limits = {}) noexcept;
    ~FrameReader();
    FrameReader(const FrameReader &) = delete;
    FrameReader &operator=(const FrameReader &) = delete;

    ReadEvent next(std::span<std::uint8_t> &in) noexcept;

    // New limits (a reload), in force from the next frame header on.
    void set_limits(std::size_t max_message_bytes, std::uint32_t max_fragments) noexcept
    {
        max_message_bytes_ = max_message_bytes;
        max_fragments_ = max_fragments;
    }

    // A close or an error was returned: nothing more will be.
    bool finished() const noexcept { return state_ == State::finished; }
    // Between frames with no message begun, no byte held, nothing an event
    // points at: the reader is as a new one (its limits aside), so any
    // connection may use it next. A caller reading many connections lends
    // one reader at rest to every connection that is (issue 19).
    bool at_rest() const noexcept
    {
        return state_ == State::header && header_len_ == 0 && message_op_ == 0 && !buf_ && !trim_pending_;
    }
    // Bytes held for a message or control frame split across reads.
    std::size_t buffered_bytes() const noexcept { return buf_size_; }

  private:
    enum class State : std::uint8_t { header, payload, finished };

    const char *check_start(std::uint8_t b0, std::uint8_t b1) const noexcept;
    bool header_complete(std::span<std::uint8_t> &in, const std::uint8_t *&h, ReadEvent &error) noexcept;
    ReadEvent begin_frame(const std::uint8_t *h, std::span<std::uint8_t> &in) noexcept;
    ReadEvent read_payload(std::span<std::uint8_t> &in) noexcept;
    ReadEvent frame_done(std::string_view payload) noexcept;
    ReadEvent control_event(std::string_view payload) noexcept;
    ReadEvent fail(std::uint16_t code, const char *why) noexcept;
    bool append(const std::uint8_t *src, std::size_t n) noexcept;
    void trim_buffer() noexcept;

    // The partial message (and, past ctl_base_, a partial control frame).
    std::uint8_t *buf_ = nullptr;
    std::size_t buf_size_ = 0;
    std::size_t buf_cap_ = 0;
    std::size_t ctl_base_ = 0;     // message bytes in buf_ while a control frame is read
    std::uint64_t frame_left_ = 0; // payload bytes of the current frame not yet read
    std::size_t max_message_bytes_;
    std::uint32_t max_fragments_;
    std::uint32_t fragments_ = 0; // frames of the message in progress
    std::uint8_t header_[14];     // a header split across reads
    std::uint8_t header_len_ = 0;
    std::uint8_t key_[4] = {};
    std::uint8_t phase_ = 0;      // payload offset mod 4 (masking)
    std::uint8_t frame_op_ = 0;   // opcode of the current frame
    std::uint8_t message_op_ = 0; // 1 or 2 while a message is in progress, else 0
    State state_ = State::header;
    bool frame_fin_ = false;
    bool compressed_ = false;
    bool rsv1_extension_;
    bool trim_pending_ = false; // an event pointed into buf_: trim it on the next call
    Utf8Stream utf8_;
};

} // namespace wshost::wsframe

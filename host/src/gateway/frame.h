// A server-to-client message, built once and shared by every recipient.
//
// The payload sits after LWS_PRE bytes of headroom, where lws_write() puts
// the WebSocket header. Frames are immutable apart from that headroom, which
// only the service thread touches, one lws_write() at a time (LWS-NOTES T7).
//
// One allocation per frame: the reference count, the size and the bytes live
// in one block (a shared_ptr plus a vector took two, on every message).
#pragma once

#include <libwebsockets.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <new>
#include <string_view>
#include <utility>

namespace wshost
{

class FramePtr;

class Frame
{
  public:
    // A frame holding `payload`.
    static FramePtr make(std::string_view payload, bool binary);
    // A frame holding `parts` one after the other (one copy, no temporary string).
    static FramePtr make_joined(std::initializer_list<std::string_view> parts, bool binary);
    // A frame of `size` bytes that fill(char *out) writes in place (it must
    // write exactly `size` bytes): for text built straight into the frame.
    template <typename Fill> static FramePtr make_filled(std::size_t size, bool binary, Fill &&fill);
    // A pong answering a client's ping (the host frame reader; at most 125 bytes).
    static FramePtr make_pong(std::string_view payload);

    static constexpr std::uint8_t kText = 0x1, kBinary = 0x2, kPong = 0xA; // RFC 6455 opcodes

    std::size_t size() const { return size_; }
    bool binary() const { return opcode_ == kBinary; }
    std::uint8_t opcode() const { return opcode_; }
    // Mutable start of the payload, with LWS_PRE writable bytes before it.
    unsigned char *payload_for_write() { return bytes() + LWS_PRE; }
    std::string_view payload() const { return {reinterpret_cast<const char *>(bytes()) + LWS_PRE, size_}; }

    Frame(const Frame &) = delete;
    Frame &operator=(const Frame &) = delete;

  private:
    friend class FramePtr;
    Frame(std::size_t size, std::uint8_t opcode) : size_(size), opcode_(opcode) {}
    static Frame *allocate(std::size_t size, std::uint8_t opcode);

    unsigned char *bytes() { return reinterpret_cast<unsigned char *>(this + 1); }
    const unsigned char *bytes() const { return reinterpret_cast<const unsigned char *>(this + 1); }
    void retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release()
    {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            this->~Frame();
            ::operator delete(static_cast<void *>(this));
        }
    }

    std::atomic<std::size_t> refs_{1};
    std::size_t size_;
    std::uint8_t opcode_;
    // LWS_PRE + size_ bytes follow the object.
};

// Shared ownership of a Frame (a shared_ptr without the separate control
// block). Frames are released on whichever thread drops the last reference.
class FramePtr
{
  public:
    FramePtr() = default;
    FramePtr(const FramePtr &o) : f_(o.f_)
    {
        if (f_)
            f_->retain();
    }
    FramePtr(FramePtr &&o) noexcept : f_(std::exchange(o.f_, nullptr)) {}
    FramePtr &operator=(FramePtr o) noexcept
    {
        std::swap(f_, o.f_);
        return *this;
    }
    ~FramePtr()
    {
        if (f_)
            f_->release();
    }

    Frame *get() const { return f_; }
    Frame &operator*() const { return *f_; }
    Frame *operator->() const { return f_; }
    explicit operator bool() const { return f_ != nullptr; }

  private:
    friend class Frame;
    explicit FramePtr(Frame *adopted) : f_(adopted) {}
    Frame *f_ = nullptr;
};

inline Frame *Frame::allocate(std::size_t size, std::uint8_t opcode)
{
    void *block = ::operator new(sizeof(Frame) + LWS_PRE + size);
    return new (block) Frame(size, opcode);
}

inline FramePtr Frame::make(std::string_view payload, bool binary)
{
    return make_joined({payload}, binary);
}

inline FramePtr Frame::make_joined(std::initializer_list<std::string_view> parts, bool binary)
{
    std::size_t size = 0;
    for (std::string_view part : parts)
        size += part.size();
    Frame *frame = allocate(size, binary ? kBinary : kText);
    unsigned char *out = frame->payload_for_write();
    for (std::string_view part : parts) {
        if (!part.empty())
            std::memcpy(out, part.data(), part.size());
        out += part.size();
    }
    return FramePtr(frame);
}

template <typename Fill> FramePtr Frame::make_filled(std::size_t size, bool binary, Fill &&fill)
{
    Frame *frame = allocate(size, binary ? kBinary : kText);
    FramePtr owned(frame); // released if fill throws
    fill(reinterpret_cast<char *>(frame->payload_for_write()));
    return owned;
}

inline FramePtr Frame::make_pong(std::string_view payload)
{
    Frame *frame = allocate(payload.size(), kPong);
    if (!payload.empty())
        std::memcpy(frame->payload_for_write(), payload.data(), payload.size());
    return FramePtr(frame);
}

} // namespace wshost

// A connection's send queue: a ring of queued frames that allocates nothing
// until the first frame is queued.
//
// Why not std::deque: libstdc++'s deque allocates its map (64 B) and a 512-B
// node as soon as it is constructed, so every idle connection paid 576 B of
// heap for a queue it never used (docs/PERFORMANCE.md, finding 13). This ring
// starts at 4 slots (64 B) on the first push and doubles when full; it keeps
// its slots once grown (what a busy connection needs again next pass).
//
// The operations are those the gateway uses: both ends, indexing, iteration
// and erase() (drop_oldest removes pushes near the front: erase() moves the
// shorter side, so that costs O(distance to the nearer end)).
#pragma once

#include "gateway/frame.h"

#include <cstddef>
#include <iterator>
#include <memory>
#include <utility>

namespace wshost
{

struct QueuedFrame {
    FramePtr frame;
    bool response; // the client's own response: never dropped
};

class SendQueue
{
    template <typename Q, typename T> class Iter
    {
      public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = QueuedFrame;
        using difference_type = std::ptrdiff_t;
        using pointer = T *;
        using reference = T &;

        Iter() = default;
        Iter(Q *q, std::size_t i) : q_(q), i_(i) {}
        T &operator*() const { return (*q_)[i_]; }
        T *operator->() const { return &(*q_)[i_]; }
        Iter &operator++()
        {
            ++i_;
            return *this;
        }
        Iter operator++(int)
        {
            Iter before = *this;
            ++i_;
            return before;
        }
        bool operator==(const Iter &o) const { return i_ == o.i_; }
        std::size_t index() const { return i_; }

      private:
        Q *q_ = nullptr;
        std::size_t i_ = 0;
    };

  public:
    using iterator = Iter<SendQueue, QueuedFrame>;
    using const_iterator = Iter<const SendQueue, const QueuedFrame>;

    SendQueue() = default;
    SendQueue(const SendQueue &) = delete;
    SendQueue &operator=(const SendQueue &) = delete;

    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    std::size_t capacity() const { return cap_; }

    QueuedFrame &operator[](std::size_t i) { return slots_[(head_ + i) & (cap_ - 1)]; }
    const QueuedFrame &operator[](std::size_t i) const { return slots_[(head_ + i) & (cap_ - 1)]; }
    QueuedFrame &front() { return (*this)[0]; }
    QueuedFrame &back() { return (*this)[size_ - 1]; }
    const QueuedFrame &front() const { return (*this)[0]; }
    const QueuedFrame &back() const { return (*this)[size_ - 1]; }

    iterator begin() { return {this, 0}; }
    iterator end() { return {this, size_}; }
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, size_}; }

    void push_back(QueuedFrame q)
    {
        if (size_ == cap_)
            grow();
        (*this)[size_] = std::move(q);
        ++size_;
    }
    void push_front(QueuedFrame q)
    {
        if (size_ == cap_)
            grow();
        head_ = (head_ + cap_ - 1) & (cap_ - 1);
        slots_[head_] = std::move(q);
        ++size_;
    }
    void pop_front()
    {
        slots_[head_] = {}; // releases the frame now
        head_ = (head_ + 1) & (cap_ - 1);
        --size_;
    }
    void clear()
    {
        for (std::size_t i = 0; i < size_; ++i)
            (*this)[i] = {};
        head_ = 0;
        size_ = 0;
    }
    // Removes the element at `it`; returns the position of the one after it.
    iterator erase(iterator it)
    {
        const std::size_t k = it.index();
        if (k < size_ / 2) { // the front part moves up by one
            for (std::size_t i = k; i > 0; --i)
                (*this)[i] = std::move((*this)[i - 1]);
            pop_front(); // the old front, now moved from
            return {this, k};
        }
        for (std::size_t i = k; i + 1 < size_; ++i)
            (*this)[i] = std::move((*this)[i + 1]);
        (*this)[size_ - 1] = {};
        --size_;
        return {this, k};
    }

  private:
    void grow()
    {
        const std::size_t cap = cap_ ? cap_ * 2 : 4;
        auto slots = std::make_unique<QueuedFrame[]>(cap);
        for (std::size_t i = 0; i < size_; ++i)
            slots[i] = std::move((*this)[i]);
        slots_ = std::move(slots);
        cap_ = cap;
        head_ = 0;
    }

    std::unique_ptr<QueuedFrame[]> slots_;
    std::size_t cap_ = 0; // a power of two, or 0 before the first push
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

} // namespace wshost

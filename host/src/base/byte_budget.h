// Bytes in flight between threads, bounded: a producer takes before it hands
// work over and the consumer gives back once it is done; a take past the
// limit is refused (the caller drops and counts). Lock-free, any thread.
#pragma once

#include <atomic>
#include <cstddef>

namespace wshost
{

class ByteBudget
{
  public:
    explicit ByteBudget(std::size_t limit) : limit_(limit) {}

    // False (nothing taken) when `n` more would pass the limit.
    bool take(std::size_t n)
    {
        std::size_t used = used_.load(std::memory_order_relaxed);
        do {
            if (n > limit_ || used > limit_ - n)
                return false;
        } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
        return true;
    }
    void give(std::size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
    std::size_t used() const { return used_.load(std::memory_order_relaxed); }

  private:
    const std::size_t limit_;
    std::atomic<std::size_t> used_{0};
};

} // namespace wshost

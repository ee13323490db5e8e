// A per-connection token bucket for [websocket] rate_limit_per_s / _burst.
// Service thread only; no clock of its own (the caller passes the time).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace wshost
{

class TokenBucket
{
  public:
    using Clock = std::chrono::steady_clock;

    // Takes one token. Returns 0 when allowed, else the milliseconds until a
    // token will be there (for retry_after_ms). rate 0 = unlimited.
    int64_t take(int rate_per_s, int burst, Clock::time_point now)
    {
        if (rate_per_s <= 0)
            return 0;
        const double capacity = burst > 0 ? burst : rate_per_s;
        if (!started_) {
            started_ = true;
            tokens_ = capacity;
            last_ = now;
        }
        const double elapsed = std::chrono::duration<double>(now - last_).count();
        tokens_ = std::min(capacity, tokens_ + elapsed * rate_per_s);
        last_ = now;
        if (tokens_ >= 1.0) {
            tokens_ -= 1.0;
            return 0;
        }
        return static_cast<int64_t>((1.0 - tokens_) * 1000.0 / rate_per_s) + 1;
    }

  private:
    bool started_ = false;
    double tokens_ = 0;
    Clock::time_point last_{};
};

} // namespace wshost

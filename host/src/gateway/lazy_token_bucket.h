// A connection's [websocket] rate_limit_per_s bucket, allocated at the first
// request that a limit applies to: with no limit configured (the default) a
// connection pays a pointer for it, not a TokenBucket (issue 19, idle
// memory). Answers exactly as TokenBucket does. Service thread only.
#pragma once

#include "base/rate_limit.h"

#include <cstdint>
#include <memory>

namespace wshost
{

class LazyTokenBucket
{
  public:
    // TokenBucket::take: 0 when allowed, else the milliseconds until a token.
    int64_t take(int rate_per_s, int burst, TokenBucket::Clock::time_point now)
    {
        if (rate_per_s <= 0)
            return 0; // TokenBucket keeps no state for this either
        if (!bucket_)
            bucket_ = std::make_unique<TokenBucket>();
        return bucket_->take(rate_per_s, burst, now);
    }
    bool allocated() const { return bucket_ != nullptr; }

  private:
    std::unique_ptr<TokenBucket> bucket_;
};

} // namespace wshost

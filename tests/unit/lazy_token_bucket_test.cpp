// The connection's lazily allocated rate-limit bucket
// (host/src/gateway/lazy_token_bucket.h): nothing allocated while no limit
// applies, and then the same answers as TokenBucket, against an injected clock.
#include "gateway/lazy_token_bucket.h"

#include <gtest/gtest.h>

#include <chrono>

using wshost::LazyTokenBucket;
using wshost::TokenBucket;
using namespace std::chrono_literals;

TEST(LazyTokenBucket, NoLimitAllocatesNothing)
{
    LazyTokenBucket bucket;
    const auto t0 = TokenBucket::Clock::time_point{} + 1h;
    for (int i = 0; i < 100; ++i)
        EXPECT_EQ(bucket.take(0, 5, t0), 0);
    EXPECT_EQ(bucket.take(-1, 0, t0), 0);
    EXPECT_FALSE(bucket.allocated());
}

TEST(LazyTokenBucket, AnswersAsTokenBucket)
{
    LazyTokenBucket lazy;
    TokenBucket model;
    auto now = TokenBucket::Clock::time_point{} + 1h;
    // No limit first (a reload may add one later), then 10/s with a burst of 3.
    EXPECT_EQ(lazy.take(0, 0, now), model.take(0, 0, now));
    for (int i = 0; i < 50; ++i) {
        now += std::chrono::milliseconds(i % 7 * 13);
        ASSERT_EQ(lazy.take(10, 3, now), model.take(10, 3, now)) << i;
    }
    EXPECT_TRUE(lazy.allocated());
}

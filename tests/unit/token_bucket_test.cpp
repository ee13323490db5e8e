// The per-connection rate limit's token bucket ([websocket] rate_limit_per_s /
// rate_limit_burst) against an injected clock: the caller passes the time, so
// refill, the cap and retry_after_ms are checked to the millisecond without
// sleeping. The wire side (the rate_limited answer) is tests/auth/test_rate_limit.py.
#include "base/rate_limit.h"

#include <gtest/gtest.h>

#include <chrono>

namespace
{

using std::chrono::milliseconds;
using wshost::TokenBucket;

const TokenBucket::Clock::time_point t0{std::chrono::seconds(1000)};

// How many takes at `now` pass before the first refusal (at most `limit`).
int passes_at(TokenBucket &b, int rate, int burst, TokenBucket::Clock::time_point now, int limit = 100000)
{
    int n = 0;
    while (n < limit && b.take(rate, burst, now) == 0)
        ++n;
    return n;
}

TEST(TokenBucket, AFreshBucketAllowsTheBurstAtOneInstant)
{
    TokenBucket b;
    EXPECT_EQ(passes_at(b, 5, 5, t0), 5);
    // Empty: one token at 5/s is 200 ms away (+1: never advertise too early).
    EXPECT_EQ(b.take(5, 5, t0), 201);
}

TEST(TokenBucket, RetryAfterIsHonestToTheMillisecond)
{
    TokenBucket b;
    ASSERT_EQ(passes_at(b, 5, 5, t0), 5);
    const int64_t wait = b.take(5, 5, t0);
    ASSERT_EQ(wait, 201);
    EXPECT_GT(b.take(5, 5, t0 + milliseconds(wait - 2)), 0) << "a token before the advertised time";
    EXPECT_EQ(b.take(5, 5, t0 + milliseconds(wait)), 0) << "no token at the advertised time";
}

TEST(TokenBucket, RefusedRequestsSpendNothing)
{
    TokenBucket b;
    ASSERT_EQ(passes_at(b, 5, 5, t0), 5);
    for (int i = 0; i < 100; ++i)
        ASSERT_GT(b.take(5, 5, t0 + milliseconds(i)), 0);
    // The waits shrink as time passes, and the token comes on time all the same.
    const int64_t left = b.take(5, 5, t0 + milliseconds(150)); // 50 ms, rounded up
    EXPECT_GE(left, 50);
    EXPECT_LE(left, 51);
    EXPECT_EQ(b.take(5, 5, t0 + milliseconds(201)), 0);
}

TEST(TokenBucket, RefillIsCappedAtTheBurst)
{
    TokenBucket b;
    ASSERT_EQ(b.take(5, 3, t0), 0);
    const auto later = t0 + std::chrono::seconds(60); // 300 tokens' worth of idle time
    EXPECT_EQ(passes_at(b, 5, 3, later), 3);
}

TEST(TokenBucket, BurstZeroMeansOneSecondOfRate)
{
    TokenBucket b;
    EXPECT_EQ(passes_at(b, 4, 0, t0), 4);
    EXPECT_EQ(b.take(4, 0, t0), 251);
}

TEST(TokenBucket, RateZeroIsUnlimited)
{
    TokenBucket b;
    EXPECT_EQ(passes_at(b, 0, 5, t0, 10000), 10000);
}

} // namespace

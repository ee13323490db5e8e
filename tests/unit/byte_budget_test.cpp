// ByteBudget: what the cluster forwarder of plugin-thread sends is bounded by.
#include "base/byte_budget.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

using wshost::ByteBudget;

TEST(ByteBudget, RefusesPastTheLimitAndTakesAgainOnceGivenBack)
{
    ByteBudget b(100);
    EXPECT_TRUE(b.take(60));
    EXPECT_TRUE(b.take(40)); // exactly at the limit
    EXPECT_FALSE(b.take(1));
    EXPECT_EQ(b.used(), 100u);
    b.give(40);
    EXPECT_FALSE(b.take(41));
    EXPECT_TRUE(b.take(40));
    EXPECT_FALSE(b.take(SIZE_MAX)); // no overflow past the limit
    b.give(100);
    EXPECT_EQ(b.used(), 0u);
    EXPECT_FALSE(ByteBudget(10).take(11));
}

TEST(ByteBudget, ManyThreadsNeverHoldMoreThanTheLimit)
{
    ByteBudget b(1000);
    std::atomic<std::size_t> peak{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 20000; ++i)
                if (b.take(7)) {
                    std::size_t now = b.used();
                    std::size_t seen = peak.load();
                    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
                    }
                    b.give(7);
                }
        });
    for (std::thread &t : threads)
        t.join();
    EXPECT_LE(peak.load(), 1000u);
    EXPECT_EQ(b.used(), 0u);
}

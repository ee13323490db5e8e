// The connection send queue (host/src/gateway/send_queue.h): no storage until
// the first push, FIFO at both ends across wrap-around and growth, erase()
// from either half (against std::deque as the model).
#include "gateway/send_queue.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>

using namespace wshost;

namespace
{

QueuedFrame q(const std::string &text, bool response = false)
{
    return {Frame::make(text, false), response};
}

std::string text(const QueuedFrame &f)
{
    return std::string(f.frame->payload());
}

TEST(SendQueue, AllocatesNothingUntilTheFirstPush)
{
    SendQueue s;
    EXPECT_EQ(s.capacity(), 0u);
    EXPECT_TRUE(s.empty());
    EXPECT_TRUE(s.begin() == s.end());
    s.clear();
    EXPECT_EQ(s.capacity(), 0u);
    s.push_back(q("a"));
    EXPECT_EQ(s.capacity(), 4u);
    EXPECT_EQ(text(s.front()), "a");
}

TEST(SendQueue, BothEndsAcrossWrapAndGrowth)
{
    SendQueue s;
    for (int round = 0; round < 3; ++round) { // the head walks around the ring
        s.push_back(q("1"));
        s.push_back(q("2"));
        s.push_front(q("0"));
        ASSERT_EQ(s.size(), 3u);
        EXPECT_EQ(text(s[0]) + text(s[1]) + text(s[2]), "012");
        s.pop_front();
        s.pop_front();
        s.pop_front();
    }
    for (int i = 0; i < 10; ++i)
        s.push_back(q(std::to_string(i)));
    s.push_front(q("f"));
    EXPECT_EQ(s.capacity(), 16u);
    std::string all;
    for (const QueuedFrame &f : s)
        all += text(f);
    EXPECT_EQ(all, "f0123456789");
    EXPECT_EQ(text(s.back()), "9");
}

TEST(SendQueue, EraseMatchesDequeFromEitherHalf)
{
    std::mt19937 rng(19);
    SendQueue s;
    std::deque<std::string> model;
    for (int step = 0; step < 5000; ++step) {
        const int op = static_cast<int>(rng() % 5);
        if (op <= 1 || model.empty()) {
            std::string t = std::to_string(step);
            if (op == 0) {
                s.push_front(q(t));
                model.push_front(t);
            } else {
                s.push_back(q(t));
                model.push_back(t);
            }
        } else if (op == 2) {
            s.pop_front();
            model.pop_front();
        } else {
            const std::size_t k = rng() % model.size();
            auto it = s.begin();
            for (std::size_t i = 0; i < k; ++i)
                ++it;
            auto next = s.erase(it);
            auto mnext = model.erase(model.begin() + static_cast<std::ptrdiff_t>(k));
            ASSERT_EQ(next == s.end(), mnext == model.end());
            if (mnext != model.end()) {
                ASSERT_EQ(text(*next), *mnext);
            }
        }
        ASSERT_EQ(s.size(), model.size());
        for (std::size_t i = 0; i < model.size(); ++i)
            ASSERT_EQ(text(s[i]), model[i]) << "step " << step << " index " << i;
    }
}

} // namespace

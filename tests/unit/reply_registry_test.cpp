// ReplyRegistry: one-shot ids over a slot table, and deadlines kept in one
// list per timeout. No gateway: what is checked is who is still open, which
// ids answer, and which deadline comes next.
#include "protocol/replies.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

namespace wshost
{
namespace
{

using Clock = ReplyRegistry::Clock;
using std::chrono::milliseconds;

const Clock::time_point t0 = Clock::time_point(std::chrono::hours(1));

wsh_reply_id open_at(ReplyRegistry &r, Clock::time_point now, int timeout_ms = 1000)
{
    return r.open(7, R"("rid")", nullptr, nullptr, timeout_ms, now);
}

TEST(ReplyRegistry, AnAnswerIsTakenOnceAndALateOneIsCounted)
{
    ReplyRegistry r(nullptr);
    wsh_reply_id id = open_at(r, t0);
    ASSERT_NE(id, 0u);
    EXPECT_EQ(r.open_count(), 1u);
    EXPECT_EQ(r.success(id, R"({"a":1})"), WSH_OK);
    EXPECT_EQ(r.open_count(), 0u);
    EXPECT_EQ(r.success(id, "{}"), WSH_E_GONE);
    EXPECT_EQ(r.error(id, "x", "y"), WSH_E_GONE);
    EXPECT_EQ(r.none(id), WSH_E_GONE);
    EXPECT_EQ(r.late_replies(), 3u);
    EXPECT_FALSE(r.fail(id)); // the handler's own failure is not a late reply
    EXPECT_EQ(r.late_replies(), 3u);
}

TEST(ReplyRegistry, AbandonedRepliesLetTheirGenerationGoAndAnswerGone)
{
    ReplyRegistry r(nullptr);
    // Any shared_ptr stands in for the generation: only its release is watched.
    auto generation = std::make_shared<int>(0);
    std::shared_ptr<PluginSet> held(generation, reinterpret_cast<PluginSet *>(generation.get()));
    wsh_reply_id a = r.open(7, R"("a")", nullptr, held, 1000, t0);
    wsh_reply_id b = r.open(8, R"("b")", nullptr, held, 5000, t0);
    held.reset();
    EXPECT_EQ(generation.use_count(), 3);
    r.abandon_all();
    EXPECT_EQ(generation.use_count(), 1);
    EXPECT_EQ(r.open_count(), 0u);
    EXPECT_EQ(r.success(a, "{}"), WSH_E_GONE);
    EXPECT_EQ(r.none(b), WSH_E_GONE);
    EXPECT_FALSE(r.next_deadline());
    // The freed slots serve again, with new ids.
    wsh_reply_id c = open_at(r, t0);
    EXPECT_NE(c, a);
    EXPECT_NE(c, b);
    EXPECT_EQ(r.next_deadline(), t0 + milliseconds(1000));
}

TEST(ReplyRegistry, UnknownIdsAreGone)
{
    ReplyRegistry r(nullptr);
    EXPECT_EQ(r.success(0, "{}"), WSH_E_GONE);
    wsh_reply_id id = open_at(r, t0);
    EXPECT_EQ(r.success(id + 1, "{}"), WSH_E_GONE);            // a slot never used
    EXPECT_EQ(r.success(id ^ (1ull << 40), "{}"), WSH_E_GONE); // same slot, other use
    EXPECT_EQ(r.success(~0ull, "{}"), WSH_E_GONE);
    EXPECT_EQ(r.open_count(), 1u);
}

TEST(ReplyRegistry, AReusedSlotGetsANewId)
{
    ReplyRegistry r(nullptr);
    wsh_reply_id first = open_at(r, t0);
    EXPECT_EQ(r.none(first), WSH_OK);
    wsh_reply_id second = open_at(r, t0);
    EXPECT_NE(second, first);
    EXPECT_EQ(r.none(first), WSH_E_GONE); // the old handle does not reach the new request
    EXPECT_EQ(r.open_count(), 1u);
    EXPECT_EQ(r.none(second), WSH_OK);
}

TEST(ReplyRegistry, InvalidAnswersCloseTheReply)
{
    ReplyRegistry r(nullptr);
    wsh_reply_id a = open_at(r, t0), b = open_at(r, t0);
    EXPECT_EQ(r.success(a, "[1]"), WSH_E_INVALID);
    EXPECT_EQ(r.error(b, "Not-Snake", "m"), WSH_E_INVALID);
    EXPECT_EQ(r.open_count(), 0u);
    EXPECT_EQ(r.success(a, "{}"), WSH_E_GONE);
}

TEST(ReplyRegistry, DeadlinesOfDifferentTimeoutsExpireInTimeOrder)
{
    ReplyRegistry r(nullptr);
    wsh_reply_id slow1 = open_at(r, t0, 100);
    wsh_reply_id fast = open_at(r, t0, 10);
    wsh_reply_id slow2 = open_at(r, t0 + milliseconds(1), 100);
    EXPECT_EQ(r.next_deadline(), t0 + milliseconds(10));

    EXPECT_EQ(r.expire(t0 + milliseconds(9)), t0 + milliseconds(10)); // nothing due yet
    EXPECT_EQ(r.open_count(), 3u);
    EXPECT_EQ(r.expire(t0 + milliseconds(50)), t0 + milliseconds(100));
    EXPECT_EQ(r.none(fast), WSH_E_GONE); // answered handler_timeout

    EXPECT_EQ(r.none(slow1), WSH_OK);
    EXPECT_EQ(r.next_deadline(), t0 + milliseconds(101));
    EXPECT_EQ(r.expire(t0 + milliseconds(100)), t0 + milliseconds(101));
    EXPECT_EQ(r.open_count(), 1u);
    EXPECT_EQ(r.expire(t0 + milliseconds(101)), std::nullopt);
    EXPECT_EQ(r.none(slow2), WSH_E_GONE);
    EXPECT_EQ(r.next_deadline(), std::nullopt);
}

TEST(ReplyRegistry, AnEarlierDeadlineOpenedLaterStillComesFirst)
{
    ReplyRegistry r(nullptr);
    open_at(r, t0 + milliseconds(5), 100);
    wsh_reply_id early = open_at(r, t0, 100);
    EXPECT_EQ(r.next_deadline(), t0 + milliseconds(100));
    EXPECT_EQ(r.expire(t0 + milliseconds(100)), t0 + milliseconds(105));
    EXPECT_EQ(r.none(early), WSH_E_GONE);
}

TEST(ReplyRegistry, ManyRepliesAnsweredInAnyOrder)
{
    ReplyRegistry r(nullptr);
    std::mt19937 rng(42);
    std::vector<wsh_reply_id> open;
    std::set<wsh_reply_id> seen;
    for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < 500; ++i) {
            wsh_reply_id id = open_at(r, t0 + milliseconds(round), 10 + i % 3);
            ASSERT_TRUE(seen.insert(id).second) << "id handed out twice";
            open.push_back(id);
        }
        std::shuffle(open.begin(), open.end(), rng);
        for (std::size_t i = 0; i < open.size() / 2; ++i)
            ASSERT_EQ(r.none(open[i]), WSH_OK);
        open.erase(open.begin(), open.begin() + static_cast<std::ptrdiff_t>(open.size() / 2));
        ASSERT_EQ(r.open_count(), open.size());
    }
    // Whatever is left expires, earliest first, and nothing else does.
    r.expire(t0 + milliseconds(1000));
    EXPECT_EQ(r.open_count(), 0u);
    for (wsh_reply_id id : open)
        EXPECT_EQ(r.none(id), WSH_E_GONE);
}

} // namespace
} // namespace wshost

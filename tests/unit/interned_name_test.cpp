// Interned connection names (host/src/gateway/interned_name.h): one copy per
// distinct name, equal names the same pointer, valid whatever happens to the
// string they were made from.
#include "gateway/interned_name.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

using wshost::InternedName;

TEST(InternedName, EmptyByDefaultAndFromAnEmptyString)
{
    InternedName none, empty{std::string_view{}};
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(none.str(), "");
    EXPECT_STREQ(none.c_str(), "");
    EXPECT_TRUE(none == empty);
    EXPECT_TRUE(none == std::string_view{});
}

TEST(InternedName, EqualNamesShareOneCopy)
{
    std::string path = "/interned-name-test/a-path-longer-than-sso";
    InternedName a(path), b{std::string_view(path)};
    const std::size_t pool = InternedName::pool_size();
    InternedName c(path);
    EXPECT_EQ(InternedName::pool_size(), pool); // no new copy for a name already there
    EXPECT_EQ(&a.str(), &b.str());
    EXPECT_EQ(&a.str(), &c.str());
    EXPECT_TRUE(a == c);
    path.assign(path.size(), 'x'); // the source may change or go
    EXPECT_EQ(a.str(), "/interned-name-test/a-path-longer-than-sso");
    EXPECT_EQ(a.size(), path.size());
}

TEST(InternedName, DifferentNamesDiffer)
{
    InternedName a("/interned-name-test/one"), b("/interned-name-test/two");
    EXPECT_FALSE(a == b);
    EXPECT_TRUE(a == std::string_view("/interned-name-test/one"));
    b = "/interned-name-test/one";
    EXPECT_TRUE(a == b);
}

TEST(InternedName, ReadsAsAStringAndAView)
{
    InternedName name("chat.v1");
    const std::string &s = name;
    std::string_view v = name;
    std::string copy = name;
    EXPECT_EQ(s, "chat.v1");
    EXPECT_EQ(v, "chat.v1");
    EXPECT_EQ(copy, "chat.v1");
}

TEST(InternedName, InterningFromManyThreadsGivesOneCopy)
{
    constexpr int kThreads = 4;
    std::vector<const std::string *> seen(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([t, &seen] {
            for (int i = 0; i < 1000; ++i)
                seen[t] = &InternedName("/interned-name-test/threads").str();
        });
    for (std::thread &t : threads)
        t.join();
    for (int t = 1; t < kThreads; ++t)
        EXPECT_EQ(seen[t], seen[0]);
}

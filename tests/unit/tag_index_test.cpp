// The tag index must answer exactly what a brute-force AND filter answers,
// over random tag sets and random predicates, through adds, changes and
// removals. (An OR would pass a test that only checks one-pair predicates,
// so most predicates here have two or three pairs.)
#include "gateway/tag_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

using namespace wshost;

namespace
{

std::vector<wsh_conn_id> brute_force(const std::map<wsh_conn_id, Tags> &conns, const Tags &predicate)
{
    std::vector<wsh_conn_id> out;
    if (predicate.empty())
        return out;
    for (const auto &[id, tags] : conns) {
        bool all = std::all_of(predicate.begin(), predicate.end(), [&](const auto &kv) {
            auto it = tags.find(kv.first);
            return it != tags.end() && it->second == kv.second;
        });
        if (all)
            out.push_back(id);
    }
    return out;
}

struct Model {
    std::map<wsh_conn_id, Tags> conns;
    TagIndex index;

    void set(wsh_conn_id id, const std::string &k, const std::string &v)
    {
        auto &tags = conns[id];
        if (auto it = tags.find(k); it != tags.end())
            index.remove(id, k, it->second);
        tags[k] = v;
        index.add(id, k, v);
    }
    void unset(wsh_conn_id id, const std::string &k)
    {
        auto &tags = conns[id];
        if (auto it = tags.find(k); it != tags.end()) {
            index.remove(id, k, it->second);
            tags.erase(it);
        }
    }
    void drop(wsh_conn_id id)
    {
        for (const auto &[k, v] : conns[id])
            index.remove(id, k, v);
        conns.erase(id);
    }
    std::vector<wsh_conn_id> match(const Tags &p) const
    {
        auto got = index.match(p, [this](wsh_conn_id id) -> const Tags & { return conns.at(id); });
        std::sort(got.begin(), got.end());
        return got;
    }
};

} // namespace

TEST(TagIndex, MatchesBruteForceOverRandomTagSets)
{
    std::mt19937 rng(12345);
    const std::vector<std::string> keys = {"language", "country", "plan", "team"};
    const std::vector<std::string> values = {"FR", "EN", "DE", "a", "b"};
    auto pick = [&](const std::vector<std::string> &v) { return v[rng() % v.size()]; };

    for (int round = 0; round < 50; ++round) {
        Model m;
        const int n = 1 + static_cast<int>(rng() % 200);
        for (wsh_conn_id id = 1; id <= static_cast<wsh_conn_id>(n); ++id) {
            m.conns[id];
            for (const auto &k : keys)
                if (rng() % 2)
                    m.set(id, k, pick(values));
        }
        for (int op = 0; op < 100; ++op) { // churn: change, remove tags, drop connections
            wsh_conn_id id = 1 + rng() % n;
            if (!m.conns.count(id))
                continue;
            switch (rng() % 4) {
            case 0:
                m.unset(id, pick(keys));
                break;
            case 1:
                m.drop(id);
                break;
            default:
                m.set(id, pick(keys), pick(values));
                break;
            }
        }
        for (int q = 0; q < 100; ++q) {
            Tags predicate;
            const int pairs = 1 + static_cast<int>(rng() % 3);
            for (int i = 0; i < pairs; ++i)
                predicate[pick(keys)] = pick(values);
            ASSERT_EQ(m.match(predicate), brute_force(m.conns, predicate))
                << "round " << round << " query " << q;
        }
    }
}

TEST(TagIndex, AndIsNotOr)
{
    Model m;
    m.set(1, "language", "FR");
    m.set(2, "country", "CA");
    m.set(3, "language", "FR");
    m.set(3, "country", "CA");
    EXPECT_EQ(m.match({{"language", "FR"}, {"country", "CA"}}), std::vector<wsh_conn_id>{3});
    EXPECT_EQ(m.match({{"language", "FR"}}), (std::vector<wsh_conn_id>{1, 3}));
    EXPECT_TRUE(m.match({{"language", "FR"}, {"country", "US"}}).empty());
    EXPECT_TRUE(m.match({}).empty());
}

TEST(TagIndex, ReplacedValueNoLongerMatches)
{
    Model m;
    m.set(7, "language", "FR");
    m.set(7, "language", "EN");
    EXPECT_TRUE(m.match({{"language", "FR"}}).empty());
    EXPECT_EQ(m.match({{"language", "EN"}}), std::vector<wsh_conn_id>{7});
    m.drop(7);
    EXPECT_TRUE(m.match({{"language", "EN"}}).empty());
    EXPECT_EQ(m.index.pair_count(), 0u);
}

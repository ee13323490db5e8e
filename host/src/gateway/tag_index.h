// Inverted index from tag pairs (key=value) to connections, for tag-predicate
// targeting (DESIGN §3). A predicate is an AND of pairs: the lookup walks the
// shortest posting list and checks the other pairs on each candidate, so its
// cost follows the smallest matching set, never the number of connections.
#pragma once

#include <wshost/plugin.h>

#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace wshost
{

using Tags = std::map<std::string, std::string>; // one value per key

class TagIndex
{
  public:
    // true when the pair gained its first connection (add) or lost its last
    // (remove): the cluster subscribes to a pair's channel only while held.
    bool add(wsh_conn_id conn, const std::string &key, const std::string &value);
    bool remove(wsh_conn_id conn, const std::string &key, const std::string &value);

    // Connections whose tags contain every pair of `predicate`. `tags_of`
    // returns a connection's tag map (used to check the other pairs).
    // An empty predicate matches nothing (use "everyone" for that).
    template <typename TagsOf> std::vector<wsh_conn_id> match(const Tags &predicate, TagsOf &&tags_of) const
    {
        std::vector<wsh_conn_id> out;
        const std::unordered_set<wsh_conn_id> *smallest = nullptr;
        for (const auto &[key, value] : predicate) {
            auto it = postings_.find(pair_key(key, value));
            if (it == postings_.end())
                return out; // one pair matches nobody: the AND matches nobody
            if (!smallest || it->second.size() < smallest->size())
                smallest = &it->second;
        }
        if (!smallest)
            return out;
        for (wsh_conn_id conn : *smallest) {
            const Tags &tags = tags_of(conn);
            bool all = true;
            for (const auto &[key, value] : predicate) {
                auto t = tags.find(key);
                if (t == tags.end() || t->second != value) {
                    all = false;
                    break;
                }
            }
            if (all)
                out.push_back(conn);
        }
        return out;
    }

    std::size_t pair_count() const { return postings_.size(); }

  private:
    // key and value joined by a NUL, which neither may contain.
    static std::string pair_key(const std::string &key, const std::string &value)
    {
        std::string k;
        k.reserve(key.size() + 1 + value.size());
        k.append(key).push_back('\0');
        k.append(value);
        return k;
    }

    std::unordered_map<std::string, std::unordered_set<wsh_conn_id>> postings_;
};

} // namespace wshost

#include "gateway/tag_index.h"

namespace wshost
{

bool TagIndex::add(wsh_conn_id conn, const std::string &key, const std::string &value)
{
    auto &posting = postings_[pair_key(key, value)];
    const bool first = posting.empty();
    posting.insert(conn);
    return first;
}

bool TagIndex::remove(wsh_conn_id conn, const std::string &key, const std::string &value)
{
    auto it = postings_.find(pair_key(key, value));
    if (it == postings_.end())
        return false;
    it->second.erase(conn);
    if (!it->second.empty())
        return false;
    postings_.erase(it);
    return true;
}

} // namespace wshost

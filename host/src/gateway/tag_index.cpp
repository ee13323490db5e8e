#include "gateway/tag_index.h"

namespace wshost
{

void TagIndex::add(wsh_conn_id conn, const std::string &key, const std::string &value)
{
    postings_[pair_key(key, value)].insert(conn);
}

void TagIndex::remove(wsh_conn_id conn, const std::string &key, const std::string &value)
{
    auto it = postings_.find(pair_key(key, value));
    if (it == postings_.end())
        return;
    it->second.erase(conn);
    if (it->second.empty())
        postings_.erase(it);
}

} // namespace wshost

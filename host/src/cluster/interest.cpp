#include "cluster/interest.h"

#include <algorithm>

namespace wshost::cluster
{

Interest::Interest(ClusterNames names, Changed changed)
    : names_(std::move(names)), all_(names_.all()), changed_(std::move(changed))
{
}

void Interest::add(const std::string &channel)
{
    if (++counts_[channel] == 1 && changed_)
        changed_(channel, true);
}

void Interest::remove(const std::string &channel)
{
    auto it = counts_.find(channel);
    if (it == counts_.end())
        return; // never added: nothing to undo
    if (--it->second == 0) {
        counts_.erase(it);
        if (changed_)
            changed_(channel, false);
    }
}

std::size_t Interest::count(const std::string &channel) const
{
    auto it = counts_.find(channel);
    return it == counts_.end() ? 0 : it->second;
}

std::vector<std::string> Interest::channels() const
{
    std::vector<std::string> out{all_};
    out.reserve(1 + counts_.size());
    for (const auto &[channel, n] : counts_)
        out.push_back(channel);
    return out;
}

std::vector<std::string>
Interest::publish_channels(const ClusterMessage &m,
                           const std::function<std::string(std::uint64_t)> &owner_of) const
{
    std::vector<std::string> out;
    switch (m.kind) {
    case TargetKind::connection:
        if (!m.connections.empty())
            if (std::string owner = owner_of ? owner_of(m.connections.front()) : std::string();
                !owner.empty())
                out.push_back(names_.node(owner));
        break;
    case TargetKind::user:
    case TargetKind::users:
        for (const std::string &user : m.names)
            out.push_back(names_.user(user));
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end()); // a user named twice: one publish
        break;
    case TargetKind::room:
        if (!m.names.empty())
            out.push_back(names_.room(m.names.front()));
        break;
    case TargetKind::tags:
        if (!m.tags.empty())
            out.push_back(names_.tag(m.tags.front().first, m.tags.front().second));
        break;
    case TargetKind::all:
        out.push_back(all_);
        break;
    }
    return out;
}

} // namespace wshost::cluster

#include "gateway/interned_name.h"

#include <mutex>
#include <unordered_set>

namespace wshost
{

namespace
{

// Leaked on purpose: connections destroyed during static destruction may
// still point into it.
struct Pool {
    std::mutex mu;
    std::unordered_set<std::string> names; // nodes: stable addresses
};

Pool &pool()
{
    static Pool *p = new Pool;
    return *p;
}

const std::string *empty_name()
{
    static const std::string *empty = new std::string;
    return empty;
}

} // namespace

InternedName::InternedName() noexcept : name_(empty_name()) {}

InternedName::InternedName(std::string_view name) : name_(empty_name())
{
    if (name.empty())
        return;
    Pool &p = pool();
    std::lock_guard lock(p.mu);
    name_ = &*p.names.emplace(name).first;
}

std::size_t InternedName::pool_size()
{
    Pool &p = pool();
    std::lock_guard lock(p.mu);
    return p.names.size();
}

} // namespace wshost

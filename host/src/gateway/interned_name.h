// A name many connections share: the endpoint path a connection upgraded
// on, its subprotocol, a raw endpoint's handler (issue 19, idle memory). One
// copy of each distinct name serves the whole process, and a connection
// holds a pointer (8 bytes) instead of a std::string (32) of its own.
//
// The names come from the configuration (a path or a protocol name that an
// [[endpoint]] lists), so the pool holds at most the names ever configured.
// It is never emptied: a pointer taken from it stays valid for the life of
// the process, whatever a reload does. Interning takes a lock (any thread);
// reading is free.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wshost
{

class InternedName
{
  public:
    InternedName() noexcept; // ""
    InternedName(std::string_view name);
    InternedName &operator=(std::string_view name) { return *this = InternedName(name); }

    const std::string &str() const noexcept { return *name_; }
    const char *c_str() const noexcept { return name_->c_str(); }
    std::size_t size() const noexcept { return name_->size(); }
    bool empty() const noexcept { return name_->empty(); }
    operator const std::string &() const noexcept { return *name_; }
    operator std::string_view() const noexcept { return *name_; }

    // Equal names are the same pointer.
    friend bool operator==(const InternedName &a, const InternedName &b) noexcept
    {
        return a.name_ == b.name_;
    }
    friend bool operator==(const InternedName &a, std::string_view b) noexcept { return *a.name_ == b; }

    // Distinct names interned so far (tests).
    static std::size_t pool_size();

  private:
    const std::string *name_;
};

} // namespace wshost

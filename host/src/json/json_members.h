// The payload of reply_members (plugin.h, since ABI 1.3): a JSON object the
// host writes from the plugin's wsh_member array, so that a reply built this
// way is checked once, as it is measured, and never re-validated as text.
//
//   MemberPayload payload;
//   if (!payload.check(members, count)) -> handler_failed
//   char *end = payload.write(out);     // exactly payload.size() bytes
//
// check() validates every key and string piece as UTF-8 and counts what
// escaping adds, in one pass; write() copies the text (whole strings when
// nothing needs escaping, else a run at a time) and trusts what check() saw:
// the members must not change in between. A JSON
// member's text is validated like a reply_success payload (strict RFC 8259,
// nesting counted from inside the payload).
#pragma once

#include <wshost/plugin.h>

#include <cstddef>

namespace wshost
{

class MemberPayload
{
  public:
    // False for anything plugin.h refuses: NULL members with a count, an
    // unknown kind, bad UTF-8, a NULL pointer with a length, NULL `more` with
    // a count, a JSON member that is not one JSON value.
    bool check(const wsh_member *members, std::size_t count);

    // The length of the object's text; valid after check() returned true.
    std::size_t size() const { return size_; }

    // Writes the object ({...}, size() bytes) at `out`; returns its end.
    char *write(char *out) const;

  private:
    const wsh_member *members_ = nullptr;
    std::size_t count_ = 0;
    std::size_t size_ = 0;
    bool escapes_ = false; // some key or string needs escaping
};

} // namespace wshost

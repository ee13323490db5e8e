// Small C++ conveniences over the C test kit for the example plugins' tests.
#pragma once

#include <wshost/testkit.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kit_helpers
{

inline std::string str(wsh_str s)
{
    return s.ptr ? std::string(s.ptr, s.len) : std::string();
}

// Owns a wsh_testkit.
class Kit
{
  public:
    Kit() : kit_(wsh_testkit_new()) {}
    ~Kit() { wsh_testkit_free(kit_); }
    Kit(const Kit &) = delete;
    Kit &operator=(const Kit &) = delete;
    operator wsh_testkit *() const { return kit_; }

    // Every frame `conn` received from event *cursor on (the cursor moves on).
    std::vector<std::string> frames(wsh_conn_id conn, size_t *cursor) const
    {
        std::vector<std::string> out;
        wsh_testkit_frame f;
        while (wsh_testkit_next_frame(kit_, conn, cursor, &f))
            out.push_back(str(f.data));
        return out;
    }
    std::vector<std::string> frames(wsh_conn_id conn) const
    {
        size_t cursor = 0;
        return frames(conn, &cursor);
    }

  private:
    wsh_testkit *kit_;
};

} // namespace kit_helpers

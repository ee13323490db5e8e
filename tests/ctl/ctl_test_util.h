// Shared helpers of the wshostctl tests.
#pragma once

#include "commands.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace wshost::ctl::test
{

// words[0] is the command name. Fails the test when the command does not parse.
inline Plan plan_of(const std::vector<std::string> &words)
{
    Plan plan;
    const Command *command = find_command(words.at(0));
    EXPECT_NE(command, nullptr) << words[0];
    if (!command)
        return plan;
    std::string error;
    EXPECT_TRUE(plan_command(*command, std::span<const std::string>(words).subspan(1), plan, error)) << error;
    return plan;
}

// The usage error of words that must not parse ("" when they did).
inline std::string usage_error_of(const std::vector<std::string> &words)
{
    const Command *command = find_command(words.at(0));
    if (!command)
        return "unknown command";
    Plan plan;
    std::string error;
    if (plan_command(*command, std::span<const std::string>(words).subspan(1), plan, error))
        return "";
    EXPECT_FALSE(error.empty());
    return error;
}

// A file under the test's temporary directory, removed by the destructor.
class TempFile
{
  public:
    explicit TempFile(const std::string &content)
    {
        char name[] = "/tmp/wshostctl-test-XXXXXX";
        int fd = ::mkstemp(name);
        EXPECT_GE(fd, 0);
        path_ = name;
        if (fd >= 0) {
            EXPECT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
            ::close(fd);
        }
    }
    ~TempFile() { std::remove(path_.c_str()); }
    const std::string &path() const { return path_; }

  private:
    std::string path_;
};

inline Response make_response(int status, std::string body,
                              std::vector<std::pair<std::string, std::string>> headers = {})
{
    Response r;
    r.status = status;
    r.reason = status == 200 ? "OK" : "";
    r.headers = std::move(headers);
    r.body = std::move(body);
    return r;
}

} // namespace wshost::ctl::test

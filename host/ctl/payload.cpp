#include "payload.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace wshost::ctl
{

bool read_payload_file(const std::string &path, std::string &out, std::string &error)
{
    out.clear();
    bool is_stdin = path == "-";
    int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    std::string name = is_stdin ? "stdin" : path;
    if (fd < 0) {
        error = name + ": " + std::strerror(errno);
        return false;
    }
    char buf[65536];
    bool ok = true;
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<size_t>(n));
        } else if (n == 0) {
            break;
        } else if (errno != EINTR) {
            error = name + ": " + std::strerror(errno);
            ok = false;
            break;
        }
    }
    if (!is_stdin)
        ::close(fd);
    return ok;
}

} // namespace wshost::ctl

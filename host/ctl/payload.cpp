#include "payload.h"

#include <openssl/evp.h>

#include <algorithm>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace wshost::ctl
{

std::string base64_encode(std::string_view bytes)
{
    std::string out;
    // EVP_EncodeBlock writes 4 bytes per started 3-byte group, plus a NUL.
    out.resize(4 * ((bytes.size() + 2) / 3) + 1);
    // EVP_EncodeBlock takes an int length; payloads past 1.5 GB are encoded in slices.
    size_t written = 0;
    constexpr size_t slice = size_t{3} << 28; // a multiple of 3 keeps the slices padding-free
    for (size_t pos = 0; pos < bytes.size(); pos += slice) {
        size_t n = std::min(slice, bytes.size() - pos);
        int len =
            EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data() + written),
                            reinterpret_cast<const unsigned char *>(bytes.data() + pos), static_cast<int>(n));
        written += static_cast<size_t>(len);
    }
    out.resize(written);
    return out;
}

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

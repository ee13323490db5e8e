// The transport: connect (TCP or Unix socket) with a deadline, send, receive, parse.
#include "http_client.h"

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef WSHOST_VERSION
#define WSHOST_VERSION "0.0.0"
#endif

namespace wshost::ctl
{

namespace
{

using Clock = std::chrono::steady_clock;

class Fd
{
  public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    Fd(Fd &&o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    Fd &operator=(Fd &&o) noexcept
    {
        std::swap(fd_, o.fd_);
        return *this;
    }
    ~Fd()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

int remaining_ms(Clock::time_point deadline)
{
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// poll() one fd until `events` or the deadline; 1 ready, 0 timeout, -1 error (errno set).
int wait_for(int fd, short events, Clock::time_point deadline, short *revents = nullptr)
{
    for (;;) {
        pollfd p{fd, events, 0};
        int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        if (revents)
            *revents = p.revents;
        return n;
    }
}

// Non-blocking connect bounded by the deadline. Empty string on success, else the reason.
std::string connect_addr(const Fd &fd, const sockaddr *addr, socklen_t len, Clock::time_point deadline)
{
    if (::connect(fd.get(), addr, len) == 0)
        return {};
    if (errno != EINPROGRESS && errno != EINTR)
        return std::strerror(errno);
    int n = wait_for(fd.get(), POLLOUT, deadline);
    if (n == 0)
        return "timed out";
    if (n < 0)
        return std::strerror(errno);
    int err = 0;
    socklen_t err_len = sizeof err;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len) < 0)
        return std::strerror(errno);
    return err == 0 ? std::string() : std::strerror(err);
}

Fd open_connection(const ControlUrl &url, Clock::time_point deadline, std::string &error)
{
    if (url.kind == ControlUrl::Kind::unix_socket) {
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        if (url.socket_path.size() >= sizeof sun.sun_path) {
            error = "cannot connect to " + url.display() + ": socket path too long";
            return Fd();
        }
        std::memcpy(sun.sun_path, url.socket_path.c_str(), url.socket_path.size() + 1);
        Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (fd.get() < 0) {
            error = std::string("socket: ") + std::strerror(errno);
            return Fd();
        }
        std::string why = connect_addr(fd, reinterpret_cast<sockaddr *>(&sun), sizeof sun, deadline);
        if (!why.empty()) {
            error = "cannot connect to " + url.display() + ": " + why;
            return Fd();
        }
        return fd;
    }

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo *list = nullptr;
    int rc = ::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &list);
    if (rc != 0) {
        error = "cannot resolve host '" + url.host + "': " + ::gai_strerror(rc);
        return Fd();
    }
    std::string why = "no address";
    for (addrinfo *ai = list; ai; ai = ai->ai_next) {
        Fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
        if (fd.get() < 0) {
            why = std::strerror(errno);
            continue;
        }
        why = connect_addr(fd, ai->ai_addr, ai->ai_addrlen, deadline);
        if (why.empty()) {
            ::freeaddrinfo(list);
            return fd;
        }
        if (remaining_ms(deadline) == 0)
            break;
    }
    ::freeaddrinfo(list);
    error = "cannot connect to " + url.display() + ": " + why;
    return Fd();
}

// One recv() into the parser. False on EOF or error (the parser is told about EOF).
bool receive_some(int fd, ResponseParser &parser, std::string &error)
{
    char buf[16384];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
        parser.feed(std::string_view(buf, static_cast<size_t>(n)));
        return true;
    }
    if (n == 0) {
        parser.finish();
        return false;
    }
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
        return true;
    error = std::strerror(errno);
    parser.finish();
    return false;
}

} // namespace

std::string serialize_request(const Request &request, const ClientOptions &options)
{
    std::string out;
    out.reserve(256 + request.body.size());
    out += request.method + " " + options.url.prefix + request.target + " HTTP/1.1\r\n";
    out += "Host: " + options.url.host_header() + "\r\n";
    out += "User-Agent: wshostctl/" WSHOST_VERSION "\r\n";
    if (!options.token.empty())
        out += "Authorization: Bearer " + options.token + "\r\n";
    if (request.method != "GET") {
        out += "Content-Type: application/json\r\n";
        out += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
    }
    out += "Connection: close\r\n\r\n";
    if (request.method != "GET")
        out += request.body;
    return out;
}

Exchange send_request(const ClientOptions &options, const Request &request)
{
    Exchange ex;
    auto deadline =
        Clock::now() + std::chrono::milliseconds(std::max(options.timeout_ms, request.timeout_ms));
    const std::string where = options.url.display();
    Fd fd = open_connection(options.url, deadline, ex.error);
    if (fd.get() < 0)
        return ex;

    const std::string wire = serialize_request(request, options);
    ResponseParser parser;
    std::string io_error;
    size_t sent = 0;
    bool peer_open = true;
    // Send, but also read: a server may answer (413, 401) and close before taking the whole body.
    while (sent < wire.size() && parser.state() == ResponseParser::State::need_more) {
        short revents = 0;
        int n = wait_for(fd.get(), POLLOUT | POLLIN, deadline, &revents);
        if (n == 0) {
            ex.error = "timed out sending the request to " + where;
            return ex;
        }
        if (n < 0) {
            ex.error = std::string("poll: ") + std::strerror(errno);
            return ex;
        }
        if (revents & POLLIN) {
            peer_open = receive_some(fd.get(), parser, io_error);
            if (!peer_open)
                break;
        }
        if (revents & (POLLOUT | POLLERR | POLLHUP)) {
            ssize_t w = ::send(fd.get(), wire.data() + sent, wire.size() - sent, MSG_NOSIGNAL);
            if (w > 0) {
                sent += static_cast<size_t>(w);
            } else if (w < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
                // EPIPE/ECONNRESET: the server may still have answered; read what is there.
                io_error = std::strerror(errno);
                break;
            }
        }
    }
    while (peer_open && parser.state() == ResponseParser::State::need_more) {
        int n = wait_for(fd.get(), POLLIN, deadline);
        if (n == 0) {
            ex.error = "timed out waiting for the response from " + where;
            return ex;
        }
        if (n < 0) {
            ex.error = std::string("poll: ") + std::strerror(errno);
            return ex;
        }
        peer_open = receive_some(fd.get(), parser, io_error);
    }
    if (parser.state() == ResponseParser::State::need_more)
        parser.finish();
    if (parser.state() != ResponseParser::State::done) {
        ex.error = "bad response from " + where + ": " + parser.error();
        if (!io_error.empty())
            ex.error += " (" + io_error + ")";
        return ex;
    }
    ex.ok = true;
    ex.response = parser.take_response();
    return ex;
}

} // namespace wshost::ctl

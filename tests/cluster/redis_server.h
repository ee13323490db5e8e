// A real redis-server for the cluster tests, started by the test itself: a
// Unix socket in a fresh temporary directory (or a free TCP port on
// 127.0.0.1), no persistence. start() returns once the server has logged
// that it accepts connections (read from its stdout: no sleeps); kill(),
// pause() (SIGSTOP) and resume() act on the process; start() again restarts
// it on the same socket or port.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace wshost::cluster::testing
{

class RedisServer
{
  public:
    struct Options {
        bool tcp = false;
        std::string password; // requirepass
    };

    RedisServer() : RedisServer(Options{false, ""}) {}
    explicit RedisServer(Options options) : options_(std::move(options))
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "wshost-redis-XXXXXX").string();
        dir_ = mkdtemp(tmpl.data()) ? tmpl : "";
        socket_ = dir_ + "/redis.sock";
        if (options_.tcp)
            port_ = free_port();
    }
    ~RedisServer()
    {
        kill();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    const std::string &socket_path() const { return socket_; }
    int port() const { return port_; }
    pid_t pid() const { return pid_; }

    // Starts the server and waits (at most `timeout`) until it accepts connections.
    bool start(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        int out[2];
        if (pipe(out) != 0)
            return false;
        std::vector<std::string> args = {"redis-server",
                                         "--port",
                                         std::to_string(options_.tcp ? port_ : 0),
                                         "--bind",
                                         "127.0.0.1",
                                         "--unixsocket",
                                         socket_,
                                         "--save",
                                         "",
                                         "--appendonly",
                                         "no",
                                         "--dir",
                                         dir_,
                                         "--logfile",
                                         "",
                                         "--enable-debug-command",
                                         "local"}; // DEBUG SLEEP
        if (!options_.password.empty()) {
            args.push_back("--requirepass");
            args.push_back(options_.password);
        }
        pid_ = fork();
        if (pid_ == 0) {
            dup2(out[1], 1);
            ::close(out[0]);
            ::close(out[1]);
            std::vector<char *> argv;
            for (std::string &a : args)
                argv.push_back(a.data());
            argv.push_back(nullptr);
            execvp(argv[0], argv.data());
            _exit(127);
        }
        ::close(out[1]);
        const bool ready = wait_ready(out[0], timeout);
        ::close(out[0]); // later log lines fail quietly (Redis ignores SIGPIPE)
        return ready;
    }
    void kill()
    {
        if (pid_ <= 0)
            return;
        ::kill(pid_, SIGCONT);
        ::kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    void pause() { ::kill(pid_, SIGSTOP); }
    void resume() { ::kill(pid_, SIGCONT); }

  private:
    static int free_port()
    {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
        ::close(fd);
        return ntohs(a.sin_port);
    }
    bool wait_ready(int fd, std::chrono::milliseconds timeout)
    {
        const auto end = std::chrono::steady_clock::now() + timeout;
        std::string log;
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return false;
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
                continue;
            char buf[4096];
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0)
                return false; // exited
            log.append(buf, static_cast<std::size_t>(n));
            if (log.find("eady to accept connections") != std::string::npos)
                return true;
        }
    }

    Options options_;
    std::string dir_;
    std::string socket_;
    int port_ = 0;
    pid_t pid_ = -1;
};

} // namespace wshost::cluster::testing

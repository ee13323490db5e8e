// Runs the real wshostctl binary against a fake control server (a thread with a listening
// socket on 127.0.0.1 port 0, or on a Unix socket) and checks the exact request bytes and the
// exit codes 0 / 1 / 2 / 3.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace
{

std::string http_response(int status, const std::string &reason, const std::string &body,
                          const std::string &extra_headers = "")
{
    return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/json\r\n" +
           extra_headers + "Content-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

// Accepts connections one at a time; each gets the next scripted response (an empty script
// entry means: never answer, hold the connection until the server stops).
class FakeServer
{
  public:
    static std::unique_ptr<FakeServer> tcp()
    {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0) << std::strerror(errno);
        EXPECT_EQ(::listen(fd, 8), 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
        auto s = std::unique_ptr<FakeServer>(new FakeServer(fd));
        s->url_ = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
        s->host_ = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
        return s;
    }

    static std::unique_ptr<FakeServer> unix_socket(const std::string &path)
    {
        ::unlink(path.c_str());
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0) << std::strerror(errno);
        EXPECT_EQ(::listen(fd, 8), 0);
        auto s = std::unique_ptr<FakeServer>(new FakeServer(fd));
        s->url_ = "unix:" + path;
        s->host_ = "localhost";
        s->unix_path_ = path;
        return s;
    }

    ~FakeServer()
    {
        stop_ = true;
        char c = 0;
        (void)!::write(wake_[1], &c, 1);
        thread_.join();
        ::close(listen_fd_);
        ::close(wake_[0]);
        ::close(wake_[1]);
        if (!unix_path_.empty())
            ::unlink(unix_path_.c_str());
    }

    void script(std::string response)
    {
        std::lock_guard lock(mutex_);
        responses_.push_back(std::move(response));
    }
    std::vector<std::string> requests()
    {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    const std::string &url() const { return url_; }
    const std::string &host() const { return host_; }

  private:
    explicit FakeServer(int fd) : listen_fd_(fd)
    {
        EXPECT_EQ(::pipe2(wake_, O_CLOEXEC), 0);
        thread_ = std::thread([this] { serve(); });
    }

    // True when `fd` became readable, false on stop.
    bool wait_readable(int fd)
    {
        pollfd p[2] = {{fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        while (!stop_) {
            int n = ::poll(p, 2, 100);
            if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
                return true;
        }
        return false;
    }

    void serve()
    {
        while (wait_readable(listen_fd_)) {
            int conn = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (conn < 0)
                continue;
            std::string request = read_request(conn);
            std::string response;
            {
                std::lock_guard lock(mutex_);
                requests_.push_back(request);
                if (!responses_.empty()) {
                    response = responses_.front();
                    responses_.pop_front();
                }
            }
            if (response.empty()) {
                while (wait_readable(conn)) { // hold the connection, never answer
                    char buf[256];
                    if (::read(conn, buf, sizeof buf) <= 0)
                        break;
                }
            } else {
                (void)!::write(conn, response.data(), response.size());
            }
            ::close(conn);
        }
    }

    std::string read_request(int fd)
    {
        std::string data;
        char buf[4096];
        size_t need = std::string::npos;
        while (data.size() < need && wait_readable(fd)) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0)
                break;
            data.append(buf, static_cast<size_t>(n));
            size_t head_end = data.find("\r\n\r\n");
            if (head_end != std::string::npos && need == std::string::npos) {
                size_t length = 0;
                size_t cl = data.find("Content-Length: ");
                if (cl != std::string::npos && cl < head_end)
                    length = std::stoul(data.substr(cl + 16));
                need = head_end + 4 + length;
            }
        }
        return data;
    }

    int listen_fd_;
    int wake_[2] = {-1, -1};
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::deque<std::string> responses_;
    std::vector<std::string> requests_;
    std::string url_, host_, unix_path_;
};

struct CtlRun {
    int exit_code = -1;
    std::string out, err;
};

std::string slurp(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs wshostctl with `args`; the environment loses WSHOST_CONTROL_* and gains `env`.
CtlRun run_ctl(const std::vector<std::string> &args, const std::vector<std::string> &env = {},
               const std::string &stdin_path = "/dev/null")
{
    std::string out_path = testing::TempDir() + "wshostctl-out-" + std::to_string(::getpid());
    std::string err_path = testing::TempDir() + "wshostctl-err-" + std::to_string(::getpid());
    std::vector<std::string> envs;
    for (char **e = environ; *e; ++e)
        if (std::strncmp(*e, "WSHOST_CONTROL_", 15) != 0)
            envs.emplace_back(*e);
    envs.insert(envs.end(), env.begin(), env.end());
    std::vector<char *> argv{const_cast<char *>(WSHOSTCTL_BINARY)}, envp;
    for (const std::string &a : args)
        argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    for (std::string &e : envs)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    CtlRun run;
    int rc = posix_spawn(&pid, WSHOSTCTL_BINARY, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(rc, 0) << std::strerror(rc);
    if (rc != 0)
        return run;
    int status = 0;
    ::waitpid(pid, &status, 0);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = slurp(out_path);
    run.err = slurp(err_path);
    std::remove(out_path.c_str());
    std::remove(err_path.c_str());
    return run;
}

std::string expected_post(const FakeServer &s, const std::string &target, const std::string &body,
                          const std::string &token)
{
    return "POST " + target + " HTTP/1.1\r\nHost: " + s.host() +
           "\r\nUser-Agent: wshostctl/" WSHOST_VERSION "\r\n" +
           (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") +
           "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string delivery = R"({"status":"success","delivery":{"matched":3,"enqueued":3,"dropped":0}})";

TEST(CtlBinary, SendTextOverTcp)
{
    auto server = FakeServer::tcp();
    server->script(http_response(200, "OK", delivery));
    CtlRun r = run_ctl({"--url", server->url(), "--token", "t0ken", "send-text", "42", "hello"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "delivered: matched 3, enqueued 3, dropped 0\n");
    EXPECT_EQ(r.err, "");
    auto requests = server->requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0],
              expected_post(*server, "/send-text", R"({"userId":"42","payload":"hello"})", "t0ken"));
    EXPECT_EQ(requests[0].find("Expect"), std::string::npos);
}

TEST(CtlBinary, JsonAndRefusalExitOne)
{
    auto server = FakeServer::tcp();
    std::string refusal =
        R"({"status":"error","error":{"code":"invalid_control_request","message":"userIds must not be empty"}})";
    server->script(http_response(400, "Bad Request", refusal));
    CtlRun r = run_ctl({"multicast-text", "a,b", "hi", "--json"},
                       {"WSHOST_CONTROL_URL=" + server->url(), "WSHOST_CONTROL_TOKEN=envtok"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, refusal + "\n");
    EXPECT_EQ(r.err,
              "wshostctl: HTTP 400 Bad Request: userIds must not be empty (invalid_control_request)\n");
    ASSERT_EQ(server->requests().size(), 1u);
    EXPECT_EQ(server->requests()[0],
              expected_post(*server, "/multicast-text", R"({"userIds":["a","b"],"payload":"hi"})", "envtok"));
}

TEST(CtlBinary, UnauthorizedNeverPrintsTheToken)
{
    auto server = FakeServer::tcp();
    std::string body = R"({"status":"error","error":{"code":"unauthorized","message":"bad token"}})";
    server->script(http_response(401, "Unauthorized", body, "WWW-Authenticate: Bearer\r\n"));
    server->script(http_response(401, "Unauthorized", body, "WWW-Authenticate: Bearer\r\n"));
    CtlRun r = run_ctl({"--url", server->url(), "--token", "SECRET-do-not-print", "reload-status"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("HTTP 401"), std::string::npos);
    EXPECT_EQ((r.out + r.err).find("SECRET"), std::string::npos);
    CtlRun anonymous = run_ctl({"--url", server->url(), "plugins"});
    EXPECT_EQ(anonymous.exit_code, 1);
    EXPECT_NE(anonymous.err.find("pass --token"), std::string::npos);
    auto requests = server->requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0], "GET /v1/reload HTTP/1.1\r\nHost: " + server->host() +
                               "\r\nUser-Agent: wshostctl/" WSHOST_VERSION
                               "\r\nAuthorization: Bearer SECRET-do-not-print\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(requests[1].find("Authorization"), std::string::npos);
}

TEST(CtlBinary, UnreachableExitsThree)
{
    // A bound socket that does not listen: connecting is refused, with no race on the port.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
    std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
    CtlRun r = run_ctl({"--url", url, "status"});
    ::close(fd);
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(r.err, "wshostctl: cannot connect to " + url + ": Connection refused\n");

    CtlRun missing = run_ctl({"--url", "unix:" + testing::TempDir() + "no-such.sock", "metrics"});
    EXPECT_EQ(missing.exit_code, 3);
    EXPECT_NE(missing.err.find("No such file or directory"), std::string::npos);
}

TEST(CtlBinary, TimeoutAndGarbageExitThree)
{
    auto server = FakeServer::tcp();
    server->script(""); // never answers
    auto start = std::chrono::steady_clock::now();
    CtlRun slow = run_ctl({"--url", server->url(), "--timeout", "1", "metrics"});
    EXPECT_EQ(slow.exit_code, 3);
    EXPECT_NE(slow.err.find("timed out"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

    server->script("SSH-2.0-OpenSSH_9.6\r\n\r\n");
    CtlRun garbage = run_ctl({"--url", server->url(), "metrics"});
    EXPECT_EQ(garbage.exit_code, 3);
    EXPECT_NE(garbage.err.find("wshostctl: bad response from " + server->url() + ": "), std::string::npos)
        << garbage.err;
}

TEST(CtlBinary, UnixSocketPaginationAndStdinBinary)
{
    auto server = FakeServer::unix_socket(testing::TempDir() + "wshostctl-test-" +
                                          std::to_string(::getpid()) + ".sock");
    std::string page1 = R"({"connections":[{"id":"1","user":"a"}],"next_cursor":"p2"})";
    std::string page2 = R"({"connections":[{"id":"2","user":"b"}],"next_cursor":null})";
    server->script(http_response(200, "OK", page1));
    server->script(http_response(200, "OK", page2));
    CtlRun r = run_ctl({"--url", server->url(), "--token", "tok", "connections", "--all", "--limit", "1"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "ID  USER\n1   a\n2   b\n");
    auto requests = server->requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(
        requests[0],
        "GET /v1/connections?limit=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: wshostctl/" WSHOST_VERSION
        "\r\nAuthorization: Bearer tok\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(requests[1].substr(0, requests[1].find("\r\n")),
              "GET /v1/connections?cursor=p2&limit=1 HTTP/1.1");

    std::string payload_path = testing::TempDir() + "wshostctl-payload-" + std::to_string(::getpid());
    {
        std::ofstream(payload_path, std::ios::binary) << std::string("\x00\xff\x10", 3);
    }
    server->script(http_response(200, "OK", delivery));
    CtlRun bin =
        run_ctl({"--url", server->url(), "--token", "tok", "send-binary", "42", "-"}, {}, payload_path);
    std::remove(payload_path.c_str());
    EXPECT_EQ(bin.exit_code, 0) << bin.err;
    ASSERT_EQ(server->requests().size(), 3u);
    EXPECT_EQ(server->requests()[2],
              expected_post(*server, "/send-binary", R"({"userId":"42","payload":"AP8Q"})", "tok"));
}

// What the server may legally answer: chunked and read-to-EOF bodies, a status line without a
// reason phrase, an interim 100 before the answer; and what it must not: a truncated body.
TEST(CtlBinary, ResponseFramings)
{
    auto server = FakeServer::tcp();
    server->script(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n"
        "Trailer: x\r\n\r\n");
    server->script("HTTP/1.0 200 OK\r\nX: y\r\n\r\nread to the end");
    server->script("HTTP/1.1 401\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\n\r\n");
    server->script("HTTP/1.1 100 Continue\r\n\r\n" + http_response(201, "Created", "after interim"));
    server->script("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    CtlRun chunked = run_ctl({"--url", server->url(), "metrics"});
    EXPECT_EQ(chunked.exit_code, 0) << chunked.err;
    EXPECT_EQ(chunked.out, "hello, world");
    CtlRun eof = run_ctl({"--url", server->url(), "metrics"});
    EXPECT_EQ(eof.exit_code, 0) << eof.err;
    EXPECT_EQ(eof.out, "read to the end");
    CtlRun bare = run_ctl({"--url", server->url(), "metrics"});
    EXPECT_EQ(bare.exit_code, 1);
    EXPECT_NE(bare.err.find("HTTP 401"), std::string::npos) << bare.err;
    EXPECT_NE(bare.err.find("pass --token"), std::string::npos) << bare.err;
    CtlRun interim = run_ctl({"--url", server->url(), "metrics"});
    EXPECT_EQ(interim.exit_code, 0) << interim.err;
    EXPECT_EQ(interim.out, "after interim");
    CtlRun truncated = run_ctl({"--url", server->url(), "metrics"});
    EXPECT_EQ(truncated.exit_code, 3);
    EXPECT_NE(truncated.err.find("bad response from " + server->url()), std::string::npos) << truncated.err;
}

// A path after the port is a prefix in front of every request (a reverse proxy's mount point).
TEST(CtlBinary, UrlPrefixAndSocketForms)
{
    auto server = FakeServer::tcp();
    server->script(http_response(200, "OK", "{}"));
    server->script(http_response(200, "OK", "{}"));
    CtlRun r = run_ctl({"--url", server->url() + "/ops/wshost/", "status"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto requests = server->requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].substr(0, requests[0].find("\r\n")), "GET /ops/wshost/healthz HTTP/1.1");
    EXPECT_EQ(requests[1].substr(0, requests[1].find("\r\n")), "GET /ops/wshost/readyz HTTP/1.1");

    std::string path = testing::TempDir() + "wshostctl-forms-" + std::to_string(::getpid()) + ".sock";
    auto unix_server = FakeServer::unix_socket(path);
    unix_server->script(http_response(200, "OK", "text"));
    CtlRun u = run_ctl({"--url", "unix://" + path, "metrics"});
    EXPECT_EQ(u.exit_code, 0) << u.err;
    EXPECT_EQ(u.out, "text");
}

TEST(CtlBinary, UsageErrorsExitTwo)
{
    CtlRun none = run_ctl({});
    EXPECT_EQ(none.exit_code, 2);
    EXPECT_NE(none.err.find("usage:"), std::string::npos);
    CtlRun unknown = run_ctl({"frobnicate"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("unknown command 'frobnicate'"), std::string::npos);
    CtlRun bad = run_ctl({"send-text", "42"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("usage: wshostctl [GLOBAL OPTIONS] send-text USER TEXT"), std::string::npos);
    CtlRun token = run_ctl({"token", "mint", "--sub", "42"}); // a stray word: usage error
    EXPECT_EQ(token.exit_code, 2);
    EXPECT_NE(token.err.find("usage: wshostctl token"), std::string::npos);
    for (const char *url : {"gopher://127.0.0.1:1", "127.0.0.1:8081", "http://:80", "http://h:0",
                            "http://h:65536", "http://[::1", "http://u:pw@h:1", "http://h:1/x?y", "unix:"}) {
        CtlRun bad_url = run_ctl({"--url", url, "status"});
        EXPECT_EQ(bad_url.exit_code, 2) << url;
        EXPECT_EQ(bad_url.out, "") << url;
    }

    CtlRun help = run_ctl({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("Exit codes"), std::string::npos);
    CtlRun version = run_ctl({"--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_EQ(version.out, "wshostctl " WSHOST_VERSION "\n");
}

} // namespace

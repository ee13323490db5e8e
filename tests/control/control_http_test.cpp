// The control listener over a real socket: a context holding only the
// control vhost (port 0 on 127.0.0.1, or a Unix socket), served on its own
// thread, driven by a raw HTTP/1.1 client so every byte on the wire is
// checked: Expect: 100-continue answered at once, 411 for chunked bodies,
// 413 from Content-Length before the body, keep-alive, pipelining, refused
// WebSocket upgrades, X-Request-Id, and a push reaching the gateway.
#include "control/control_api.h"
#include "control/control_http.h"
#include "gateway/gateway.h"

#include <libwebsockets.h>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

using namespace wshost;

namespace
{

using Clock = std::chrono::steady_clock;

class Listener
{
  public:
    explicit Listener(ControlConfig config) : config_(std::move(config)), gateway_(WebSocketConfig{})
    {
        api_ = std::make_unique<ControlApi>(gateway_, config_, ControlHooks{});
        lws_set_log_level(LLL_ERR, nullptr);
        lws_context_creation_info info{};
        info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
        context_ = lws_create_context(&info);
        // The gateway's "service thread" is the test's: the listener thread
        // then only queues and wakes, and never writes to the test's
        // connections, whose wsi is null.
        loop_.attach(context_);
        gateway_.attach(loop_);
        vhost_ = context_ ? create_control_vhost(context_, config_, *api_, loop_) : nullptr;
        port_ = vhost_ ? lws_get_vhost_listen_port(vhost_) : -1;
        thread_ = std::thread([this] {
            while (vhost_ && !stop_)
                lws_service(context_, 0);
        });
    }
    ~Listener()
    {
        stop_ = true;
        if (context_)
            lws_cancel_service(context_);
        thread_.join();
        if (context_)
            lws_context_destroy(context_);
    }
    int port() const { return port_; }
    Gateway &gateway() { return gateway_; }

  private:
    ControlConfig config_;
    ServiceLoop loop_; // never run: the test's connections are not served
    Gateway gateway_;
    std::unique_ptr<ControlApi> api_;
    lws_context *context_ = nullptr;
    lws_vhost *vhost_ = nullptr;
    int port_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

ControlConfig test_config()
{
    ControlConfig c;
    c.port = 0;
    c.max_body_bytes = 1000;
    c.tokens = {{"tok", {"push", "admin", "metrics"}, {}}};
    return c;
}

class Client
{
  public:
    explicit Client(int port)
    {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
    }
    explicit Client(const std::string &path)
    {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
    }
    ~Client() { ::close(fd_); }
    bool connected() const { return connected_; }
    void send(std::string_view data)
    {
        ASSERT_EQ(::write(fd_, data.data(), data.size()), (ssize_t)data.size());
    }
    // Reads once more into the buffer; false on timeout or end of stream.
    bool fill(int timeout_ms)
    {
        pollfd p{fd_, POLLIN, 0};
        if (eof_ || ::poll(&p, 1, timeout_ms) <= 0)
            return false;
        char chunk[65536];
        ssize_t n = ::read(fd_, chunk, sizeof chunk);
        if (n <= 0) {
            eof_ = true;
            return false;
        }
        buf_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }
    // Everything up to and including `until` (or what came before a timeout).
    std::string read_until(std::string_view until, int timeout_ms = 3000)
    {
        const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
        while (buf_.find(until) == std::string::npos && fill(remaining(deadline)))
            ;
        std::size_t at = buf_.find(until);
        return take(at == std::string::npos ? buf_.size() : at + until.size());
    }
    // One whole response: headers and a Content-Length body.
    std::string response()
    {
        std::string head = read_until("\r\n\r\n");
        std::size_t cl = head.find("content-length: ");
        if (cl == std::string::npos)
            return head;
        const std::size_t n = std::stoul(head.substr(cl + 16));
        const auto deadline = Clock::now() + std::chrono::seconds(3);
        while (buf_.size() < n && fill(remaining(deadline)))
            ;
        return head + take(std::min(n, buf_.size()));
    }
    bool closed_by_peer(int timeout_ms = 3000)
    {
        const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
        while (!eof_ && fill(remaining(deadline)))
            ;
        return eof_;
    }

  private:
    static int remaining(Clock::time_point deadline)
    {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        return ms > 0 ? static_cast<int>(ms) : 0;
    }
    std::string take(std::size_t n)
    {
        std::string out = buf_.substr(0, n);
        buf_.erase(0, n);
        return out;
    }

    int fd_ = -1;
    bool connected_ = false;
    bool eof_ = false;
    std::string buf_;
};

std::string post(std::string_view path, std::string_view body, std::string_view extra = {})
{
    return std::string("POST ") + std::string(path) +
           " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n" + std::string(extra) +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

TEST(ControlHttp, KeepAlivePipeliningAndRequestIds)
{
    Listener l(test_config());
    ASSERT_GT(l.port(), 0);
    Client c(l.port());
    ASSERT_TRUE(c.connected());
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/rooms HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string first = c.response();
    EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
    EXPECT_NE(first.find("x-request-id: "), std::string::npos) << first;
    EXPECT_NE(first.find("{\"status\":\"ok\",\"cluster\":\"none\"}"), std::string::npos);
    std::string second = c.response();
    EXPECT_EQ(second.rfind("HTTP/1.1 401", 0), 0u) << second;
    EXPECT_NE(second.find("WWW-Authenticate: Bearer\r\n"), std::string::npos) << second;
    c.send(post("/v1/send", R"({"to":{"all":true},"text":"x"})"));
    std::string third = c.response();
    EXPECT_NE(third.find("\"matched\":0"), std::string::npos) << third;
}

TEST(ControlHttp, ExpectContinueIsAnsweredAtOnce)
{
    Listener l(test_config());
    Client c(l.port());
    const std::string body = R"({"to":{"all":true},"text":"x"})";
    c.send("POST /v1/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nExpect: 100-continue\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n");
    auto t0 = Clock::now();
    std::string cont = c.read_until("\r\n\r\n", 900);
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    EXPECT_EQ(cont, "HTTP/1.1 100 Continue\r\n\r\n");
    EXPECT_LT(waited, 500);
    c.send(body);
    EXPECT_NE(c.response().find("\"delivery\""), std::string::npos);

    // Refused before the body: no 100, the error at once, then the connection closes.
    Client d(l.port());
    d.send("POST /v1/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bad\r\nExpect: 100-continue\r\n"
           "Content-Length: 10\r\n\r\n");
    std::string r = d.response();
    EXPECT_EQ(r.rfind("HTTP/1.1 401", 0), 0u) << r;
    EXPECT_TRUE(d.closed_by_peer());
}

TEST(ControlHttp, ChunkedIs411AndOversizedIs413BeforeTheBody)
{
    Listener l(test_config());
    Client c(l.port());
    c.send("POST /v1/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nTransfer-Encoding: "
           "chunked\r\n\r\n");
    std::string r = c.response();
    EXPECT_EQ(r.rfind("HTTP/1.1 411", 0), 0u) << r;
    EXPECT_NE(r.find("invalid_control_request"), std::string::npos);
    EXPECT_TRUE(c.closed_by_peer());

    Client d(l.port());
    d.send("POST /v1/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nContent-Length: 1001\r\n\r\n");
    r = d.response(); // no body byte was sent
    EXPECT_EQ(r.rfind("HTTP/1.1 413", 0), 0u) << r;
    EXPECT_TRUE(d.closed_by_peer());
}

TEST(ControlHttp, WebSocketUpgradesAreRefused)
{
    Listener l(test_config());
    for (const char *protocol : {"", "Sec-WebSocket-Protocol: wshost-control\r\n"}) {
        Client c(l.port());
        c.send(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n") +
               protocol + "\r\n");
        std::string r = c.read_until("\r\n\r\n");
        EXPECT_NE(r.find(" 403 "), std::string::npos) << protocol << r;
        EXPECT_EQ(r.find(" 101 "), std::string::npos);
    }
}

TEST(ControlHttp, PushReachesAConnectionAndUnixSocketWorks)
{
    ControlConfig config = test_config();
    config.socket = "/tmp/wshost-control-test-" + std::to_string(::getpid()) + ".sock";
    Listener l(config);
    ASSERT_EQ(::access(config.socket.c_str(), F_OK), 0);
    Connection *conn = l.gateway().add(nullptr, "127.0.0.1", {});
    l.gateway().set_user(conn->id, "42");
    // Nothing is written to the null wsi: the push stays queued.
    Client c(config.socket);
    ASSERT_TRUE(c.connected());
    c.send(post("/send-text", R"({"userId":42,"payload":"hi"})"));
    std::string r = c.response();
    EXPECT_NE(r.find(R"({"status":"success","delivery":{"matched":1,"enqueued":1,"dropped":0}})"),
              std::string::npos)
        << r;
    EXPECT_EQ(l.gateway().snapshot(conn->id)->queued_messages, 1u);
    ::unlink(config.socket.c_str());
}

} // namespace

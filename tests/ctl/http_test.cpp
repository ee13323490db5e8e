// The request bytes and the response parser, without sockets.
#include "http_client.h"

#include <gtest/gtest.h>

namespace wshost::ctl::test
{
namespace
{

ClientOptions options_for(const std::string &host, const std::string &port, const std::string &token)
{
    ClientOptions o;
    o.url.host = host;
    o.url.port = port;
    o.token = token;
    return o;
}

TEST(CtlHttpRequest, PostCarriesBearerLengthAndClose)
{
    std::string wire =
        serialize_request({"POST", "/send-text", R"({"a":1})"}, options_for("127.0.0.1", "8081", "tok"));
    EXPECT_EQ(wire, "POST /send-text HTTP/1.1\r\n"
                    "Host: 127.0.0.1:8081\r\n"
                    "User-Agent: wshostctl/" WSHOST_VERSION "\r\n"
                    "Authorization: Bearer tok\r\n"
                    "Content-Type: application/json\r\n"
                    "Content-Length: 7\r\n"
                    "Connection: close\r\n"
                    "\r\n"
                    R"({"a":1})");
    EXPECT_EQ(wire.find("Expect"), std::string::npos);
}

TEST(CtlHttpRequest, GetWithoutTokenOrBodyAndWithPrefix)
{
    ClientOptions o = options_for("::1", "9", "");
    o.url.prefix = "/ops";
    std::string wire = serialize_request({"GET", "/healthz", ""}, o);
    EXPECT_EQ(wire, "GET /ops/healthz HTTP/1.1\r\n"
                    "Host: [::1]:9\r\n"
                    "User-Agent: wshostctl/" WSHOST_VERSION "\r\n"
                    "Connection: close\r\n"
                    "\r\n");
}

ResponseParser::State feed_bytewise(ResponseParser &p, std::string_view raw)
{
    ResponseParser::State s = ResponseParser::State::need_more;
    for (char c : raw)
        s = p.feed(std::string_view(&c, 1));
    return s;
}

TEST(CtlHttpResponse, ContentLength)
{
    std::string raw = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello";
    ResponseParser p;
    EXPECT_EQ(feed_bytewise(p, raw), ResponseParser::State::done);
    EXPECT_EQ(p.response().status, 200);
    EXPECT_EQ(p.response().reason, "OK");
    EXPECT_EQ(p.response().body, "hello");
    ASSERT_NE(p.response().header("CONTENT-TYPE"), nullptr);
    EXPECT_EQ(*p.response().header("content-type"), "application/json");
}

TEST(CtlHttpResponse, ReadToEof)
{
    ResponseParser p;
    EXPECT_EQ(p.feed("HTTP/1.0 503 Service Unavailable\r\nX: y\r\n\r\nnot "),
              ResponseParser::State::need_more);
    EXPECT_EQ(p.feed("ready"), ResponseParser::State::need_more);
    EXPECT_EQ(p.finish(), ResponseParser::State::done);
    EXPECT_EQ(p.response().status, 503);
    EXPECT_EQ(p.response().body, "not ready");
}

TEST(CtlHttpResponse, Chunked)
{
    std::string raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n";
    ResponseParser p;
    EXPECT_EQ(feed_bytewise(p, raw), ResponseParser::State::done);
    EXPECT_EQ(p.response().body, "hello, world");

    ResponseParser q;
    EXPECT_EQ(q.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
              ResponseParser::State::done);
    EXPECT_EQ(q.response().body, "");
}

TEST(CtlHttpResponse, InterimResponsesAreSkipped)
{
    ResponseParser p;
    EXPECT_EQ(p.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
              ResponseParser::State::done);
    EXPECT_EQ(p.response().status, 201);
    EXPECT_EQ(p.response().body, "ok");
}

TEST(CtlHttpResponse, NoBodyStatuses)
{
    ResponseParser p;
    EXPECT_EQ(p.feed("HTTP/1.1 204 No Content\r\n\r\n"), ResponseParser::State::done);
    EXPECT_EQ(p.response().body, "");
}

TEST(CtlHttpResponse, StatusLineWithoutReason)
{
    ResponseParser p;
    EXPECT_EQ(p.feed("HTTP/1.1 401\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\n\r\n"),
              ResponseParser::State::done);
    EXPECT_EQ(p.response().status, 401);
    EXPECT_EQ(*p.response().header("www-authenticate"), "Bearer");
}

TEST(CtlHttpResponse, Malformed)
{
    for (const char *raw :
         {"SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 200OK\r\n\r\n",
          "HTTP/1.1 200 OK\r\nbad header\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
        ResponseParser p;
        EXPECT_EQ(p.feed(raw), ResponseParser::State::error) << raw;
        EXPECT_FALSE(p.error().empty());
    }
    ResponseParser truncated;
    truncated.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    EXPECT_EQ(truncated.finish(), ResponseParser::State::error);
    ResponseParser silent;
    EXPECT_EQ(silent.finish(), ResponseParser::State::error);
    EXPECT_NE(silent.error().find("without answering"), std::string::npos);
    ResponseParser huge;
    EXPECT_EQ(huge.feed("HTTP/1.1 200 OK\r\n" + std::string(ResponseParser::max_head_bytes + 1, 'x')),
              ResponseParser::State::error);
}

} // namespace
} // namespace wshost::ctl::test

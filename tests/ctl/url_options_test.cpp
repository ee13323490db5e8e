// Control URLs, percent-encoding, args helpers and the global options.
#include "args.h"
#include "ctl_test_util.h"
#include "options.h"
#include "payload.h"
#include "url.h"

#include <map>

namespace wshost::ctl::test
{
namespace
{

ControlUrl url_of(const std::string &text)
{
    ControlUrl url;
    std::string error;
    EXPECT_TRUE(parse_control_url(text, url, error)) << text << ": " << error;
    return url;
}

std::string url_error(const std::string &text)
{
    ControlUrl url;
    std::string error;
    EXPECT_FALSE(parse_control_url(text, url, error)) << text;
    return error;
}

TEST(CtlUrl, TcpAndTls)
{
    EXPECT_EQ(url_of("http://127.0.0.1:8081").base, "http://127.0.0.1:8081");
    EXPECT_EQ(url_of("http://localhost/").base, "http://localhost");
    ControlUrl u = url_of("http://[::1]:9000/ops/wshost/");
    EXPECT_EQ(u.base, "http://[::1]:9000/ops/wshost");
    EXPECT_EQ(u.socket_path, "");
    EXPECT_EQ(u.display(), "http://[::1]:9000/ops/wshost");
    EXPECT_EQ(url_of("https://ctl.example:8443/x").base, "https://ctl.example:8443/x");
}

TEST(CtlUrl, UnixSocket)
{
    ControlUrl u = url_of("unix:/run/wshost/control.sock");
    EXPECT_EQ(u.socket_path, "/run/wshost/control.sock");
    EXPECT_EQ(u.base, "http://localhost");
    EXPECT_EQ(u.display(), "unix:/run/wshost/control.sock");
    EXPECT_EQ(url_of("unix:///run/x.sock").socket_path, "/run/x.sock");
    EXPECT_EQ(url_of("unix:rel.sock").socket_path, "rel.sock");
}

TEST(CtlUrl, Refused)
{
    for (const char *bad : {"ftp://x", "127.0.0.1:8081", "http://", "http://:80", "http://host:0",
                            "http://host:65536", "http://host:8x", "http://[::1", "unix:"})
        EXPECT_NE(url_error(bad), "") << bad;
    EXPECT_NE(url_error("http://user:pw@host:1").find("--token"), std::string::npos);
    EXPECT_NE(url_error("http://host:1/x?y").find("query"), std::string::npos);
    EXPECT_NE(url_error("http://host:1/x#y").find("fragment"), std::string::npos);
}

TEST(CtlUrl, PercentEncoding)
{
    EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(percent_encode("a b/c?d#e%f&g=h+"), "a%20b%2Fc%3Fd%23e%25f%26g%3Dh%2B");
    EXPECT_EQ(percent_encode("é"), "%C3%A9");
    EXPECT_EQ(percent_encode(std::string("\x00\xff", 2)), "%00%FF");
}

TEST(CtlArgs, Helpers)
{
    std::vector<std::string> list;
    EXPECT_TRUE(split_list("a,b,c", list));
    EXPECT_EQ(list, (std::vector<std::string>{"a", "b", "c"}));
    list.clear();
    EXPECT_FALSE(split_list("", list));
    EXPECT_FALSE(split_list("a,", list));
    EXPECT_FALSE(split_list(",a", list));
    std::string k, v;
    EXPECT_TRUE(split_tag("a=b=c", k, v));
    EXPECT_EQ(k, "a");
    EXPECT_EQ(v, "b=c");
    EXPECT_FALSE(split_tag("=x", k, v));
    EXPECT_TRUE(valid_connection_id("1"));
    EXPECT_FALSE(valid_connection_id("0"));
    EXPECT_FALSE(valid_connection_id("017"));
    EXPECT_TRUE(valid_connection_id("18446744073709551615"));
    EXPECT_FALSE(valid_connection_id("18446744073709551616"));
    EXPECT_FALSE(valid_connection_id("-1"));
    EXPECT_FALSE(valid_connection_id("1 "));
    EXPECT_FALSE(valid_connection_id(""));
}

struct Env {
    std::map<std::string, std::string> vars;
    Getenv fn() const
    {
        return [this](const char *name) -> const char * {
            auto it = vars.find(name);
            return it == vars.end() ? nullptr : it->second.c_str();
        };
    }
};

bool parse(const std::vector<std::string> &argv, const Env &env, GlobalOptions &out, std::string &error)
{
    return parse_global_options(argv, env.fn(), out, error);
}

TEST(CtlGlobalOptions, DefaultsAndEnvironment)
{
    GlobalOptions o;
    std::string error;
    ASSERT_TRUE(parse({"status"}, Env{}, o, error)) << error;
    EXPECT_EQ(o.url.base, "http://127.0.0.1:8081");
    EXPECT_EQ(o.token, "");
    EXPECT_FALSE(o.json);
    EXPECT_EQ(o.timeout_ms, 10000);
    EXPECT_EQ(o.words, (std::vector<std::string>{"status"}));

    Env env{{{"WSHOST_CONTROL_URL", "unix:/tmp/c.sock"}, {"WSHOST_CONTROL_TOKEN", "envtoken"}}};
    ASSERT_TRUE(parse({"status"}, env, o, error)) << error;
    EXPECT_EQ(o.url.socket_path, "/tmp/c.sock");
    EXPECT_EQ(o.token, "envtoken");

    ASSERT_TRUE(parse({"--url", "http://10.0.0.1:9", "--token=flag", "status"}, env, o, error)) << error;
    EXPECT_EQ(o.url.base, "http://10.0.0.1:9");
    EXPECT_EQ(o.token, "flag");
    EXPECT_EQ(o.ca_file, "");
    EXPECT_FALSE(o.insecure);

    ASSERT_TRUE(parse({"status", "--cacert=ca.pem", "--insecure"}, env, o, error)) << error;
    EXPECT_EQ(o.ca_file, "ca.pem");
    EXPECT_TRUE(o.insecure);
}

TEST(CtlGlobalOptions, AnywhereBeforeDoubleDash)
{
    GlobalOptions o;
    std::string error;
    ASSERT_TRUE(
        parse({"send-text", "42", "--json", "hi", "--timeout", "3", "--", "--json"}, Env{}, o, error));
    EXPECT_TRUE(o.json);
    EXPECT_EQ(o.timeout_ms, 3000);
    EXPECT_EQ(o.words, (std::vector<std::string>{"send-text", "42", "hi", "--", "--json"}));
    ASSERT_TRUE(parse({"send", "--help"}, Env{}, o, error));
    EXPECT_TRUE(o.help);
    ASSERT_TRUE(parse({"--version"}, Env{}, o, error));
    EXPECT_TRUE(o.version);
}

TEST(CtlGlobalOptions, TokenFile)
{
    TempFile file("s3cret-token\n");
    GlobalOptions o;
    std::string error;
    Env env{{{"WSHOST_CONTROL_TOKEN", "envtoken"}}};
    ASSERT_TRUE(parse({"--token-file", file.path(), "status"}, env, o, error)) << error;
    EXPECT_EQ(o.token, "s3cret-token");
    EXPECT_FALSE(parse({"--token-file", file.path(), "--token", "x", "status"}, env, o, error));
    EXPECT_FALSE(parse({"--token-file", "/nonexistent", "status"}, env, o, error));
    EXPECT_NE(error.find("/nonexistent"), std::string::npos);
}

TEST(CtlGlobalOptions, Refusals)
{
    GlobalOptions o;
    std::string error;
    EXPECT_FALSE(parse({"--url"}, Env{}, o, error));
    EXPECT_FALSE(parse({"--url", "gopher://x", "status"}, Env{}, o, error));
    EXPECT_FALSE(parse({"--timeout", "0", "status"}, Env{}, o, error));
    EXPECT_FALSE(parse({"--token", "", "status"}, Env{}, o, error));
    EXPECT_FALSE(parse({"--token", "abc\r\nX-Evil: 1", "status"}, Env{}, o, error));
    EXPECT_EQ(error.find("abc"), std::string::npos) << "the token is never printed";
    EXPECT_FALSE(parse({"--token", "two words", "status"}, Env{}, o, error));
    EXPECT_EQ(error.find("two"), std::string::npos);
}

TEST(CtlGlobalOptions, HelpDocumentsExitCodesAndToken)
{
    std::string help = usage_text();
    for (const char *needle :
         {"Exit codes", "0  success", "1  refused", "2  usage", "3  unreachable", "token", "--cacert",
          "--insecure", "WSHOST_CONTROL_URL", "WSHOST_CONTROL_TOKEN"})
        EXPECT_NE(help.find(needle), std::string::npos) << needle;
    EXPECT_EQ(help.find("not implemented"), std::string::npos) << "`token` works";
    for (const Command &c : command_table())
        EXPECT_NE(help.find("  " + std::string(c.name) + " "), std::string::npos) << c.name;
}

} // namespace
} // namespace wshost::ctl::test

// Every command's arguments → method, path and body; no network.
#include "ctl_test_util.h"
#include "payload.h"

namespace wshost::ctl::test
{
namespace
{

void expect_request(const std::vector<std::string> &words, const char *method, const char *target,
                    const char *body)
{
    Plan plan = plan_of(words);
    EXPECT_EQ(plan.request.method, method) << words[0];
    EXPECT_EQ(plan.request.target, target) << words[0];
    EXPECT_EQ(plan.request.body, body) << words[0];
}

TEST(CtlCommands, SeedTextEndpoints)
{
    expect_request({"send-text", "42", "hello"}, "POST", "/send-text",
                   R"({"userId":"42","payload":"hello"})");
    expect_request({"multicast-text", "1,2,abc", "hi \"you\""}, "POST", "/multicast-text",
                   R"({"userIds":["1","2","abc"],"payload":"hi \"you\""})");
    expect_request({"broadcast-text", "hi"}, "POST", "/broadcast-text",
                   R"({"payload":"hi","excludedUserIds":[]})");
    expect_request({"broadcast-text", "hi", "--except", "1,2", "--except=3"}, "POST", "/broadcast-text",
                   R"({"payload":"hi","excludedUserIds":["1","2","3"]})");
    expect_request({"broadcast-text", "--except", "9", "--", "-5 degrees"}, "POST", "/broadcast-text",
                   R"({"payload":"-5 degrees","excludedUserIds":["9"]})");
}

TEST(CtlCommands, SeedBinaryEndpoints)
{
    TempFile file(std::string("\x00\x01\xfehello", 8));
    expect_request({"send-binary", "42", file.path()}, "POST", "/send-binary",
                   R"({"userId":"42","payload":"AAH+aGVsbG8="})");
    expect_request({"multicast-binary", "a,b", file.path()}, "POST", "/multicast-binary",
                   R"({"userIds":["a","b"],"payload":"AAH+aGVsbG8="})");
    expect_request({"broadcast-binary", file.path(), "--except", "x"}, "POST", "/broadcast-binary",
                   R"({"payload":"AAH+aGVsbG8=","excludedUserIds":["x"]})");
    EXPECT_NE(usage_error_of({"send-binary", "42", "/nonexistent/file"}).find("/nonexistent/file"),
              std::string::npos);
}

TEST(CtlCommands, Publish)
{
    expect_request({"publish", "--tag", "language=FR", "--tag", "tier=gold", "bonjour"}, "POST", "/publish",
                   R"({"tags":{"language":"FR","tier":"gold"},"payload":"bonjour"})");
    expect_request({"publish", "--tag", "k=a=b", "x"}, "POST", "/publish",
                   R"({"tags":{"k":"a=b"},"payload":"x"})");
    EXPECT_NE(usage_error_of({"publish", "x"}), "");
    EXPECT_NE(usage_error_of({"send-text", "", "x"}), "");
    EXPECT_NE(usage_error_of({"send", "--user", "", "--text", "x"}), "");
    EXPECT_NE(usage_error_of({"publish", "--tag", "novalue", "x"}), "");
    EXPECT_NE(usage_error_of({"publish", "--tag", "=v", "x"}), "");
    EXPECT_NE(usage_error_of({"publish", "--tag", "k=1", "--tag", "k=2", "x"}), "");
}

TEST(CtlCommands, GenericSendTargets)
{
    expect_request({"send", "--connection", "17", "--text", "hi"}, "POST", "/v1/send",
                   R"({"to":{"connection":"17"},"text":"hi"})");
    expect_request({"send", "--user", "42", "--text", "hi"}, "POST", "/v1/send",
                   R"({"to":{"user":"42"},"text":"hi"})");
    expect_request({"send", "--users", "a,b", "--text", "hi"}, "POST", "/v1/send",
                   R"({"to":{"users":["a","b"]},"text":"hi"})");
    expect_request({"send", "--room", "lobby", "--text", "hi"}, "POST", "/v1/send",
                   R"({"to":{"room":"lobby"},"text":"hi"})");
    expect_request({"send", "--tag", "language=FR", "--tag", "x=y", "--text", "hi"}, "POST", "/v1/send",
                   R"({"to":{"tags":{"language":"FR","x":"y"}},"text":"hi"})");
    expect_request(
        {"send", "--all", "--except-user", "1,2", "--except-user", "3", "--except-connection", "17", "--text",
         "hi"},
        "POST", "/v1/send",
        R"({"to":{"all":true},"except":{"users":["1","2","3"],"connections":["17"]},"text":"hi"})");
    expect_request({"send", "--all", "--except-connection", "18446744073709551615", "--text", "x"}, "POST",
                   "/v1/send",
                   R"({"to":{"all":true},"except":{"connections":["18446744073709551615"]},"text":"x"})");
    TempFile file("abc");
    expect_request({"send", "--user", "42", "--binary-file", file.path()}, "POST", "/v1/send",
                   R"({"to":{"user":"42"},"binary":"YWJj"})");
}

TEST(CtlCommands, GenericSendUsageErrors)
{
    EXPECT_NE(usage_error_of({"send", "--text", "hi"}).find("missing target"), std::string::npos);
    EXPECT_NE(usage_error_of({"send", "--user", "1", "--all", "--text", "hi"}).find("choose one target"),
              std::string::npos);
    EXPECT_NE(usage_error_of({"send", "--user", "1"}).find("missing payload"), std::string::npos);
    EXPECT_NE(usage_error_of({"send", "--user", "1", "--text", "a", "--binary-file", "f"}), "");
    EXPECT_NE(usage_error_of({"send", "--connection", "abc", "--text", "a"}).find("connection id"),
              std::string::npos);
    EXPECT_NE(usage_error_of({"send", "--connection", "18446744073709551616", "--text", "a"}), "");
    EXPECT_NE(usage_error_of({"send", "--connection", "0", "--text", "a"}), "");
    EXPECT_NE(usage_error_of({"send", "--connection", "017", "--text", "a"}), "");
    EXPECT_NE(usage_error_of({"send", "--all", "--except-connection", "x", "--text", "a"}), "");
    EXPECT_NE(usage_error_of({"send", "--users", "a,,b", "--text", "a"}), "");
    EXPECT_NE(usage_error_of({"send", "--user", "1", "--text", "a", "--text", "b"}).find("twice"),
              std::string::npos);
    EXPECT_NE(usage_error_of({"send", "--user", "1", "--text", "a", "stray"}).find("unexpected"),
              std::string::npos);
    std::string unknown = usage_error_of({"send", "--bogus", "--text", "a"});
    EXPECT_NE(unknown.find("--bogus"), std::string::npos);
    EXPECT_NE(unknown.find("--connection"), std::string::npos) << "lists the valid options";
}

TEST(CtlCommands, Rooms)
{
    expect_request({"join", "lobby", "--connection", "17"}, "POST", "/v1/rooms/lobby/join",
                   R"({"connection":"17"})");
    expect_request({"leave", "lobby", "--user", "42"}, "POST", "/v1/rooms/lobby/leave", R"({"user":"42"})");
    expect_request({"join", "a b?c#d%é", "--user", "42"}, "POST", "/v1/rooms/a%20b%3Fc%23d%25%C3%A9/join",
                   R"({"user":"42"})");
    expect_request({"rooms", "...x"}, "GET", "/v1/rooms/...x", "");
    // The server's HTTP layer decodes %2F and folds dot segments: refused here, with the reason.
    EXPECT_NE(usage_error_of({"join", "a/b", "--user", "1"}).find("cannot be addressed"), std::string::npos);
    EXPECT_NE(usage_error_of({"join", "..", "--user", "1"}), "");
    EXPECT_NE(usage_error_of({"rooms", "."}), "");
    EXPECT_NE(usage_error_of({"user", "a/b"}), "");
    EXPECT_NE(usage_error_of({"join", "lobby"}), "");
    EXPECT_NE(usage_error_of({"join", "lobby", "--user", "1", "--connection", "2"}), "");
    EXPECT_NE(usage_error_of({"join", "--user", "1"}).find("missing arguments"), std::string::npos);
    EXPECT_NE(usage_error_of({"leave", "", "--user", "1"}), "");
}

TEST(CtlCommands, Tags)
{
    expect_request({"tags", "17", "--set", "language=FR", "--set", "tier=", "--remove", "old"}, "POST",
                   "/v1/connections/17/tags", R"({"set":{"language":"FR","tier":""},"remove":["old"]})");
    expect_request({"tags", "17", "--remove", "a", "--remove", "b"}, "POST", "/v1/connections/17/tags",
                   R"({"set":{},"remove":["a","b"]})");
    EXPECT_NE(usage_error_of({"tags", "17"}).find("nothing to do"), std::string::npos);
    EXPECT_NE(usage_error_of({"tags", "x", "--remove", "a"}), "");
    EXPECT_NE(usage_error_of({"tags", "17", "--set", "bad"}), "");
}

TEST(CtlCommands, Disconnect)
{
    expect_request({"disconnect", "--connection", "17"}, "POST", "/v1/disconnect", R"({"connection":"17"})");
    expect_request({"disconnect", "--user", "42", "--code", "4000", "--reason", "bye"}, "POST",
                   "/v1/disconnect", R"({"user":"42","code":4000,"reason":"bye"})");
    EXPECT_NE(usage_error_of({"disconnect"}), "");
    EXPECT_NE(usage_error_of({"disconnect", "--user", "1", "--code", "abc"}), "");
    EXPECT_NE(usage_error_of({"disconnect", "--user", "1", "--code", "999"}), "");
    EXPECT_NE(usage_error_of({"disconnect", "--user", "1", "--code", "1001"}), "")
        << "reserved for the protocol";
    EXPECT_NE(usage_error_of({"disconnect", "--user", "1", "--code", "5000"}), "");
    expect_request({"disconnect", "--connection", "9", "--code", "1000"}, "POST", "/v1/disconnect",
                   R"({"connection":"9","code":1000})");
    expect_request({"disconnect", "--connection", "9", "--code", "3000"}, "POST", "/v1/disconnect",
                   R"({"connection":"9","code":3000})");
    EXPECT_NE(usage_error_of({"disconnect", "--user", "1", "--reason", std::string(124, 'x')}), "");
}

TEST(CtlCommands, Listings)
{
    expect_request({"connections"}, "GET", "/v1/connections", "");
    expect_request({"connections", "--limit", "50"}, "GET", "/v1/connections?limit=50", "");
    expect_request({"connections", "--cursor", "a/b=", "--limit", "5"}, "GET",
                   "/v1/connections?cursor=a%2Fb%3D&limit=5", "");
    EXPECT_EQ(plan_of({"connections"}).flow, Flow::single);
    EXPECT_EQ(plan_of({"connections", "--all"}).flow, Flow::paginate);
    EXPECT_NE(usage_error_of({"connections", "--limit", "0"}), "");
    EXPECT_NE(usage_error_of({"connections", "--limit", "x"}), "");
    expect_request({"user", "a@b c"}, "GET", "/v1/users/a%40b%20c", "");
    expect_request({"rooms"}, "GET", "/v1/rooms", "");
    expect_request({"rooms", "lobby"}, "GET", "/v1/rooms/lobby", "");
    expect_request({"rooms", "--local"}, "GET", "/v1/rooms?scope=local", "");
    expect_request({"rooms", "lobby", "--local"}, "GET", "/v1/rooms/lobby?scope=local", "");
    expect_request({"user", "u1", "--local"}, "GET", "/v1/users/u1?scope=local", "");
    expect_request({"connections", "--local", "--limit", "5"}, "GET", "/v1/connections?limit=5&scope=local",
                   "");
    expect_request({"plugins"}, "GET", "/v1/plugins", "");
    expect_request({"nodes"}, "GET", "/v1/nodes", "");
    EXPECT_NE(usage_error_of({"nodes", "extra"}), "");
    EXPECT_NE(usage_error_of({"plugins", "extra"}), "");
}

TEST(CtlCommands, OperatorCommands)
{
    expect_request({"reload"}, "POST", "/v1/reload", "{}");
    EXPECT_EQ(plan_of({"reload"}).request.timeout_ms, 60000) << "the server answers when the attempt is done";
    EXPECT_EQ(plan_of({"reload-status"}).request.timeout_ms, 0);
    EXPECT_EQ(plan_of({"reload"}).flow, Flow::reload_wait);
    expect_request({"reload-status"}, "GET", "/v1/reload", "");
    expect_request({"status"}, "GET", "/healthz", "");
    EXPECT_EQ(plan_of({"status"}).flow, Flow::status);
    expect_request({"metrics"}, "GET", "/metrics", "");
}

TEST(CtlCommands, TableIsComplete)
{
    for (const Command &c : command_table()) {
        EXPECT_FALSE(c.summary.empty()) << c.name;
        EXPECT_LE(c.min_positionals, c.max_positionals) << c.name;
        if (c.name == "token") {
            EXPECT_EQ(c.build, nullptr) << "token is reserved until JWT minting lands";
            continue;
        }
        EXPECT_NE(c.build, nullptr) << c.name;
        EXPECT_NE(c.print, nullptr) << c.name;
    }
    EXPECT_EQ(find_command("nope"), nullptr);
}

} // namespace
} // namespace wshost::ctl::test

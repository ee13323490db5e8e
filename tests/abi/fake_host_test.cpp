// Plugins against a FAKE host function table: no sockets, no wshost binary.
// The fake is the SDK's test kit (wshost/testkit.h): it dlopen()s the real .so
// files (echo, sum and the C++ fixtures), runs their init with a recording
// wsh_host_api, calls handlers directly, and these tests check what the
// plugins answered, logged and returned. FakeHost below only adapts the kit
// to the shape these tests were written in.
#include <wshost/testkit.h>

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace
{

std::string str(wsh_str s)
{
    return s.ptr ? std::string(s.ptr, s.len) : std::string();
}

struct ReplyRecord {
    std::string kind; // "success", "error", "none", or the host's code ("handler_failed")
    std::string payload, code, message;
};

class FakeHost
{
  public:
    FakeHost() : kit_(wsh_testkit_new()) {}
    ~FakeHost() { wsh_testkit_free(kit_); }
    FakeHost(const FakeHost &) = delete;
    FakeHost &operator=(const FakeHost &) = delete;

    // Loads `path` with the kit (the host's checks, then init). Returns
    // init's status, or -1 when the kit refused the file itself.
    int load(const char *path, std::string_view name, std::string_view config = "{}")
    {
        const int rc = wsh_testkit_load(kit_, path, std::string(name).c_str(), std::string(config).c_str());
        if (rc == WSH_E_FAILED)
            return wsh_testkit_init_status(kit_);
        if (rc != WSH_OK) {
            ADD_FAILURE() << "load " << path << ": " << wsh_testkit_error(kit_);
            return -1;
        }
        return WSH_OK;
    }

    // Calls `action` as a connection of `user_id` (one per user); the handler's status.
    int call(const std::string &action, std::string_view payload, std::string_view user_id = "",
             std::string_view request_id = "")
    {
        wsh_testkit_reply r;
        last_ =
            wsh_testkit_call_ex(kit_, conn_of(std::string(user_id)), action.c_str(),
                                std::string(payload).c_str(), nullptr, std::string(request_id).c_str(), &r);
        if (!last_)
            ADD_FAILURE() << "call " << action << ": " << wsh_testkit_error(kit_);
        return r.handler_status;
    }

    void fire(wsh_hook_kind kind)
    {
        wsh_event ev{};
        ev.struct_size = sizeof ev;
        ev.kind = kind;
        ev.conn = conn_of("");
        ev.close_code = 1000;
        wsh_testkit_fire_hook(kit_, &ev);
    }

    // Hands the message handler one message of a connection on "/raw"; its status.
    int deliver(std::string_view data, bool binary)
    {
        if (!raw_conn_) {
            wsh_testkit_conn_opts opts{};
            opts.struct_size = sizeof opts;
            opts.endpoint = "/raw";
            raw_conn_ = wsh_testkit_connect_ex(kit_, &opts);
        }
        return wsh_testkit_deliver(kit_, raw_conn_, binary ? WSH_OPCODE_BINARY : WSH_OPCODE_TEXT, data.data(),
                                   data.size());
    }
    wsh_conn_id raw_conn() const { return raw_conn_; }

    std::vector<std::string> action_names() const
    {
        std::vector<std::string> out;
        wsh_str name;
        for (size_t i = 0; wsh_testkit_action_name(kit_, i, &name); ++i)
            out.push_back(str(name));
        return out;
    }

    // The reply to the most recent call (fails if it is still open).
    ReplyRecord last() const
    {
        if (!answered_at_all(last_))
            ADD_FAILURE() << "no reply for request " << last_;
        return reply(last_);
    }
    // Answered by the plugin (not by the host's handler_failed).
    bool answered(wsh_reply_id id) const
    {
        wsh_testkit_reply r;
        return wsh_testkit_get_reply(kit_, id, &r) && r.kind != WSH_TESTKIT_REPLY_PENDING && !r.by_host;
    }
    ReplyRecord reply(wsh_reply_id id) const
    {
        wsh_testkit_reply r;
        wsh_testkit_get_reply(kit_, id, &r);
        static const char *const kinds[] = {"pending", "success", "error", "none"};
        ReplyRecord rec{kinds[r.kind], str(r.payload), str(r.code), str(r.message)};
        if (r.by_host)
            rec.kind = rec.code;
        return rec;
    }
    wsh_reply_id last_reply_id() const { return last_; }
    std::string logs() const
    {
        std::string all;
        wsh_testkit_event ev;
        for (size_t cursor = 0; wsh_testkit_next_event(kit_, WSH_TESTKIT_EV_LOG, &cursor, &ev);)
            all += std::to_string(ev.code) + " " + str(ev.data) + "\n";
        return all;
    }

  private:
    bool answered_at_all(wsh_reply_id id) const
    {
        wsh_testkit_reply r;
        return wsh_testkit_get_reply(kit_, id, &r) && r.kind != WSH_TESTKIT_REPLY_PENDING;
    }
    wsh_conn_id conn_of(const std::string &user)
    {
        auto it = conns_.find(user);
        if (it != conns_.end())
            return it->second;
        return conns_[user] = wsh_testkit_connect(kit_, user.empty() ? nullptr : user.c_str(), nullptr, 0);
    }

    wsh_testkit *kit_;
    std::map<std::string, wsh_conn_id> conns_;
    wsh_conn_id raw_conn_ = 0;
    wsh_reply_id last_ = 0;
};

// ---- sum ---------------------------------------------------------------------

class Sum : public ::testing::Test
{
  protected:
    void SetUp() override { ASSERT_EQ(host.load(SUM_SO, "sum"), WSH_OK) << host.logs(); }
    void expect_result(std::string_view payload, const std::string &reply)
    {
        EXPECT_EQ(host.call("sum", payload), WSH_OK);
        const ReplyRecord r = host.last();
        EXPECT_EQ(r.kind, "success") << r.code << ": " << r.message;
        EXPECT_EQ(r.payload, reply) << "payload " << payload;
    }
    void expect_invalid(std::string_view payload, const std::string &mentions)
    {
        EXPECT_EQ(host.call("sum", payload), WSH_OK);
        const ReplyRecord r = host.last();
        EXPECT_EQ(r.kind, "error") << r.payload;
        EXPECT_EQ(r.code, "invalid_payload");
        EXPECT_NE(r.message.find(mentions), std::string::npos) << r.message;
    }
    FakeHost host;
};

TEST_F(Sum, RegistersOneAction)
{
    EXPECT_EQ(host.action_names(), std::vector<std::string>{"sum"});
}
TEST_F(Sum, IntegersStayIntegers)
{
    expect_result(R"({"numbers":[1,2,3]})", R"({"result":6})");
}
TEST_F(Sum, MixedGivesDouble)
{
    expect_result(R"({"numbers":[1,2,3.5]})", R"({"result":6.5})");
}
TEST_F(Sum, EmptyIsZero)
{
    expect_result(R"({"numbers":[]})", R"({"result":0})");
}
TEST_F(Sum, Negatives)
{
    expect_result(R"({"numbers":[-4, 1]})", R"({"result":-3})");
}
TEST_F(Sum, ShortestRoundTrip)
{
    expect_result(R"({"numbers":[0.1,0.2]})", R"({"result":0.30000000000000004})");
    expect_result(R"({"numbers":[0.5]})", R"({"result":0.5})");
}
TEST_F(Sum, OtherKeysIgnored)
{
    expect_result(R"({"x":1,"numbers":[2]})", R"({"result":2})");
}
TEST_F(Sum, MissingNumbers)
{
    expect_invalid(R"({})", "missing 'numbers'");
}
TEST_F(Sum, NumbersNotArray)
{
    expect_invalid(R"({"numbers":"1,2"})", "must be an array");
    expect_invalid(R"({"numbers":{"a":1}})", "must be an array");
}
TEST_F(Sum, NonNumberElement)
{
    expect_invalid(R"({"numbers":[1,"2"]})", "'numbers[1]' is not a number");
    expect_invalid(R"({"numbers":[null]})", "'numbers[0]' is not a number");
    expect_invalid(R"({"numbers":[[1]]})", "'numbers[0]' is not a number");
}
TEST_F(Sum, Overflow)
{
    expect_invalid(R"({"numbers":[1e308,1e308]})", "overflows");
}

TEST(SumConfig, UnknownKeyFailsInit)
{
    FakeHost host;
    EXPECT_EQ(host.load(SUM_SO, "sum", R"({"scale":2})"), WSH_E_FAILED);
    EXPECT_NE(host.logs().find("unknown config key 'scale'"), std::string::npos) << host.logs();
    EXPECT_TRUE(host.action_names().empty());
}

// ---- echo --------------------------------------------------------------------

class Echo : public ::testing::Test
{
  protected:
    void expect_echo(std::string_view payload, const std::string &reply)
    {
        EXPECT_EQ(host.call("echo", payload), WSH_OK);
        const ReplyRecord r = host.last();
        EXPECT_EQ(r.kind, "success") << r.code << ": " << r.message;
        EXPECT_EQ(r.payload, reply);
    }
    void expect_invalid(std::string_view payload)
    {
        EXPECT_EQ(host.call("echo", payload), WSH_OK);
        const ReplyRecord r = host.last();
        EXPECT_EQ(r.kind, "error");
        EXPECT_EQ(r.code, "invalid_payload");
        EXPECT_NE(r.message.find("message"), std::string::npos) << r.message;
    }
    FakeHost host;
};

TEST_F(Echo, DefaultPrefix)
{
    ASSERT_EQ(host.load(ECHO_SO, "echo"), WSH_OK) << host.logs();
    EXPECT_EQ(host.action_names(), std::vector<std::string>{"echo"});
    expect_echo(R"({"message":"Hello"})", R"({"message":"Echo: Hello"})");
}

TEST_F(Echo, EscapesQuotesBackslashesAndControls)
{
    ASSERT_EQ(host.load(ECHO_SO, "echo"), WSH_OK);
    expect_echo(R"({"message":"say \"hi\" \\ bye"})", R"({"message":"Echo: say \"hi\" \\ bye"})");
    expect_echo(R"({"message":"a\nb\tc\u0001"})", R"({"message":"Echo: a\nb\tc\u0001"})");
    expect_echo(R"({"message":"</script>"})", R"({"message":"Echo: </script>"})");
}

TEST_F(Echo, Unicode)
{
    ASSERT_EQ(host.load(ECHO_SO, "echo"), WSH_OK);
    // Escapes decode to UTF-8 (a surrogate pair -> one 4-byte sequence); raw UTF-8 passes through.
    expect_echo(R"({"message":"caf\u00e9 \ud83d\ude00"})",
                "{\"message\":\"Echo: caf\xc3\xa9 \xf0\x9f\x98\x80\"}");
    expect_echo("{\"message\":\"\xe6\x97\xa5\xe6\x9c\xac\"}",
                "{\"message\":\"Echo: \xe6\x97\xa5\xe6\x9c\xac\"}");
}

TEST_F(Echo, ConfiguredPrefix)
{
    ASSERT_EQ(host.load(ECHO_SO, "echo", R"({"prefix":">> \"q\" "})"), WSH_OK) << host.logs();
    expect_echo(R"({"message":"Hello"})", R"({"message":">> \"q\" Hello"})");
}

TEST_F(Echo, EmptyPrefix)
{
    ASSERT_EQ(host.load(ECHO_SO, "echo", R"({"prefix":""})"), WSH_OK);
    expect_echo(R"({"message":"Hello"})", R"({"message":"Hello"})");
}

TEST_F(Echo, InvalidPayload)
{
    ASSERT_EQ(host.load(ECHO_SO, "echo"), WSH_OK);
    expect_invalid(R"({})");
    expect_invalid(R"({"message":42})");
    expect_invalid(R"({"message":null})");
    expect_invalid(R"({"message":["Hello"]})");
    expect_invalid(R"({"Message":"case matters"})");
}

TEST_F(Echo, FindsTheTopLevelMemberWithoutParsing)
{
    ASSERT_EQ(host.load(ECHO_SO, "echo"), WSH_OK);
    // Other members first, of every kind, with decoys nested inside them.
    expect_echo(R"({"a":1,"b":-2.5e3,"c":true,"d":null,"e":"x\"message\"","f":[{"message":"no"}],)"
                R"("g":{"message":"no","h":[1,{"i":"}"}]},"message":"yes"})",
                R"({"message":"Echo: yes"})");
    // Whitespace anywhere JSON allows it.
    expect_echo(" \t\r\n{ \"n\" : [ 1 , 2 ] ,\n \"message\" :\t\"spaced\" } ",
                R"({"message":"Echo: spaced"})");
    // The first of duplicate keys wins (as cJSON's lookup does).
    expect_echo(R"({"message":"first","message":"second"})", R"({"message":"Echo: first"})");
    // A key written with escapes is compared after decoding (cJSON's path).
    expect_echo(R"({"mess\u0061ge":"decoded key"})", R"({"message":"Echo: decoded key"})");
    // A value with escapes is decoded; one without is copied, DEL still escaped.
    expect_echo(R"({"message":"tab\there"})", R"({"message":"Echo: tab\there"})");
    expect_echo("{\"message\":\"del\x7f\"}", "{\"message\":\"Echo: del\x7f\"}"); // DEL needs no escape
    expect_echo(R"({"message":""})", R"({"message":"Echo: "})");
    // Not found at the top level, or not a string there.
    expect_invalid(R"({"x":{"message":"nested only"}})");
    expect_invalid(R"({"message":{"message":"x"}})");
    expect_invalid(R"({"message":12,"message":"later"})");
}

TEST_F(Echo, BadConfigFailsInit)
{
    EXPECT_NE(host.load(ECHO_SO, "echo", R"({"prefx":"typo"})"), WSH_OK);
    EXPECT_NE(host.logs().find("unknown config key 'prefx' (valid keys: prefix)"), std::string::npos)
        << host.logs();
    EXPECT_TRUE(host.action_names().empty());
}

TEST_F(Echo, NonStringPrefixFailsInit)
{
    EXPECT_NE(host.load(ECHO_SO, "echo", R"({"prefix":1})"), WSH_OK);
    EXPECT_NE(host.logs().find("'prefix' must be a string"), std::string::npos) << host.logs();
}

// ---- plugin.hpp: the ABI edge --------------------------------------------------

class CppWrapper : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ASSERT_EQ(host.load(CPP_ACTIONS_SO, "cppactions", R"({"k":"v"})"), WSH_OK) << host.logs();
    }
    FakeHost host;
};

TEST_F(CppWrapper, StdExceptionBecomesFailureAndLogLine)
{
    EXPECT_NE(host.call("throw_std", "{}"), WSH_OK);
    EXPECT_FALSE(host.answered(host.last_reply_id())); // the host answers handler_failed
    EXPECT_NE(host.logs().find("action 'throw_std' threw: boom: std exception"), std::string::npos)
        << host.logs();
}

TEST_F(CppWrapper, NonStdExceptionBecomesFailure)
{
    EXPECT_NE(host.call("throw_other", "{}"), WSH_OK);
    EXPECT_FALSE(host.answered(host.last_reply_id()));
    EXPECT_NE(host.logs().find("action 'throw_other' threw: unknown exception"), std::string::npos)
        << host.logs();
}

TEST_F(CppWrapper, RefusedReplyIsAFailure)
{
    EXPECT_EQ(host.call("bad_json", "{}"), WSH_E_INVALID);
    EXPECT_EQ(host.last().kind, "handler_failed");
    EXPECT_NE(host.logs().find("refused the reply (status 1)"), std::string::npos) << host.logs();
}

TEST_F(CppWrapper, ErrorAndNone)
{
    EXPECT_EQ(host.call("error", "{}"), WSH_OK);
    EXPECT_EQ(host.last().kind, "error");
    EXPECT_EQ(host.last().code, "teapot");
    EXPECT_EQ(host.last().message, "short and stout");
    EXPECT_EQ(host.call("none", "{}"), WSH_OK);
    EXPECT_EQ(host.last().kind, "none");
}

TEST_F(CppWrapper, RequestViewAndConfig)
{
    EXPECT_EQ(host.call("whoami", "{}", "alice", "r-1"), WSH_OK);
    EXPECT_EQ(host.last().payload, R"({"user":"alice","rid":"r-1"})");
    EXPECT_EQ(host.call("config", "{}"), WSH_OK);
    EXPECT_EQ(host.last().payload, R"({"k":"v"})");
}

TEST_F(CppWrapper, ReplyMembers)
{
    EXPECT_EQ(host.call("members", "{}", "al\"ice"), WSH_OK);
    EXPECT_EQ(host.last().kind, "success");
    EXPECT_EQ(host.last().payload, R"({"hello":"user al\"ice","n":-3,"yes":true,"none":null,"list":[1,2]})");
}

TEST_F(CppWrapper, ReplyLater)
{
    EXPECT_EQ(host.call("later", "{}"), WSH_OK);
    const wsh_reply_id parked = host.last_reply_id();
    EXPECT_FALSE(host.answered(parked));
    EXPECT_EQ(host.call("release", "{}"), WSH_OK);
    EXPECT_EQ(host.last().payload, R"({"ok":true})");
    ASSERT_TRUE(host.answered(parked));
    EXPECT_EQ(host.reply(parked).payload, R"({"released":true})");
}

TEST_F(CppWrapper, HookExceptionIsLoggedAndSwallowed)
{
    host.fire(WSH_HOOK_DISCONNECTED);
    EXPECT_NE(host.logs().find("hook threw: hook boom"), std::string::npos) << host.logs();
}

TEST_F(CppWrapper, MessageHandlerSeesTheMessageAndItsThrowIsAFailure)
{
    EXPECT_EQ(host.deliver(std::string("bin\0ary", 7), true), WSH_OK);
    const std::string line = "message 7 bytes binary on /raw from " + std::to_string(host.raw_conn());
    EXPECT_NE(host.logs().find(line), std::string::npos) << host.logs();
    EXPECT_EQ(host.deliver("throw", false), WSH_E_FAILED);
    EXPECT_NE(host.logs().find("message handler threw: message boom"), std::string::npos) << host.logs();
}

TEST(CppWrapperInit, ThrowingConstructorFailsInit)
{
    FakeHost host;
    EXPECT_EQ(host.load(INIT_THROW_SO, "initthrow"), WSH_E_FAILED);
    EXPECT_NE(host.logs().find("init failed: initthrow: refusing to start on purpose"), std::string::npos)
        << host.logs();
    EXPECT_TRUE(host.action_names().empty());
}

} // namespace

// Plugins against a FAKE host function table: no sockets, no wshost binary.
// dlopen()s the real .so files (echo, sum and the C++ fixtures), runs their
// init with a recording wsh_host_api, calls handlers directly and checks what
// they answered, what they logged and what they returned.
#include <wshost/plugin.h>

#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace
{
class FakeHost;
}

// The opaque handle, defined on the host side only (here: the fake).
struct wsh_host {
    FakeHost *self;
};

namespace
{

std::string str(wsh_str s)
{
    return s.ptr ? std::string(s.ptr, s.len) : std::string();
}
wsh_str wstr(std::string_view s)
{
    return wsh_str{s.data(), s.size()};
}

// A strict "is this exactly one JSON object" check, like the host's.
bool is_json_object(std::string_view text)
{
    const std::string buf(text);
    cJSON *j = cJSON_ParseWithLengthOpts(buf.c_str(), buf.size() + 1, nullptr, 1);
    const bool ok = cJSON_IsObject(j);
    cJSON_Delete(j);
    return ok;
}

struct ReplyRecord {
    std::string kind; // "success", "error", "none"
    std::string payload, code, message;
};

struct Registered {
    wsh_action_fn fn = nullptr;
    void *user_data = nullptr;
};

class FakeHost
{
  public:
    FakeHost()
    {
        api_.struct_size = sizeof api_;
        api_.abi_major = WSH_ABI_MAJOR;
        api_.abi_minor = WSH_ABI_MINOR;
        api_.register_action = &FakeHost::register_action;
        api_.register_hook = &FakeHost::register_hook;
        api_.reply_success = &FakeHost::reply_success;
        api_.reply_error = &FakeHost::reply_error;
        api_.reply_none = &FakeHost::reply_none;
        api_.log = &FakeHost::log;
        api_.register_message_handler = &FakeHost::register_message_handler;
    }
    ~FakeHost() { unload(); }

    // Opens `path`, checks the definition like the real host, runs init.
    // Returns init's status (or -1 when the file itself is unusable).
    int load(const char *path, std::string_view name, std::string_view config = "{}")
    {
        dl_ = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!dl_) {
            ADD_FAILURE() << "dlopen " << path << ": " << dlerror();
            return -1;
        }
        auto entry = reinterpret_cast<wsh_plugin_entry_fn>(dlsym(dl_, WSH_PLUGIN_ENTRY_SYMBOL));
        if (!entry) {
            ADD_FAILURE() << "no entry in " << path;
            return -1;
        }
        def_ = entry();
        EXPECT_GE(def_->struct_size, WSH_PLUGIN_DEF_MIN_SIZE);
        EXPECT_EQ(def_->abi_major, WSH_ABI_MAJOR);
        EXPECT_LE(def_->abi_minor, WSH_ABI_MINOR);
        EXPECT_EQ(std::string(def_->name), name);
        wsh_init_args args{};
        args.struct_size = sizeof args;
        args.api = &api_;
        args.host = &handle_;
        args.plugin_name = wstr(name);
        args.config_json = wstr(config);
        in_init_ = true;
        const int rc = def_->init(&args, &state_);
        in_init_ = false;
        initialized_ = rc == WSH_OK;
        if (!initialized_) // like the host: a failed init leaves nothing registered
            actions_.clear(), hooks_.clear();
        return rc;
    }

    void unload()
    {
        if (initialized_ && def_->fini)
            def_->fini(state_);
        initialized_ = false;
        if (dl_)
            dlclose(dl_);
        dl_ = nullptr;
    }

    // Calls the handler of `action` like the service thread would.
    int call(const std::string &action, std::string_view payload, std::string_view user_id = "",
             std::string_view request_id = "")
    {
        auto it = actions_.find(action);
        if (it == actions_.end()) {
            ADD_FAILURE() << "action not registered: " << action;
            return -1;
        }
        wsh_request req{};
        req.struct_size = sizeof req;
        req.api = &api_;
        req.host = &handle_;
        req.reply = ++last_reply_;
        req.conn = 42;
        req.action = wstr(action);
        req.payload = wstr(payload);
        req.metadata = wstr("{}");
        req.request_id = wstr(request_id);
        req.user_id = wstr(user_id);
        return it->second.fn(&req, it->second.user_data);
    }

    void fire(wsh_hook_kind kind)
    {
        wsh_event ev{};
        ev.struct_size = sizeof ev;
        ev.kind = kind;
        ev.conn = 42;
        ev.close_code = 1000;
        for (auto &h : hooks_[kind])
            h.first(&ev, h.second);
    }

    // Hands the message handler one raw-endpoint message; its status.
    int deliver(std::string_view data, bool binary)
    {
        if (!message_fn_) {
            ADD_FAILURE() << "no message handler registered";
            return -1;
        }
        wsh_message msg{};
        msg.struct_size = sizeof msg;
        msg.api = &api_;
        msg.host = &handle_;
        msg.conn = 42;
        msg.endpoint = wstr("/raw");
        msg.opcode = binary ? WSH_OPCODE_BINARY : WSH_OPCODE_TEXT;
        msg.data = wstr(data);
        return message_fn_(&msg, message_ud_);
    }

    std::vector<std::string> action_names() const
    {
        std::vector<std::string> out;
        for (auto &a : actions_)
            out.push_back(a.first);
        return out;
    }

    // The reply given to the most recent call (fails if there was none).
    ReplyRecord last() const
    {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = replies_.find(last_reply_);
        if (it == replies_.end()) {
            ADD_FAILURE() << "no reply for request " << last_reply_;
            return {};
        }
        return it->second;
    }
    bool answered(wsh_reply_id id) const
    {
        std::lock_guard<std::mutex> lock(mu_);
        return replies_.count(id) != 0;
    }
    ReplyRecord reply(wsh_reply_id id) const
    {
        std::lock_guard<std::mutex> lock(mu_);
        return replies_.at(id);
    }
    wsh_reply_id last_reply_id() const { return last_reply_; }
    std::string logs() const
    {
        std::lock_guard<std::mutex> lock(mu_);
        std::string all;
        for (auto &l : logs_)
            all += l + "\n";
        return all;
    }

  private:
    static FakeHost &self(wsh_host *h) { return *h->self; }

    static int register_action(wsh_host *h, wsh_str name, wsh_action_fn fn, void *ud)
    {
        FakeHost &f = self(h);
        if (!f.in_init_)
            return WSH_E_STATE;
        if (name.len == 0 || name.len > 128 || !fn)
            return WSH_E_INVALID;
        if (!f.actions_.emplace(str(name), Registered{fn, ud}).second)
            return WSH_E_EXISTS;
        return WSH_OK;
    }
    static int register_hook(wsh_host *h, wsh_hook_kind kind, wsh_hook_fn fn, void *ud)
    {
        FakeHost &f = self(h);
        if (!f.in_init_)
            return WSH_E_STATE;
        if (!f.hooks_[kind].empty())
            return WSH_E_EXISTS;
        f.hooks_[kind].emplace_back(fn, ud);
        return WSH_OK;
    }
    static int register_message_handler(wsh_host *h, wsh_message_fn fn, void *ud)
    {
        FakeHost &f = self(h);
        if (!f.in_init_)
            return WSH_E_STATE;
        if (!fn)
            return WSH_E_INVALID;
        if (f.message_fn_)
            return WSH_E_EXISTS;
        f.message_fn_ = fn;
        f.message_ud_ = ud;
        return WSH_OK;
    }
    // One-shot: a second answer to the same id is refused with WSH_E_GONE.
    int record(wsh_reply_id id, ReplyRecord rec)
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (id == 0 || id > last_reply_ || replies_.count(id))
            return WSH_E_GONE;
        replies_.emplace(id, std::move(rec));
        return WSH_OK;
    }
    static int reply_success(wsh_host *h, wsh_reply_id id, wsh_str payload)
    {
        const std::string p = payload.len ? str(payload) : "{}";
        if (!is_json_object(p)) {
            self(h).record(id, {"handler_failed", p, "", ""});
            return WSH_E_INVALID;
        }
        return self(h).record(id, {"success", p, "", ""});
    }
    static int reply_error(wsh_host *h, wsh_reply_id id, wsh_str code, wsh_str message)
    {
        const std::string c = str(code);
        if (c.empty() || c.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
            return WSH_E_INVALID;
        return self(h).record(id, {"error", "", c, str(message)});
    }
    static int reply_none(wsh_host *h, wsh_reply_id id) { return self(h).record(id, {"none", "", "", ""}); }
    static void log(wsh_host *h, wsh_log_level level, wsh_str message)
    {
        FakeHost &f = self(h);
        std::lock_guard<std::mutex> lock(f.mu_);
        f.logs_.push_back(std::to_string(static_cast<int>(level)) + " " + str(message));
    }

    wsh_host_api api_{};
    wsh_host handle_{this};
    void *dl_ = nullptr;
    const wsh_plugin_def *def_ = nullptr;
    void *state_ = nullptr;
    bool in_init_ = false;
    bool initialized_ = false;
    std::map<std::string, Registered> actions_;
    std::map<int, std::vector<std::pair<wsh_hook_fn, void *>>> hooks_;
    wsh_message_fn message_fn_ = nullptr;
    void *message_ud_ = nullptr;
    mutable std::mutex mu_;
    std::map<wsh_reply_id, ReplyRecord> replies_;
    wsh_reply_id last_reply_ = 0;
    std::vector<std::string> logs_;
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
    expect_echo("{\"message\":\"del\x7f\"}", R"({"message":"Echo: del\u007f"})");
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
    EXPECT_NE(host.logs().find("message 7 bytes binary on /raw from 42"), std::string::npos) << host.logs();
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

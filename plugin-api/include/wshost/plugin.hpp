/*
 * wshost/plugin.hpp — optional header-only C++17 wrapper over the C ABI.
 *
 * The contract stays plugin.h; this header only makes it pleasant from C++ and
 * keeps C++ on the plugin's side of the line: no exception and no STL type
 * ever crosses into the host. Every callback the host sees is a noexcept
 * function that catches everything and turns it into a failure status:
 *   - a handler that throws   -> the handler returns WSH_E_FAILED, the client
 *                                gets `handler_failed`, what() is logged;
 *   - a constructor that throws (init) -> init returns WSH_E_FAILED, the host
 *                                refuses the plugin ("init failed"), what() is logged;
 *   - a hook or destructor that throws -> logged and swallowed.
 *
 * A whole plugin:
 *
 *     #include <wshost/plugin.hpp>
 *
 *     class Greeter {
 *     public:
 *         // Runs inside init. Register actions here; throw to refuse to load.
 *         explicit Greeter(wshost::InitContext &ctx) {
 *             ctx.on("greet", [](const wshost::Request &req) {
 *                 if (req.user_id.empty())
 *                     return wshost::reply_error("unauthorized", "log in first");
 *                 return wshost::reply_success(R"({"greeting":"hi"})");
 *             });
 *         }
 *         // The destructor runs inside fini: stop your threads here.
 *     };
 *
 *     WSHOST_PLUGIN(Greeter, "greeter", "1.0.0")
 *
 * and in CMake: wshost_add_plugin(greeter SOURCES greeter.cpp).
 *
 * Also in InitContext: config_json() (the [plugin.config] table as JSON text,
 * valid during init only: parse or copy it), host() (a Host handle for
 * log(), valid until fini), on_hook(kind, fn) for the hooks of plugin.h.
 *
 * Answering later (from any thread): keep req.responder() and return
 * reply_later(); then call exactly one of responder.success()/error()/none()/
 * members().
 *
 * The fastest answer (ABI 1.3): responder.members({wshost::member("k", text),
 * ...}) hands the host the payload's members to write and escape itself,
 * with no JSON text built by the plugin and none re-checked by the host;
 * answer so inside the handler and return reply_later().
 * The Responder is a plain value (no pointer into the request); it may outlive
 * the handler but not the plugin (fini). If a handler answers through its
 * responder and then throws, the answer stands; the failure is only logged.
 *
 * Handlers of one plugin may run concurrently when the plugin is `blocking`
 * (worker pool): guard shared state with a mutex.
 *
 * Raw endpoints (plugin.h section 3b, ABI 1.2): ctx.on_message(fn) registers
 * `void(const wshost::Message &)`, called with every message of the raw
 * endpoints whose handler is this plugin (one connection's one at a time).
 * Answer through the gateway (wshost/gateway.hpp); a throw is logged and
 * counts as the handler's failure.
 *
 * Lighter reloads: a class with a member `void reload(std::string_view
 * config_json)` opts in (wsh_plugin_def.reload in plugin.h says when the host
 * calls it). It runs while handlers may be running: guard the config with a
 * mutex. Throw to refuse the new config; the old one must stay in effect.
 */
#ifndef WSHOST_PLUGIN_HPP
#define WSHOST_PLUGIN_HPP

#if !defined(__cplusplus) || __cplusplus < 201703L
#error "wshost/plugin.hpp needs C++17 or later"
#endif

#include <wshost/plugin.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace wshost
{

/* string_view <-> wsh_str. Borrowing only: nothing is copied. */
inline wsh_str to_wsh(std::string_view s) noexcept
{
    return wsh_str{s.data(), s.size()};
}
inline std::string_view to_view(wsh_str s) noexcept
{
    return s.ptr ? std::string_view(s.ptr, s.len) : std::string_view();
}

/* This plugin's handle on the host: logging and the raw ABI. Cheap to copy;
 * valid from init until fini returns. */
class Host
{
  public:
    Host(const wsh_host_api *api, wsh_host *host) noexcept : api_(api), host_(host) {}

    /* One log line, prefixed by the host with the plugin's name. */
    void log(wsh_log_level level, std::string_view message) const noexcept
    {
        if (api_ && api_->log)
            api_->log(host_, level, to_wsh(message));
    }

    const wsh_host_api *api() const noexcept { return api_; }
    wsh_host *handle() const noexcept { return host_; }

  private:
    const wsh_host_api *api_;
    wsh_host *host_;
};

/* Members for Responder::members (borrowed views: they must outlive the call).
 * member(key, text) is a string, member_int / member_bool / member_null the
 * other scalars, member_json a JSON value the host checks. A string in two
 * pieces (a prefix and a message): member(key, first, &rest, 1). */
inline wsh_member member(std::string_view key, std::string_view text, const wsh_str *more = nullptr,
                         std::size_t more_count = 0) noexcept
{
    return wsh_member{to_wsh(key), WSH_VALUE_STRING, to_wsh(text), more, more_count, 0};
}
inline wsh_member member_int(std::string_view key, std::int64_t value) noexcept
{
    return wsh_member{to_wsh(key), WSH_VALUE_INT, wsh_str{nullptr, 0}, nullptr, 0, value};
}
inline wsh_member member_bool(std::string_view key, bool value) noexcept
{
    return wsh_member{to_wsh(key), WSH_VALUE_BOOL, wsh_str{nullptr, 0}, nullptr, 0, value ? 1 : 0};
}
inline wsh_member member_null(std::string_view key) noexcept
{
    return wsh_member{to_wsh(key), WSH_VALUE_NULL, wsh_str{nullptr, 0}, nullptr, 0, 0};
}
inline wsh_member member_json(std::string_view key, std::string_view json) noexcept
{
    return wsh_member{to_wsh(key), WSH_VALUE_JSON, to_wsh(json), nullptr, 0, 0};
}

/* A one-shot reply handle, detached from the request so that it can be kept
 * and used later from any thread. Use exactly one of the three calls, once.
 * Each returns the host's wsh_status (WSH_E_GONE: already answered or timed
 * out; a reply to a connection that closed meanwhile is WSH_OK and dropped). */
class Responder
{
  public:
    Responder(Host host, wsh_reply_id id) noexcept : host_(host), id_(id) {}

    int success(std::string_view payload_json) const noexcept
    {
        return host_.api()->reply_success(host_.handle(), id_, to_wsh(payload_json));
    }
    int error(std::string_view code, std::string_view message) const noexcept
    {
        return host_.api()->reply_error(host_.handle(), id_, to_wsh(code), to_wsh(message));
    }
    int none() const noexcept { return host_.api()->reply_none(host_.handle(), id_); }
    /* {"status":"success","payload":{<members>}}, written by the host (ABI 1.3,
     * plugin.h reply_members). Build the members with wshost::member(). */
    int members(std::initializer_list<wsh_member> members) const noexcept
    {
        return host_.api()->reply_members(host_.handle(), id_, members.begin(), members.size());
    }
    int members(const wsh_member *members, std::size_t count) const noexcept
    {
        return host_.api()->reply_members(host_.handle(), id_, members, count);
    }

    wsh_reply_id id() const noexcept { return id_; }
    Host host() const noexcept { return host_; }

  private:
    Host host_;
    wsh_reply_id id_;
};

/* What a handler sees: views into the host's buffers, valid only during the
 * handler call. Copy what you keep. */
struct Request {
    std::string_view action;
    std::string_view payload;    /* byte-exact JSON object text ("{}" if none) */
    std::string_view metadata;   /* byte-exact JSON object text ("{}" if none) */
    std::string_view request_id; /* empty if the client sent none */
    std::string_view user_id;    /* empty if anonymous */
    wsh_conn_id conn = 0;
    const wsh_request *raw = nullptr; /* the ABI struct, for members added later */

    explicit Request(const wsh_request &r) noexcept
        : action(to_view(r.action)), payload(to_view(r.payload)), metadata(to_view(r.metadata)),
          request_id(to_view(r.request_id)), user_id(to_view(r.user_id)), conn(r.conn), raw(&r)
    {
    }

    Host host() const noexcept { return Host(raw->api, raw->host); }
    /* Keep this to answer after the handler returned (with reply_later()). */
    Responder responder() const noexcept { return Responder(host(), raw->reply); }
};

/* What a handler returns. Build it with the reply_* functions below; the
 * wrapper sends it after the handler returned. */
class Reply
{
  public:
    enum class Kind { success, error, none, later };

    Kind kind() const noexcept { return kind_; }
    const std::string &payload() const noexcept { return a_; } /* success */
    const std::string &code() const noexcept { return a_; }    /* error */
    const std::string &message() const noexcept { return b_; } /* error */

  private:
    Reply(Kind kind, std::string a, std::string b) : kind_(kind), a_(std::move(a)), b_(std::move(b)) {}
    friend Reply reply_success(std::string_view);
    friend Reply reply_error(std::string_view, std::string_view);
    friend Reply reply_none();
    friend Reply reply_later();

    Kind kind_;
    std::string a_, b_;
};

/* {"status":"success","payload":<payload_json>}. payload_json must be ONE JSON
 * object; the host checks it and answers handler_failed otherwise. */
inline Reply reply_success(std::string_view payload_json)
{
    return Reply(Reply::Kind::success, std::string(payload_json), {});
}
/* {"status":"error",...}: code is snake_case ([a-z0-9_]+), message human readable. */
inline Reply reply_error(std::string_view code, std::string_view message)
{
    return Reply(Reply::Kind::error, std::string(code), std::string(message));
}
/* Completes the request without sending any frame. */
inline Reply reply_none()
{
    return Reply(Reply::Kind::none, {}, {});
}
/* Sends nothing now: the handler kept req.responder() and answers later. */
inline Reply reply_later()
{
    return Reply(Reply::Kind::later, {}, {});
}

/* What a message handler sees (raw endpoints, ABI 1.2): views valid only
 * during the call. Copy what you keep. */
struct Message {
    wsh_conn_id conn = 0;
    std::string_view endpoint; /* the endpoint's path, e.g. "/raw" */
    bool binary = false;       /* else text, valid UTF-8 */
    std::string_view data;     /* the whole message, byte-exact */
    std::string_view user_id;  /* empty if anonymous */
    const wsh_message *raw = nullptr;

    explicit Message(const wsh_message &m) noexcept
        : conn(m.conn), endpoint(to_view(m.endpoint)), binary(m.opcode == WSH_OPCODE_BINARY),
          data(to_view(m.data)), user_id(to_view(m.user_id)), raw(&m)
    {
    }

    Host host() const noexcept { return Host(raw->api, raw->host); }
};

using Handler = std::function<Reply(const Request &)>;
using HookHandler = std::function<void(const wsh_event &)>;
using MessageHandler = std::function<void(const Message &)>;

namespace detail
{

/* Logs "<what>: <exception text>" without letting anything escape. */
inline void log_exception(Host host, std::string_view what, std::exception_ptr ep) noexcept
{
    try {
        std::string text(what);
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception &e) {
            text += ": ";
            text += e.what();
        } catch (...) {
            text += ": unknown exception (not derived from std::exception)";
        }
        host.log(WSH_LOG_ERROR, text);
    } catch (...) { /* out of memory while formatting: log what we can */
        host.log(WSH_LOG_ERROR, what);
    }
}

/* Sends a handler's Reply. A refused reply is logged once here. */
inline int deliver(const Request &req, const Reply &reply) noexcept
{
    Responder r = req.responder();
    int st = WSH_OK;
    switch (reply.kind()) {
    case Reply::Kind::success:
        st = r.success(reply.payload());
        break;
    case Reply::Kind::error:
        st = r.error(reply.code(), reply.message());
        break;
    case Reply::Kind::none:
        st = r.none();
        break;
    case Reply::Kind::later:
        return WSH_OK;
    }
    if (st == WSH_OK || st == WSH_E_GONE) /* GONE: timed out meanwhile, not the handler's failure */
        return WSH_OK;
    try {
        req.host().log(WSH_LOG_ERROR, "action '" + std::string(req.action) +
                                          "': the host refused the reply (status " + std::to_string(st) +
                                          ")");
    } catch (...) {
    }
    return st;
}

/* A registered hook: the host handle (for logging) and the callable. */
struct HookSlot {
    Host host;
    HookHandler fn;
};

/* Owns what the ABI's user_data pointers point at. Lives from init to fini. */
struct Registry {
    std::vector<std::unique_ptr<Handler>> handlers;
    std::vector<std::unique_ptr<HookSlot>> hooks;
    std::unique_ptr<MessageHandler> message; /* at most one per plugin */
};

} // namespace detail
} // namespace wshost

/* The C-linkage thunks the host calls. Not templates, so they can be extern "C";
 * inline, so every plugin carries its own (hidden) copy. */
extern "C" {

inline int wshost_cpp_action_thunk(const wsh_request *req, void *user_data) noexcept
{
    const wshost::Request request(*req);
    try {
        const auto &handler = *static_cast<const wshost::Handler *>(user_data);
        return wshost::detail::deliver(request, handler(request));
    } catch (...) {
        std::string label;
        try {
            label = "action '" + std::string(request.action) + "' threw";
        } catch (...) {
        }
        wshost::detail::log_exception(
            request.host(), label.empty() ? std::string_view("action threw") : std::string_view(label),
            std::current_exception());
        return WSH_E_FAILED;
    }
}

inline int wshost_cpp_message_thunk(const wsh_message *msg, void *user_data) noexcept
{
    const wshost::Message message(*msg);
    try {
        (*static_cast<const wshost::MessageHandler *>(user_data))(message);
        return WSH_OK;
    } catch (...) {
        wshost::detail::log_exception(message.host(), "message handler threw", std::current_exception());
        return WSH_E_FAILED;
    }
}

inline void wshost_cpp_hook_thunk(const wsh_event *ev, void *user_data) noexcept
{
    auto *slot = static_cast<wshost::detail::HookSlot *>(user_data);
    try {
        slot->fn(*ev);
    } catch (...) {
        wshost::detail::log_exception(slot->host, "hook threw", std::current_exception());
    }
}

} /* extern "C" */

namespace wshost
{

/* Handed to the plugin's constructor during init. config_json() and
 * plugin_name() are valid during init only; host() stays valid until fini. */
class InitContext
{
  public:
    InitContext(const wsh_init_args &args, detail::Registry &registry) noexcept
        : args_(args), registry_(registry)
    {
    }

    Host host() const noexcept { return Host(args_.api, args_.host); }
    std::string_view plugin_name() const noexcept { return to_view(args_.plugin_name); }
    /* The [plugin.config] table as a JSON object text ("{}" if none). */
    std::string_view config_json() const noexcept { return to_view(args_.config_json); }
    const wsh_init_args &raw() const noexcept { return args_; }

    /* Registers `handler` (any callable `Reply(const Request &)`) for `action`.
     * Throws std::runtime_error if the host refuses (e.g. another plugin owns
     * the action); left uncaught, that makes init fail, as it should. */
    void on(std::string_view action, Handler handler)
    {
        auto owned = std::make_unique<Handler>(std::move(handler));
        registry_.handlers.reserve(registry_.handlers.size() + 1); /* nothing throws after registering */
        const int st =
            args_.api->register_action(args_.host, to_wsh(action), &wshost_cpp_action_thunk, owned.get());
        if (st != WSH_OK)
            throw std::runtime_error("cannot register action '" + std::string(action) + "' (status " +
                                     std::to_string(st) + ")");
        registry_.handlers.push_back(std::move(owned));
    }

    /* Registers a hook `void(const wsh_event &)`. Hooks run on the service
     * thread: they must not block. Throws like on(). */
    void on_hook(wsh_hook_kind kind, HookHandler handler)
    {
        auto owned = std::make_unique<detail::HookSlot>(detail::HookSlot{host(), std::move(handler)});
        registry_.hooks.reserve(registry_.hooks.size() + 1);
        const int st = args_.api->register_hook(args_.host, kind, &wshost_cpp_hook_thunk, owned.get());
        if (st != WSH_OK)
            throw std::runtime_error("cannot register hook " + std::to_string(static_cast<int>(kind)) +
                                     " (status " + std::to_string(st) + ")");
        registry_.hooks.push_back(std::move(owned));
    }

    /* Registers the plugin's message handler `void(const Message &)` (once;
     * ABI 1.2: a host without it makes this throw). Throws like on(). */
    void on_message(MessageHandler handler)
    {
        if (!WSH_API_HAS(args_.api, register_message_handler))
            throw std::runtime_error("this host has no raw endpoints (ABI 1.2)");
        auto owned = std::make_unique<MessageHandler>(std::move(handler));
        const int st =
            args_.api->register_message_handler(args_.host, &wshost_cpp_message_thunk, owned.get());
        if (st != WSH_OK)
            throw std::runtime_error("cannot register a message handler (status " + std::to_string(st) + ")");
        registry_.message = std::move(owned);
    }

  private:
    const wsh_init_args &args_;
    detail::Registry &registry_;
};

namespace detail
{

/* One loaded instance: what init allocates and fini frees. `plugin` is
 * declared last so it is destroyed first, while its handlers still exist. */
template <class T> struct Instance {
    explicit Instance(Host h) : host(h) {}
    Host host;
    Registry registry;
    std::optional<T> plugin;
};

template <class T> int init_plugin(const wsh_init_args *args, void **state) noexcept
{
    if (!args || !state || !args->api)
        return WSH_E_INVALID;
    const Host host(args->api, args->host);
    Instance<T> *inst = nullptr;
    try {
        inst = new Instance<T>(host);
        InitContext ctx(*args, inst->registry);
        inst->plugin.emplace(ctx);
        *state = inst;
        return WSH_OK;
    } catch (...) {
        log_exception(host, "init failed", std::current_exception());
    }
    delete inst; /* the host drops our registrations and calls nothing more */
    return WSH_E_FAILED;
}

template <class T> void fini_plugin(void *state) noexcept
{
    auto *inst = static_cast<Instance<T> *>(state);
    if (!inst)
        return;
    try {
        inst->plugin.reset(); /* only catches if ~T() is noexcept(false) */
    } catch (...) {
        log_exception(inst->host, "fini: destructor threw", std::current_exception());
    }
    delete inst;
}

/* Does T have `reload(std::string_view)`? Then the plugin opts into lighter reloads. */
template <class T, class = void> struct has_reload : std::false_type {
};
template <class T>
struct has_reload<T, std::void_t<decltype(std::declval<T &>().reload(std::string_view()))>> : std::true_type {
};

template <class T> int reload_plugin(void *state, wsh_str config_json) noexcept
{
    auto *inst = static_cast<Instance<T> *>(state);
    if (!inst || !inst->plugin)
        return WSH_E_INVALID;
    try {
        inst->plugin->reload(std::string_view(config_json.ptr ? config_json.ptr : "", config_json.len));
        return WSH_OK;
    } catch (...) {
        log_exception(inst->host, "reload refused", std::current_exception());
    }
    return WSH_E_FAILED;
}

/* The definition's reload member: set only when T opts in. */
template <class T> constexpr int (*reload_entry() noexcept)(void *, wsh_str)
{
    if constexpr (has_reload<T>::value)
        return &reload_plugin<T>;
    else
        return nullptr;
}

} // namespace detail
} // namespace wshost

/*
 * WSHOST_PLUGIN(Class, "name", "version") — defines the plugin's one exported
 * symbol, wsh_plugin_entry, for a class constructible from
 * `wshost::InitContext &`. init constructs one Class (a throw makes init fail),
 * fini destroys it; Class::reload(std::string_view), if there is one, is the
 * lighter reload. Use once per plugin, at namespace scope in one .cpp file.
 */
#define WSHOST_PLUGIN(Class, name, version)                                                                  \
    extern "C" {                                                                                             \
    static int wshost_cpp_init_(const wsh_init_args *args, void **state) noexcept                            \
    {                                                                                                        \
        return ::wshost::detail::init_plugin<Class>(args, state);                                            \
    }                                                                                                        \
    static void wshost_cpp_fini_(void *state) noexcept                                                       \
    {                                                                                                        \
        ::wshost::detail::fini_plugin<Class>(state);                                                         \
    }                                                                                                        \
    static const wsh_plugin_def wshost_cpp_def_ = WSH_PLUGIN_DEF_INIT_RELOAD(                                \
        name, version, &wshost_cpp_init_, &wshost_cpp_fini_, ::wshost::detail::reload_entry<Class>());       \
    WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void)                                           \
    {                                                                                                        \
        return &wshost_cpp_def_;                                                                             \
    }                                                                                                        \
    }

#endif /* WSHOST_PLUGIN_HPP */

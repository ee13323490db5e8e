// The test kit's state (internal to libwshost-plugin-testkit): the fake
// host's connections, rooms, replies, verdicts, the record of events and the
// queue of hooks. One mutex guards all of it; plugin code never runs under it.
#pragma once

#include <wshost/testkit.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

// The opaque handle of plugin.h, on the host side: the fake's.
struct wsh_host {
    wsh_testkit *kit;
};

namespace wshost::testkit
{

inline std::string to_string(wsh_str s)
{
    return s.ptr ? std::string(s.ptr, s.len) : std::string();
}
inline wsh_str view(const std::string &s)
{
    return wsh_str{s.c_str(), s.size()};
}
inline std::string or_default(const char *s, const char *fallback)
{
    return s ? std::string(s) : std::string(fallback);
}

struct Conn {
    wsh_conn_id id = 0;
    std::string user;
    std::map<std::string, std::string> tags; // sorted by key, as wsh_conn_info wants
    std::set<std::string> rooms;             // sorted
    std::string endpoint = "/", subprotocol, peer = "127.0.0.1";
    bool closing = false; // close_connection was called; closed at the next hook run
};

struct Reply {
    wsh_conn_id conn = 0;
    bool open = true;
    wsh_testkit_reply_kind kind = WSH_TESTKIT_REPLY_PENDING;
    std::string payload, code, message;
    bool by_host = false;
    int handler_status = 0;
};

struct Verdict {
    wsh_conn_id conn = 0;
    bool open = true;
    bool admitted = false;
    wsh_testkit_verdict_kind kind = WSH_TESTKIT_VERDICT_PENDING;
    std::string user, reason;
    std::vector<std::pair<std::string, std::string>> tags;
    std::vector<wsh_tag> tag_views; // into `tags`, built once the verdict is final
    int authenticator_status = 0;
    std::string endpoint, subprotocol, peer; // the connection once admitted
};

// A deep copy of a wsh_target: the copy's pointers point into this object,
// which never moves (held by unique_ptr).
struct TargetCopy {
    wsh_target target{};
    std::string user, room;
    std::vector<std::string> users_store, except_users_store;
    std::vector<wsh_str> users, except_users;
    std::vector<std::pair<std::string, std::string>> tags_store;
    std::vector<wsh_tag> tags;
    std::vector<wsh_conn_id> except_conns;
};

struct Event {
    wsh_testkit_event_kind kind{};
    int status = 0;
    wsh_conn_id conn = 0;
    std::string user, room, key, value, data;
    int binary = 0, code = 0, delivered = 0;
    wsh_reply_id reply = 0;
    wsh_auth_id auth = 0;
    std::unique_ptr<TargetCopy> target;
    wsh_receipt receipt{};
    std::vector<wsh_conn_id> recipients;
    std::size_t changed = 0;
};

// A hook to run on the driving thread, or (kind kCloseItem) a close the
// plugin asked for. The strings are captured when it is queued.
inline constexpr int kCloseItem = -1;
struct HookItem {
    int kind = 0;
    wsh_conn_id conn = 0;
    std::string user, room, action, error_code, message, endpoint, subprotocol, data;
    std::vector<std::pair<std::string, std::string>> tags;
    int close_code = 0;
};

struct Registered {
    wsh_action_fn fn = nullptr;
    void *user_data = nullptr;
};
struct HookReg {
    wsh_hook_fn fn = nullptr;
    void *user_data = nullptr;
};

} // namespace wshost::testkit

struct wsh_testkit {
    wsh_host handle{this};
    wsh_host_api api{};

    // The plugin (driving thread only, except `loaded` and `in_init`, read under mu).
    void *dl = nullptr;
    const wsh_plugin_def *def = nullptr;
    void *state = nullptr;
    bool initialized = false;
    int init_status = 0;
    std::string plugin_name;

    mutable std::mutex mu;
    std::condition_variable cv;
    bool loaded = false;  // between init and the end of fini: the table answers
    bool in_init = false; // registration is allowed
    bool duplicate_action = false;
    std::map<std::string, wshost::testkit::Registered> actions;
    wshost::testkit::HookReg hooks[WSH_HOOK_KIND_COUNT];
    wsh_message_fn message_fn = nullptr;
    void *message_ud = nullptr;
    wsh_auth_fn auth_fn = nullptr;
    void *auth_ud = nullptr;
    std::vector<std::string> extra_headers;
    bool allow_anonymous = true;

    wsh_conn_id next_conn = 1;
    wsh_reply_id next_reply = 1;
    wsh_auth_id next_auth = 1;
    std::map<wsh_conn_id, wshost::testkit::Conn> conns; // live ones
    std::map<std::string, std::set<wsh_conn_id>> rooms; // non-empty ones
    std::map<wsh_reply_id, wshost::testkit::Reply> replies;
    std::map<wsh_auth_id, wshost::testkit::Verdict> verdicts;
    std::deque<wshost::testkit::Event> events; // elements never move
    std::deque<wshost::testkit::HookItem> hook_queue;

    // Driving thread only.
    std::string error;
    std::string scratch; // wsh_testkit_user_of / _tag_of
};

namespace wshost::testkit
{

// ---- kit_host_api.cpp: the function table -------------------------------
void fill_api(wsh_host_api &api);

// ---- kit_rooms.cpp: membership under kit->mu (callers hold it) -----------
// Adds / removes a member and queues the room hooks. true when it changed.
bool join_locked(wsh_testkit *kit, Conn &c, const std::string &room);
bool leave_locked(wsh_testkit *kit, Conn &c, const std::string &room);
// Removes a live connection: leaves its rooms, queues DISCONNECTED.
void drop_conn_locked(wsh_testkit *kit, wsh_conn_id conn, int close_code);
// Makes a connection live and queues AUTHENTICATED.
Conn &admit_locked(wsh_testkit *kit, wsh_conn_id id, const std::string &user,
                   const std::vector<std::pair<std::string, std::string>> &tags, const std::string &endpoint,
                   const std::string &subprotocol, const std::string &peer);
void queue_hook_locked(wsh_testkit *kit, HookItem item);

// ---- kit_record.cpp ------------------------------------------------------
// Appends an event (kit->mu held) and wakes waiters; returns it for filling.
Event &record_locked(wsh_testkit *kit, wsh_testkit_event_kind kind, int status);
void fill_reply(const Reply &r, wsh_reply_id id, wsh_testkit_reply *out);
void fill_verdict(const Verdict &v, wsh_auth_id id, wsh_testkit_verdict *out);
// Answers an open reply as the host (kit->mu held).
void host_answer_locked(wsh_testkit *kit, wsh_reply_id id, Reply &r, const char *code, std::string message);

// ---- kit_driver.cpp ------------------------------------------------------
// Runs queued hooks and closes on the calling (driving) thread.
void pump(wsh_testkit *kit);
// Records a HOOK event and runs the plugin's hook for ev.kind, if any (no lock held
// while it runs). 1 when the plugin had one.
int run_hook(wsh_testkit *kit, const wsh_event &ev);

} // namespace wshost::testkit

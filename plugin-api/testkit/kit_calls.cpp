// Driving the plugin: fake connections, action calls, raw messages, the
// authenticator and hooks fired by the test (testkit.h sections
// "Connections", "Actions, replies and raw messages", "The authenticator").
#include "kit_state.h"

#include "json/json_scan.h"
#include "json/name_rule.h"

#include <cctype>
#include <cstddef>

using namespace wshost::testkit;

namespace
{

// The 1.0 sizes of the option structs: everything up to their last 1.0 member.
constexpr size_t kConnOptsMin = offsetof(wsh_testkit_conn_opts, peer) + sizeof(const char *);
constexpr size_t kUpgradeMin = offsetof(wsh_testkit_upgrade, subprotocol) + sizeof(const char *);

bool copy_tags(wsh_testkit *kit, const wsh_tag *tags, size_t n,
               std::vector<std::pair<std::string, std::string>> &out)
{
    if (!tags && n) {
        kit->error = "NULL tags with a count";
        return false;
    }
    for (size_t i = 0; i < n; ++i) {
        std::string k = to_string(tags[i].key), v = to_string(tags[i].value);
        if (!wshost::valid_name(k) || !wshost::valid_name(v)) {
            kit->error = "tag '" + k + "' breaks the name rule";
            return false;
        }
        out.emplace_back(std::move(k), std::move(v));
    }
    return true;
}

Reply *find_reply(wsh_testkit *kit, wsh_reply_id id)
{
    auto it = kit->replies.find(id);
    return it == kit->replies.end() ? nullptr : &it->second;
}

void queue_failure_hook(wsh_testkit *kit, wsh_hook_kind kind, wsh_conn_id conn, const std::string &action,
                        const char *error_code, std::string message)
{
    HookItem item;
    item.kind = kind;
    item.conn = conn;
    auto c = kit->conns.find(conn);
    if (c != kit->conns.end())
        item.user = c->second.user;
    item.action = action;
    item.error_code = error_code;
    item.message = std::move(message);
    queue_hook_locked(kit, std::move(item));
}

} // namespace

extern "C" {

wsh_conn_id wsh_testkit_connect_ex(wsh_testkit *kit, const wsh_testkit_conn_opts *opts)
{
    if (!kit)
        return 0;
    kit->error.clear();
    if (!opts || opts->struct_size < kConnOptsMin) {
        kit->error = "NULL opts or struct_size too small";
        return 0;
    }
    const std::string user = or_default(opts->user_id, "");
    std::vector<std::pair<std::string, std::string>> tags;
    if (!user.empty() && !wshost::valid_name(user)) {
        kit->error = "user id breaks the name rule";
        return 0;
    }
    if (!copy_tags(kit, opts->tags, opts->tags_count, tags))
        return 0;
    wsh_conn_id id;
    {
        std::lock_guard lock(kit->mu);
        id = kit->next_conn++;
        admit_locked(kit, id, user, tags, or_default(opts->endpoint, "/"), or_default(opts->subprotocol, ""),
                     or_default(opts->peer, "127.0.0.1"));
    }
    pump(kit);
    return id;
}

wsh_conn_id wsh_testkit_connect(wsh_testkit *kit, const char *user_id, const wsh_tag *tags, size_t tags_count)
{
    wsh_testkit_conn_opts opts{};
    opts.struct_size = sizeof opts;
    opts.user_id = user_id;
    opts.tags = tags;
    opts.tags_count = tags_count;
    return wsh_testkit_connect_ex(kit, &opts);
}

int wsh_testkit_disconnect(wsh_testkit *kit, wsh_conn_id conn, int close_code)
{
    if (!kit)
        return WSH_E_INVALID;
    {
        std::lock_guard lock(kit->mu);
        if (!kit->conns.count(conn))
            return WSH_E_GONE;
        drop_conn_locked(kit, conn, close_code);
    }
    pump(kit);
    return WSH_OK;
}

int wsh_testkit_is_live(const wsh_testkit *kit, wsh_conn_id conn)
{
    if (!kit)
        return 0;
    std::lock_guard lock(kit->mu);
    return kit->conns.count(conn) ? 1 : 0;
}

int wsh_testkit_user_of(wsh_testkit *kit, wsh_conn_id conn, wsh_str *out)
{
    if (!kit || !out)
        return 0;
    std::lock_guard lock(kit->mu);
    auto it = kit->conns.find(conn);
    kit->scratch = it == kit->conns.end() ? std::string() : it->second.user;
    *out = view(kit->scratch);
    return it != kit->conns.end();
}

int wsh_testkit_tag_of(wsh_testkit *kit, wsh_conn_id conn, const char *key, wsh_str *out)
{
    if (!kit || !out || !key)
        return 0;
    std::lock_guard lock(kit->mu);
    kit->scratch.clear();
    *out = view(kit->scratch);
    auto it = kit->conns.find(conn);
    if (it == kit->conns.end())
        return 0;
    auto tag = it->second.tags.find(key);
    if (tag == it->second.tags.end())
        return 0;
    kit->scratch = tag->second;
    *out = view(kit->scratch);
    return 1;
}

int wsh_testkit_in_room(const wsh_testkit *kit, wsh_conn_id conn, const char *room)
{
    if (!kit || !room)
        return 0;
    std::lock_guard lock(kit->mu);
    auto it = kit->conns.find(conn);
    return it != kit->conns.end() && it->second.rooms.count(room) ? 1 : 0;
}

size_t wsh_testkit_room_size(const wsh_testkit *kit, const char *room)
{
    if (!kit || !room)
        return 0;
    std::lock_guard lock(kit->mu);
    auto it = kit->rooms.find(room);
    return it == kit->rooms.end() ? 0 : it->second.size();
}

static int test_join_or_leave(wsh_testkit *kit, wsh_conn_id conn, const char *room, bool join)
{
    if (!kit || !room || !wshost::valid_name(room))
        return WSH_E_INVALID;
    int status;
    {
        std::lock_guard lock(kit->mu);
        auto it = kit->conns.find(conn);
        if (it == kit->conns.end())
            return WSH_E_GONE;
        const bool changed = join ? join_locked(kit, it->second, room) : leave_locked(kit, it->second, room);
        status = changed ? WSH_OK : join ? WSH_E_EXISTS : WSH_E_NOT_MEMBER;
    }
    pump(kit);
    return status;
}

int wsh_testkit_join_room(wsh_testkit *kit, wsh_conn_id conn, const char *room)
{
    return test_join_or_leave(kit, conn, room, true);
}

int wsh_testkit_leave_room(wsh_testkit *kit, wsh_conn_id conn, const char *room)
{
    return test_join_or_leave(kit, conn, room, false);
}

wsh_reply_id wsh_testkit_call_ex(wsh_testkit *kit, wsh_conn_id conn, const char *action,
                                 const char *payload_json, const char *metadata_json, const char *request_id,
                                 wsh_testkit_reply *out)
{
    if (out) {
        *out = wsh_testkit_reply{};
        out->struct_size = sizeof *out;
    }
    if (!kit)
        return 0;
    kit->error.clear();
    const std::string name = or_default(action, "");
    const std::string payload = payload_json && *payload_json ? payload_json : "{}";
    const std::string metadata = metadata_json && *metadata_json ? metadata_json : "{}";
    const std::string rid = or_default(request_id, "");
    if (!action || name.empty()) {
        kit->error = "no action";
        return 0;
    }
    if (!wshost::is_json_object(payload) || !wshost::is_json_object(metadata)) {
        kit->error = "payload or metadata is not one JSON object";
        return 0;
    }
    Registered handler;
    wsh_reply_id id;
    std::string user;
    {
        std::lock_guard lock(kit->mu);
        auto c = kit->conns.find(conn);
        if (!kit->loaded || c == kit->conns.end()) {
            kit->error = "connection " + std::to_string(conn) + " is not live";
            return 0;
        }
        user = c->second.user;
        id = kit->next_reply++;
        Reply &r = kit->replies[id];
        r.conn = conn;
        auto a = kit->actions.find(name);
        if (a == kit->actions.end()) {
            host_answer_locked(kit, id, r, "unsupported_action", "Action '" + name + "' is not supported.");
            queue_failure_hook(kit, WSH_HOOK_INVALID_MESSAGE, conn, "", "unsupported_action",
                               "Action '" + name + "' is not supported.");
        } else {
            handler = a->second;
        }
    }
    if (handler.fn) {
        wsh_request req{};
        req.struct_size = sizeof req;
        req.api = &kit->api;
        req.host = &kit->handle;
        req.reply = id;
        req.conn = conn;
        req.action = view(name);
        req.payload = view(payload);
        req.metadata = view(metadata);
        req.request_id = view(rid);
        req.user_id = view(user);
        const int rc = handler.fn(&req, handler.user_data);
        std::lock_guard lock(kit->mu);
        if (Reply *r = find_reply(kit, id)) {
            r->handler_status = rc;
            if (rc != WSH_OK && r->open) {
                host_answer_locked(kit, id, *r, "handler_failed", "The handler failed.");
                queue_failure_hook(kit, WSH_HOOK_UNHANDLED_EXCEPTION, conn, name, "",
                                   "handler returned status " + std::to_string(rc));
            }
        }
    }
    pump(kit);
    if (out)
        wsh_testkit_get_reply(kit, id, out);
    return id;
}

wsh_reply_id wsh_testkit_call(wsh_testkit *kit, wsh_conn_id conn, const char *action,
                              const char *payload_json, wsh_testkit_reply *out)
{
    return wsh_testkit_call_ex(kit, conn, action, payload_json, nullptr, nullptr, out);
}

int wsh_testkit_expire_reply(wsh_testkit *kit, wsh_reply_id id)
{
    if (!kit)
        return 0;
    int expired = 0;
    {
        std::lock_guard lock(kit->mu);
        Reply *r = find_reply(kit, id);
        if (r && r->open) {
            host_answer_locked(kit, id, *r, "handler_timeout", "The handler did not answer in time.");
            expired = 1;
        }
    }
    pump(kit);
    return expired;
}

int wsh_testkit_deliver(wsh_testkit *kit, wsh_conn_id conn, wsh_opcode opcode, const void *data, size_t len)
{
    if (!kit || (opcode != WSH_OPCODE_TEXT && opcode != WSH_OPCODE_BINARY) || (!data && len))
        return WSH_E_INVALID;
    const std::string bytes(data ? static_cast<const char *>(data) : "", len);
    if (opcode == WSH_OPCODE_TEXT && !wshost::valid_utf8(bytes))
        return WSH_E_INVALID;
    wsh_message_fn fn;
    void *ud;
    std::string user, endpoint;
    {
        std::lock_guard lock(kit->mu);
        auto c = kit->conns.find(conn);
        if (!kit->loaded || c == kit->conns.end())
            return WSH_E_GONE;
        if (!kit->message_fn)
            return WSH_E_STATE;
        fn = kit->message_fn;
        ud = kit->message_ud;
        user = c->second.user;
        endpoint = c->second.endpoint;
    }
    wsh_message msg{};
    msg.struct_size = sizeof msg;
    msg.api = &kit->api;
    msg.host = &kit->handle;
    msg.conn = conn;
    msg.endpoint = view(endpoint);
    msg.opcode = opcode;
    msg.data = view(bytes);
    msg.user_id = view(user);
    const int rc = fn(&msg, ud);
    if (rc != WSH_OK) {
        std::lock_guard lock(kit->mu);
        queue_failure_hook(kit, WSH_HOOK_UNHANDLED_EXCEPTION, conn, "", "",
                           "message handler returned status " + std::to_string(rc));
    }
    pump(kit);
    return rc;
}

void wsh_testkit_allow_anonymous(wsh_testkit *kit, int allow)
{
    if (!kit)
        return;
    std::lock_guard lock(kit->mu);
    kit->allow_anonymous = allow != 0;
}

wsh_auth_id wsh_testkit_authenticate(wsh_testkit *kit, const wsh_testkit_upgrade *up,
                                     wsh_testkit_verdict *out)
{
    if (out) {
        *out = wsh_testkit_verdict{};
        out->struct_size = sizeof *out;
    }
    if (!kit)
        return 0;
    kit->error.clear();
    if (!up || up->struct_size < kUpgradeMin || (!up->headers && up->headers_count)) {
        kit->error = "NULL upgrade, struct_size too small or NULL headers with a count";
        return 0;
    }
    const std::string endpoint = or_default(up->endpoint, "/");
    const std::string path = or_default(up->path, endpoint.c_str()), query = or_default(up->query, "");
    const std::string peer = or_default(up->peer, "127.0.0.1"), origin = or_default(up->origin, "");
    std::vector<std::pair<std::string, std::string>> headers;
    for (size_t i = 0; i < up->headers_count; ++i) {
        std::string k = to_string(up->headers[i].key);
        for (char &ch : k)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        headers.emplace_back(std::move(k), to_string(up->headers[i].value));
    }
    std::vector<wsh_tag> header_views;
    for (auto &h : headers)
        header_views.push_back(wsh_tag{view(h.first), view(h.second)});
    wsh_auth_fn fn;
    void *ud;
    wsh_auth_id auth;
    wsh_conn_id conn;
    {
        std::lock_guard lock(kit->mu);
        if (!kit->loaded || !kit->auth_fn) {
            kit->error = "the plugin registered no authenticator";
            return 0;
        }
        fn = kit->auth_fn;
        ud = kit->auth_ud;
        auth = kit->next_auth++;
        conn = kit->next_conn++;
        Verdict &v = kit->verdicts[auth];
        v.conn = conn;
        v.endpoint = endpoint;
        v.subprotocol = or_default(up->subprotocol, "");
        v.peer = peer;
    }
    wsh_auth_request req{};
    req.struct_size = sizeof req;
    req.api = &kit->api;
    req.host = &kit->handle;
    req.auth = auth;
    req.conn = conn;
    req.path = view(path);
    req.query = view(query);
    req.peer = view(peer);
    req.origin = view(origin);
    req.headers = header_views.empty() ? nullptr : header_views.data();
    req.headers_count = header_views.size();
    const int rc = fn(&req, ud);
    {
        std::lock_guard lock(kit->mu);
        auto it = kit->verdicts.find(auth);
        if (it != kit->verdicts.end()) {
            it->second.authenticator_status = rc;
            if (rc != WSH_OK && it->second.open) { // a verdict given inside the call stands
                it->second.open = false;
                it->second.kind = WSH_TESTKIT_VERDICT_REJECT;
                it->second.reason = "authenticator failed (status " + std::to_string(rc) + ")";
            }
        }
    }
    pump(kit);
    wsh_testkit_get_verdict(kit, auth, out);
    return auth;
}

int wsh_testkit_expire_verdict(wsh_testkit *kit, wsh_auth_id auth)
{
    if (!kit)
        return 0;
    std::lock_guard lock(kit->mu);
    auto it = kit->verdicts.find(auth);
    if (it == kit->verdicts.end() || !it->second.open)
        return 0;
    it->second.open = false;
    it->second.kind = WSH_TESTKIT_VERDICT_REJECT;
    it->second.reason = "timeout";
    return 1;
}

int wsh_testkit_fire_hook(wsh_testkit *kit, const wsh_event *ev)
{
    if (!kit || !ev)
        return 0;
    wsh_event copy = *ev;
    copy.struct_size = sizeof copy;
    pump(kit);
    const int delivered = wshost::testkit::run_hook(kit, copy);
    pump(kit);
    return delivered;
}

} // extern "C"

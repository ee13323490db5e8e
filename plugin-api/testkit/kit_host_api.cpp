// The fake host's function table, part 1: registration, replies, log and
// verdicts (the gateway is kit_gateway.cpp). Every entry is noexcept, checks
// its arguments in the order plugin.h lists the codes, and records the call
// with the status it returns.
#include "kit_state.h"

#include "json/json_members.h"
#include "json/json_scan.h"
#include "json/name_rule.h"

#include <cctype>
#include <optional>

namespace wshost::testkit
{

void fill_gateway_api(wsh_host_api &api); // kit_gateway.cpp

namespace
{

wsh_testkit *kit_of(wsh_host *host)
{
    return host ? host->kit : nullptr;
}

bool bad_str(wsh_str s)
{
    return !s.ptr && s.len > 0;
}

int register_action(wsh_host *host, wsh_str name, wsh_action_fn fn, void *user_data) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    if (!kit->in_init)
        return WSH_E_STATE;
    const std::string n = to_string(name);
    if (bad_str(name) || n.empty() || n.size() > 128 || n.find('\0') != std::string::npos || !fn)
        return WSH_E_INVALID;
    if (!kit->actions.emplace(n, Registered{fn, user_data}).second) {
        kit->duplicate_action = true;
        kit->error = "duplicate action '" + n + "'";
        return WSH_E_EXISTS;
    }
    return WSH_OK;
}

int register_hook(wsh_host *host, wsh_hook_kind kind, wsh_hook_fn fn, void *user_data) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    if (!kit->in_init)
        return WSH_E_STATE;
    const int k = static_cast<int>(kind);
    if (k < 0 || k >= WSH_HOOK_KIND_COUNT || !fn)
        return WSH_E_INVALID;
    if (kit->hooks[k].fn)
        return WSH_E_EXISTS;
    kit->hooks[k] = HookReg{fn, user_data};
    return WSH_OK;
}

int register_authenticator(wsh_host *host, wsh_auth_fn fn, void *user_data, const wsh_str *extra,
                           size_t extra_count) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    if (!kit->in_init)
        return WSH_E_STATE;
    if (!fn || (!extra && extra_count))
        return WSH_E_INVALID;
    std::vector<std::string> names;
    for (size_t i = 0; i < extra_count; ++i) {
        if (bad_str(extra[i]) || extra[i].len == 0 || extra[i].len > 128)
            return WSH_E_INVALID;
        std::string n = to_string(extra[i]);
        for (char &c : n) {
            const unsigned char u = static_cast<unsigned char>(c);
            // An HTTP token (RFC 9110 tchar), lowercased: headers match case-insensitively.
            if (!std::isalnum(u) && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos)
                return WSH_E_INVALID;
            c = static_cast<char>(std::tolower(u));
        }
        names.push_back(std::move(n));
    }
    if (kit->auth_fn)
        return WSH_E_EXISTS;
    kit->auth_fn = fn;
    kit->auth_ud = user_data;
    kit->extra_headers = std::move(names);
    return WSH_OK;
}

int register_message_handler(wsh_host *host, wsh_message_fn fn, void *user_data) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    if (!kit->in_init)
        return WSH_E_STATE;
    if (!fn)
        return WSH_E_INVALID;
    if (kit->message_fn)
        return WSH_E_EXISTS;
    kit->message_fn = fn;
    kit->message_ud = user_data;
    return WSH_OK;
}

// The open reply `id`, or null (unknown, answered, timed out, unloaded).
Reply *open_reply(wsh_testkit *kit, wsh_reply_id id)
{
    if (!kit->loaded)
        return nullptr;
    auto it = kit->replies.find(id);
    return it != kit->replies.end() && it->second.open ? &it->second : nullptr;
}

void answered_locked(wsh_testkit *kit, wsh_reply_id id, Reply &r)
{
    r.open = false;
    Event &e = record_locked(kit, WSH_TESTKIT_EV_REPLY, 0);
    e.conn = r.conn;
    e.reply = id;
    e.code = r.kind;
}

// Both success replies: the payload text make_payload() returns, or nothing
// when the plugin's reply is refused (which uses the reply up as
// handler_failed, as on the host).
template <typename MakePayload>
int answer_success(wsh_host *host, wsh_reply_id id, const char *refusal, MakePayload &&make_payload) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    Reply *r = open_reply(kit, id);
    if (!r)
        return WSH_E_GONE;
    std::optional<std::string> text = make_payload();
    if (!text) {
        host_answer_locked(kit, id, *r, "handler_failed", refusal);
        return WSH_E_INVALID;
    }
    r->kind = WSH_TESTKIT_REPLY_SUCCESS;
    r->payload = std::move(*text);
    answered_locked(kit, id, *r);
    return WSH_OK;
}

int reply_success(wsh_host *host, wsh_reply_id id, wsh_str payload) noexcept
{
    return answer_success(host, id, "The handler's reply was not one JSON object.",
                          [&]() -> std::optional<std::string> {
                              std::string text = payload.len ? to_string(payload) : std::string("{}");
                              if (bad_str(payload) || !wshost::is_json_object(text))
                                  return std::nullopt;
                              return text;
                          });
}

// The host's own writer (json_members.cpp): the kit records the payload text
// a client would get.
int reply_members(wsh_host *host, wsh_reply_id id, const wsh_member *members, size_t count) noexcept
{
    return answer_success(host, id, "The handler's reply members were malformed.",
                          [&]() -> std::optional<std::string> {
                              MemberPayload payload;
                              if (!payload.check(members, count))
                                  return std::nullopt;
                              std::string text(payload.size(), '\0');
                              payload.write(text.data());
                              return text;
                          });
}

bool valid_error_code(wsh_str code)
{
    if (bad_str(code) || code.len == 0 || code.len > 64)
        return false;
    for (size_t i = 0; i < code.len; ++i) {
        const char c = code.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

int reply_error(wsh_host *host, wsh_reply_id id, wsh_str code, wsh_str message) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    Reply *r = open_reply(kit, id);
    if (!r)
        return WSH_E_GONE;
    if (!valid_error_code(code) || bad_str(message)) {
        host_answer_locked(kit, id, *r, "handler_failed", "The handler's error reply was malformed.");
        return WSH_E_INVALID;
    }
    r->kind = WSH_TESTKIT_REPLY_ERROR;
    r->code = to_string(code);
    r->message = to_string(message);
    answered_locked(kit, id, *r);
    return WSH_OK;
}

int reply_none(wsh_host *host, wsh_reply_id id) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    Reply *r = open_reply(kit, id);
    if (!r)
        return WSH_E_GONE;
    r->kind = WSH_TESTKIT_REPLY_NONE;
    answered_locked(kit, id, *r);
    return WSH_OK;
}

void log(wsh_host *host, wsh_log_level level, wsh_str message) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit || bad_str(message))
        return;
    std::lock_guard lock(kit->mu);
    Event &e = record_locked(kit, WSH_TESTKIT_EV_LOG, 0);
    e.code = static_cast<int>(level);
    e.data = to_string(message);
}

// ---- verdicts ---------------------------------------------------------------

Verdict *open_verdict(wsh_testkit *kit, wsh_auth_id id)
{
    if (!kit->loaded)
        return nullptr;
    auto it = kit->verdicts.find(id);
    return it != kit->verdicts.end() && it->second.open ? &it->second : nullptr;
}

void verdict_event_locked(wsh_testkit *kit, wsh_auth_id id, const Verdict &v, int status,
                          wsh_testkit_verdict_kind kind)
{
    Event &e = record_locked(kit, WSH_TESTKIT_EV_VERDICT, status);
    e.auth = id;
    e.conn = v.conn;
    e.code = kind;
    if (status == WSH_OK) {
        e.user = v.user;
        e.data = v.reason;
    }
}

void finish_verdict_locked(wsh_testkit *kit, Verdict &v, wsh_testkit_verdict_kind kind)
{
    v.open = false;
    v.kind = kind;
    v.tag_views.clear();
    for (auto &t : v.tags)
        v.tag_views.push_back(wsh_tag{view(t.first), view(t.second)});
    const bool admit =
        kind == WSH_TESTKIT_VERDICT_ACCEPT || (kind == WSH_TESTKIT_VERDICT_ANONYMOUS && kit->allow_anonymous);
    if (kind == WSH_TESTKIT_VERDICT_ANONYMOUS && !admit)
        v.reason = "anonymous not allowed";
    if (admit) {
        v.admitted = true;
        admit_locked(kit, v.conn, v.user, v.tags, v.endpoint, v.subprotocol, v.peer);
    }
}

int auth_accept(wsh_host *host, wsh_auth_id auth, wsh_str user_id, const wsh_tag *tags, size_t tags_count,
                wsh_str metadata_json) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    Verdict *v = open_verdict(kit, auth);
    bool ok = !bad_str(user_id) &&
              wshost::valid_name(std::string_view(user_id.ptr ? user_id.ptr : "", user_id.len)) &&
              (tags || !tags_count) && !bad_str(metadata_json);
    std::vector<std::pair<std::string, std::string>> copied;
    for (size_t i = 0; ok && i < tags_count; ++i) {
        const std::string k = to_string(tags[i].key), val = to_string(tags[i].value);
        ok = !bad_str(tags[i].key) && !bad_str(tags[i].value) && wshost::valid_name(k) &&
             wshost::valid_name(val);
        copied.emplace_back(k, val);
    }
    if (ok && metadata_json.len)
        ok = wshost::is_json_object(to_string(metadata_json));
    const int status = !v ? WSH_E_GONE : !ok ? WSH_E_INVALID : WSH_OK;
    if (v && status == WSH_OK) {
        v->user = to_string(user_id);
        v->tags = std::move(copied);
        finish_verdict_locked(kit, *v, WSH_TESTKIT_VERDICT_ACCEPT);
    }
    Verdict none;
    verdict_event_locked(kit, auth, v ? *v : none, status, WSH_TESTKIT_VERDICT_ACCEPT);
    return status;
}

int auth_reject(wsh_host *host, wsh_auth_id auth, wsh_str reason) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    Verdict *v = open_verdict(kit, auth);
    const int status = bad_str(reason) ? WSH_E_INVALID : !v ? WSH_E_GONE : WSH_OK;
    if (status == WSH_OK) {
        v->reason = to_string(reason);
        finish_verdict_locked(kit, *v, WSH_TESTKIT_VERDICT_REJECT);
    }
    Verdict none;
    verdict_event_locked(kit, auth, v ? *v : none, status, WSH_TESTKIT_VERDICT_REJECT);
    return status;
}

int auth_anonymous(wsh_host *host, wsh_auth_id auth) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    Verdict *v = open_verdict(kit, auth);
    const int status = !v ? WSH_E_GONE : WSH_OK;
    if (v)
        finish_verdict_locked(kit, *v, WSH_TESTKIT_VERDICT_ANONYMOUS);
    Verdict none;
    verdict_event_locked(kit, auth, v ? *v : none, status, WSH_TESTKIT_VERDICT_ANONYMOUS);
    return status;
}

} // namespace

void fill_api(wsh_host_api &api)
{
    api = wsh_host_api{};
    api.struct_size = sizeof(wsh_host_api);
    api.abi_major = WSH_ABI_MAJOR;
    api.abi_minor = WSH_ABI_MINOR;
    api.register_action = register_action;
    api.register_hook = register_hook;
    api.reply_success = reply_success;
    api.reply_error = reply_error;
    api.reply_none = reply_none;
    api.reply_members = reply_members;
    api.log = log;
    api.register_authenticator = register_authenticator;
    api.auth_accept = auth_accept;
    api.auth_reject = auth_reject;
    api.auth_anonymous = auth_anonymous;
    api.register_message_handler = register_message_handler;
    fill_gateway_api(api);
}

} // namespace wshost::testkit

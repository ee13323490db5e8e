// The record of what the plugin did, and its public readers (testkit.h
// section "The record"). Readers take kit->mu; the views they hand out
// point into elements of kit->events, which never move until a reset.
#include "kit_state.h"

#include <cstring>

namespace wshost::testkit
{

Event &record_locked(wsh_testkit *kit, wsh_testkit_event_kind kind, int status)
{
    Event &e = kit->events.emplace_back();
    e.kind = kind;
    e.status = status;
    kit->cv.notify_all();
    return e;
}

void host_answer_locked(wsh_testkit *kit, wsh_reply_id id, Reply &r, const char *code, std::string message)
{
    r.open = false;
    r.kind = WSH_TESTKIT_REPLY_ERROR;
    r.code = code;
    r.message = std::move(message);
    r.by_host = true;
    Event &e = record_locked(kit, WSH_TESTKIT_EV_REPLY, 0);
    e.conn = r.conn;
    e.reply = id;
    e.code = r.kind;
}

void fill_reply(const Reply &r, wsh_reply_id id, wsh_testkit_reply *out)
{
    *out = wsh_testkit_reply{};
    out->struct_size = sizeof *out;
    out->id = id;
    out->conn = r.conn;
    out->kind = r.kind;
    out->payload = view(r.payload);
    out->code = view(r.code);
    out->message = view(r.message);
    out->by_host = r.by_host ? 1 : 0;
    out->handler_status = r.handler_status;
}

void fill_verdict(const Verdict &v, wsh_auth_id id, wsh_testkit_verdict *out)
{
    *out = wsh_testkit_verdict{};
    out->struct_size = sizeof *out;
    out->auth = id;
    out->kind = v.kind;
    out->conn = v.conn;
    out->admitted = v.admitted ? 1 : 0;
    out->user_id = view(v.user);
    if (!v.open) { // the tag views are built once, when the verdict is final
        out->tags = v.tag_views.empty() ? nullptr : v.tag_views.data();
        out->tags_count = v.tag_views.size();
        out->reason = view(v.reason);
    }
    out->authenticator_status = v.authenticator_status;
}

namespace
{

void fill_event(const Event &e, size_t index, wsh_testkit_event *out)
{
    *out = wsh_testkit_event{};
    out->struct_size = sizeof *out;
    out->kind = e.kind;
    out->index = index;
    out->status = e.status;
    out->conn = e.conn;
    out->user = view(e.user);
    out->room = view(e.room);
    out->key = view(e.key);
    out->value = view(e.value);
    out->data = view(e.data);
    out->binary = e.binary;
    out->code = e.code;
    out->reply = e.reply;
    out->auth = e.auth;
    out->target = e.target ? &e.target->target : nullptr;
    out->receipt = e.receipt;
    out->recipients = e.recipients.empty() ? nullptr : e.recipients.data();
    out->recipients_count = e.recipients.size();
    out->changed = e.changed;
    out->delivered = e.delivered;
}

} // namespace
} // namespace wshost::testkit

using namespace wshost::testkit;

extern "C" {

size_t wsh_testkit_event_count(const wsh_testkit *kit)
{
    if (!kit)
        return 0;
    std::lock_guard lock(kit->mu);
    return kit->events.size();
}

int wsh_testkit_event_at(const wsh_testkit *kit, size_t index, wsh_testkit_event *out)
{
    if (!kit || !out)
        return 0;
    std::lock_guard lock(kit->mu);
    if (index >= kit->events.size())
        return 0;
    fill_event(kit->events[index], index, out);
    return 1;
}

int wsh_testkit_next_event(const wsh_testkit *kit, wsh_testkit_event_kind kind, size_t *cursor,
                           wsh_testkit_event *out)
{
    if (!kit || !cursor)
        return 0;
    std::lock_guard lock(kit->mu);
    for (size_t i = *cursor; i < kit->events.size(); ++i)
        if (kind == WSH_TESTKIT_EV_ANY || kit->events[i].kind == kind) {
            if (out)
                fill_event(kit->events[i], i, out);
            *cursor = i + 1;
            return 1;
        }
    return 0;
}

int wsh_testkit_next_frame(const wsh_testkit *kit, wsh_conn_id conn, size_t *cursor, wsh_testkit_frame *out)
{
    if (!kit || !cursor)
        return 0;
    std::lock_guard lock(kit->mu);
    for (size_t i = *cursor; i < kit->events.size(); ++i) {
        const Event &e = kit->events[i];
        if (e.kind != WSH_TESTKIT_EV_SEND || e.status != WSH_OK)
            continue;
        for (wsh_conn_id r : e.recipients)
            if (r == conn) {
                if (out) {
                    *out = wsh_testkit_frame{};
                    out->struct_size = sizeof *out;
                    out->data = view(e.data);
                    out->binary = e.binary;
                    out->event = i;
                }
                *cursor = i + 1;
                return 1;
            }
    }
    return 0;
}

int wsh_testkit_get_reply(const wsh_testkit *kit, wsh_reply_id id, wsh_testkit_reply *out)
{
    if (!kit)
        return 0;
    std::lock_guard lock(kit->mu);
    auto it = kit->replies.find(id);
    if (it == kit->replies.end()) {
        if (out)
            *out = wsh_testkit_reply{
                sizeof(wsh_testkit_reply), 0, 0, WSH_TESTKIT_REPLY_PENDING, {}, {}, {}, 0, 0};
        return 0;
    }
    if (out)
        fill_reply(it->second, id, out);
    return 1;
}

int wsh_testkit_get_verdict(const wsh_testkit *kit, wsh_auth_id auth, wsh_testkit_verdict *out)
{
    if (!kit)
        return 0;
    std::lock_guard lock(kit->mu);
    auto it = kit->verdicts.find(auth);
    if (it == kit->verdicts.end()) {
        if (out) {
            *out = wsh_testkit_verdict{};
            out->struct_size = sizeof *out;
        }
        return 0;
    }
    if (out)
        fill_verdict(it->second, auth, out);
    return 1;
}

int wsh_testkit_str_eq(wsh_str s, const char *text)
{
    const size_t n = text ? std::strlen(text) : 0;
    return s.len == n && (n == 0 || std::memcmp(s.ptr, text, n) == 0);
}

int wsh_testkit_logged(const wsh_testkit *kit, const char *needle)
{
    if (!kit || !needle)
        return 0;
    std::lock_guard lock(kit->mu);
    for (const Event &e : kit->events)
        if (e.kind == WSH_TESTKIT_EV_LOG && e.data.find(needle) != std::string::npos)
            return 1;
    return 0;
}

} // extern "C"

// gatekit's record of room and disconnect hooks, and gk_events.
#include "gatekit.h"

#include <mutex>
#include <string>
#include <utility>

namespace gatekit
{
namespace
{

bool matches(const Event &e, const Waiter &w)
{
    return e.index >= w.since && e.kind == w.kind && (w.conn == 0 || e.conn == w.conn) &&
           (w.room.empty() || e.room == w.room);
}

void add_event(cJSON *list, const Event &e)
{
    cJSON *o = cJSON_CreateObject();
    add_u64(o, "i", e.index);
    cJSON_AddStringToObject(o, "kind", e.kind.c_str());
    add_id(o, "connection", e.conn);
    add_str_or_null(o, "user", e.user);
    add_str_or_null(o, "room", e.room);
    if (e.kind == "disconnected")
        cJSON_AddNumberToObject(o, "close_code", e.close_code);
    else
        cJSON_AddNullToObject(o, "close_code");
    cJSON_AddItemToArray(list, o);
}

} // namespace

std::string Gatekit::events_answer(uint64_t since) const
{
    Json r = object();
    cJSON *list = cJSON_AddArrayToObject(r.get(), "events");
    for (const Event &e : events_)
        if (e.index >= since)
            add_event(list, e);
    add_u64(r.get(), "next", events_.size());
    return print(r.get());
}

Reply Gatekit::events(const Request &req, const cJSON *payload)
{
    const uint64_t since = uint_member(payload, "since", 0, uint64_t{1} << 40, 0);
    const cJSON *wait = opt_member(payload, "wait");
    std::lock_guard lock(mu_);
    if (!wait)
        return reply_success(events_answer(since));
    if (!cJSON_IsObject(wait))
        bad("'wait' must be an object");
    Waiter w{since, str_member(wait, "kind"), 0, {}, req.responder()};
    if (w.kind != "joined" && w.kind != "left" && w.kind != "disconnected")
        bad("'wait.kind' must be joined, left or disconnected");
    if (opt_member(wait, "connection"))
        w.conn = conn_member(wait, "connection", req.conn);
    if (const cJSON *room = opt_member(wait, "room")) {
        if (!cJSON_IsString(room))
            bad("'wait.room' must be a string");
        w.room = room->valuestring;
    }
    for (const Event &e : events_)
        if (matches(e, w))
            return reply_success(events_answer(since));
    waiters_.push_back(std::move(w));
    return wshost::reply_later();
}

void Gatekit::record(const char *kind, const wsh_event &ev)
{
    std::lock_guard lock(mu_);
    Event e{events_.size(),
            kind,
            ev.conn,
            std::string(wshost::to_view(ev.user_id)),
            std::string(wshost::to_view(ev.room)),
            ev.close_code};
    events_.push_back(e);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (matches(e, *it)) {
            it->responder.success(events_answer(it->since));
            it = waiters_.erase(it);
        } else {
            ++it;
        }
    }
}

} // namespace gatekit

// The fake host's function table, part 2: the gateway (plugin.h, "Gateway").
// Sends select the kit's live connections with the host's targeting model;
// users, tags and rooms change the kit's state and queue the hooks the host
// would fire.
#include "kit_state.h"

#include "json/json_scan.h"
#include "json/name_rule.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace wshost::testkit
{
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

bool name_ok(wsh_str s)
{
    return !bad_str(s) && s.len > 0 && wshost::valid_name(std::string_view(s.ptr, s.len));
}

// The live, not-closing-yet-or-closing connection `id` (null when gone).
Conn *live(wsh_testkit *kit, wsh_conn_id id)
{
    auto it = kit->conns.find(id);
    return it == kit->conns.end() ? nullptr : &it->second;
}

// Validates `t` as the host does and copies it; null when malformed.
std::unique_ptr<TargetCopy> copy_target(const wsh_target *t)
{
    if (!t || t->struct_size < sizeof(wsh_target))
        return nullptr;
    auto c = std::make_unique<TargetCopy>();
    c->target = *t;
    c->target.struct_size = sizeof(wsh_target);
    auto copy_users = [](const wsh_str *in, size_t n, std::vector<std::string> &store,
                         std::vector<wsh_str> &views) {
        if (!in && n)
            return false;
        for (size_t i = 0; i < n; ++i) {
            if (!name_ok(in[i]))
                return false;
            store.push_back(to_string(in[i]));
        }
        for (auto &s : store)
            views.push_back(view(s));
        return true;
    };
    // A C plugin may store any number in the enum: read it as the integer it is.
    std::underlying_type_t<wsh_target_kind> kind;
    std::memcpy(&kind, &t->kind, sizeof kind);
    switch (kind) {
    case WSH_TARGET_CONNECTION:
    case WSH_TARGET_ALL:
        break;
    case WSH_TARGET_USER:
        if (!name_ok(t->user))
            return nullptr;
        c->user = to_string(t->user);
        break;
    case WSH_TARGET_USERS:
        if (!copy_users(t->users, t->users_count, c->users_store, c->users))
            return nullptr;
        break;
    case WSH_TARGET_ROOM:
        if (!name_ok(t->room))
            return nullptr;
        c->room = to_string(t->room);
        break;
    case WSH_TARGET_TAGS:
        if (!t->tags || t->tags_count == 0)
            return nullptr; // an empty predicate would match everyone: refused
        for (size_t i = 0; i < t->tags_count; ++i) {
            if (!name_ok(t->tags[i].key) || !name_ok(t->tags[i].value))
                return nullptr;
            std::string k = to_string(t->tags[i].key), v = to_string(t->tags[i].value);
            for (auto &have : c->tags_store)
                if (have.first == k && have.second != v)
                    return nullptr; // one key asked with two values can match nothing
            c->tags_store.emplace_back(std::move(k), std::move(v));
        }
        break;
    default:
        return nullptr;
    }
    if (!copy_users(t->except_users, t->except_users_count, c->except_users_store, c->except_users))
        return nullptr;
    if (!t->except_conns && t->except_conns_count)
        return nullptr;
    c->except_conns.assign(t->except_conns, t->except_conns + t->except_conns_count);
    // Point the copy at its own storage; fields of other kinds are cleared.
    c->target.user = view(c->user);
    c->target.room = view(c->room);
    c->target.users = c->users.empty() ? nullptr : c->users.data();
    c->target.users_count = c->users.size();
    for (auto &p : c->tags_store)
        c->tags.push_back(wsh_tag{view(p.first), view(p.second)});
    c->target.tags = c->tags.empty() ? nullptr : c->tags.data();
    c->target.tags_count = c->tags.size();
    c->target.except_users = c->except_users.empty() ? nullptr : c->except_users.data();
    c->target.except_users_count = c->except_users.size();
    c->target.except_conns = c->except_conns.empty() ? nullptr : c->except_conns.data();
    c->target.except_conns_count = c->except_conns.size();
    if (t->kind != WSH_TARGET_CONNECTION)
        c->target.conn = 0;
    return c;
}

bool selects(const TargetCopy &t, const Conn &c, const std::map<std::string, std::set<wsh_conn_id>> &rooms)
{
    switch (t.target.kind) {
    case WSH_TARGET_CONNECTION:
        return c.id == t.target.conn;
    case WSH_TARGET_USER:
        return !c.user.empty() && c.user == t.user;
    case WSH_TARGET_USERS:
        return !c.user.empty() &&
               std::find(t.users_store.begin(), t.users_store.end(), c.user) != t.users_store.end();
    case WSH_TARGET_ROOM: {
        auto it = rooms.find(t.room);
        return it != rooms.end() && it->second.count(c.id);
    }
    case WSH_TARGET_TAGS:
        for (auto &want : t.tags_store) {
            auto it = c.tags.find(want.first);
            if (it == c.tags.end() || it->second != want.second)
                return false;
        }
        return true;
    case WSH_TARGET_ALL:
        return true;
    }
    return false;
}

bool excluded(const TargetCopy &t, const Conn &c)
{
    if (std::find(t.except_conns.begin(), t.except_conns.end(), c.id) != t.except_conns.end())
        return true;
    return !c.user.empty() && std::find(t.except_users_store.begin(), t.except_users_store.end(), c.user) !=
                                  t.except_users_store.end();
}

int send(wsh_host *host, const wsh_target *target, wsh_str data, int binary, wsh_receipt *receipt) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    std::unique_ptr<TargetCopy> t = copy_target(target);
    int status = WSH_OK;
    if (!t || bad_str(data) ||
        (!binary && !wshost::valid_utf8(std::string_view(data.ptr ? data.ptr : "", data.len))))
        status = WSH_E_INVALID;
    else if (!kit->loaded)
        status = WSH_E_GONE;
    Event &e = record_locked(kit, WSH_TESTKIT_EV_SEND, status);
    e.data = to_string(data);
    e.binary = binary ? 1 : 0;
    if (t && t->target.kind == WSH_TARGET_CONNECTION)
        e.conn = t->target.conn;
    if (status == WSH_OK) {
        for (auto &[id, c] : kit->conns)
            if (selects(*t, c, kit->rooms) && !excluded(*t, c)) {
                e.recipients.push_back(id);
                (c.closing ? e.receipt.dropped : e.receipt.enqueued)++;
            }
        e.receipt.matched = e.recipients.size();
    }
    e.receipt.struct_size = sizeof(wsh_receipt);
    if (status == WSH_OK && receipt && receipt->struct_size >= sizeof(wsh_receipt)) {
        receipt->matched = e.receipt.matched;
        receipt->enqueued = e.receipt.enqueued;
        receipt->dropped = e.receipt.dropped;
    }
    e.target = std::move(t);
    return status;
}

int set_user(wsh_host *host, wsh_conn_id conn, wsh_str user_id) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    Conn *c = live(kit, conn);
    const int status = user_id.len && !name_ok(user_id) ? WSH_E_INVALID
                       : bad_str(user_id)               ? WSH_E_INVALID
                       : !kit->loaded || !c             ? WSH_E_GONE
                                                        : WSH_OK;
    if (status == WSH_OK)
        c->user = to_string(user_id);
    Event &e = record_locked(kit, WSH_TESTKIT_EV_SET_USER, status);
    e.conn = conn;
    e.user = to_string(user_id);
    return status;
}

int set_tag(wsh_host *host, wsh_conn_id conn, wsh_str key, wsh_str value) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    Conn *c = live(kit, conn);
    const int status = !name_ok(key) || !name_ok(value) ? WSH_E_INVALID
                       : !kit->loaded || !c             ? WSH_E_GONE
                                                        : WSH_OK;
    if (status == WSH_OK)
        c->tags[to_string(key)] = to_string(value);
    Event &e = record_locked(kit, WSH_TESTKIT_EV_SET_TAG, status);
    e.conn = conn;
    e.key = to_string(key);
    e.value = to_string(value);
    return status;
}

int remove_tag(wsh_host *host, wsh_conn_id conn, wsh_str key) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    Conn *c = live(kit, conn);
    const int status = !name_ok(key) ? WSH_E_INVALID : !kit->loaded || !c ? WSH_E_GONE : WSH_OK;
    if (status == WSH_OK)
        c->tags.erase(to_string(key));
    Event &e = record_locked(kit, WSH_TESTKIT_EV_REMOVE_TAG, status);
    e.conn = conn;
    e.key = to_string(key);
    return status;
}

int join_or_leave(wsh_host *host, wsh_conn_id conn, wsh_str room, bool join) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    Conn *c = live(kit, conn);
    int status = !name_ok(room) ? WSH_E_INVALID : !kit->loaded || !c ? WSH_E_GONE : WSH_OK;
    bool changed = false;
    if (status == WSH_OK) {
        changed = join ? join_locked(kit, *c, to_string(room)) : leave_locked(kit, *c, to_string(room));
        if (!changed)
            // leave_room's "not a member" is 1.1; a 1.0 plugin gets what 1.0 documented.
            status = join                                   ? WSH_E_EXISTS
                     : kit->def && kit->def->abi_minor >= 1 ? WSH_E_NOT_MEMBER
                                                            : WSH_E_GONE;
    }
    Event &e = record_locked(kit, join ? WSH_TESTKIT_EV_JOIN_ROOM : WSH_TESTKIT_EV_LEAVE_ROOM, status);
    e.conn = conn;
    e.room = to_string(room);
    e.changed = changed ? 1 : 0;
    return status;
}

int join_room(wsh_host *host, wsh_conn_id conn, wsh_str room) noexcept
{
    return join_or_leave(host, conn, room, true);
}
int leave_room(wsh_host *host, wsh_conn_id conn, wsh_str room) noexcept
{
    return join_or_leave(host, conn, room, false);
}

int user_join_or_leave(wsh_host *host, wsh_str user, wsh_str room, size_t *changed, bool join) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    const int status = !name_ok(user) || !name_ok(room) ? WSH_E_INVALID : !kit->loaded ? WSH_E_GONE : WSH_OK;
    size_t n = 0;
    if (status == WSH_OK) {
        const std::string u = to_string(user), r = to_string(room);
        for (auto &[id, c] : kit->conns)
            if (c.user == u && (join ? join_locked(kit, c, r) : leave_locked(kit, c, r)))
                ++n;
    }
    if (changed && status == WSH_OK)
        *changed = n;
    Event &e = record_locked(kit, join ? WSH_TESTKIT_EV_JOIN_ROOM : WSH_TESTKIT_EV_LEAVE_ROOM, status);
    e.user = to_string(user);
    e.room = to_string(room);
    e.changed = n;
    return status;
}

int join_room_user(wsh_host *host, wsh_str user, wsh_str room, size_t *changed) noexcept
{
    return user_join_or_leave(host, user, room, changed, true);
}
int leave_room_user(wsh_host *host, wsh_str user, wsh_str room, size_t *changed) noexcept
{
    return user_join_or_leave(host, user, room, changed, false);
}

int room_count(wsh_host *host, wsh_str room, size_t *count) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    if (!name_ok(room) || !count)
        return WSH_E_INVALID;
    if (!kit->loaded)
        return WSH_E_GONE;
    auto it = kit->rooms.find(to_string(room));
    *count = it == kit->rooms.end() ? 0 : it->second.size();
    return WSH_OK;
}

// Copies of connections, with the wsh_conn_info views over them.
struct InfoCopies {
    std::vector<Conn> conns;
    std::vector<std::vector<wsh_tag>> tags;
    std::vector<std::vector<wsh_str>> rooms;
    std::vector<wsh_conn_info> infos;

    void build()
    {
        tags.resize(conns.size());
        rooms.resize(conns.size());
        for (size_t i = 0; i < conns.size(); ++i) {
            const Conn &c = conns[i];
            for (auto &t : c.tags)
                tags[i].push_back(wsh_tag{view(t.first), view(t.second)});
            for (auto &r : c.rooms)
                rooms[i].push_back(view(r));
            wsh_conn_info info{};
            info.struct_size = sizeof info;
            info.conn = c.id;
            info.user_id = view(c.user);
            info.peer = view(c.peer);
            info.tags = tags[i].empty() ? nullptr : tags[i].data();
            info.tags_count = tags[i].size();
            info.rooms = rooms[i].empty() ? nullptr : rooms[i].data();
            info.rooms_count = rooms[i].size();
            info.endpoint = view(c.endpoint);
            info.subprotocol = view(c.subprotocol);
            infos.push_back(info);
        }
    }
};

int room_members(wsh_host *host, wsh_str room, wsh_conn_info_fn fn, void *user_data) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    InfoCopies copies;
    {
        std::lock_guard lock(kit->mu);
        if (!name_ok(room) || !fn)
            return WSH_E_INVALID;
        if (!kit->loaded)
            return WSH_E_GONE;
        auto it = kit->rooms.find(to_string(room));
        if (it != kit->rooms.end())
            for (wsh_conn_id id : it->second)
                copies.conns.push_back(kit->conns.at(id));
    }
    copies.build();
    fn(copies.infos.empty() ? nullptr : copies.infos.data(), copies.infos.size(), user_data); // no lock held
    return WSH_OK;
}

int connection_info(wsh_host *host, wsh_conn_id conn, wsh_conn_info_fn fn, void *user_data) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    InfoCopies copies;
    {
        std::lock_guard lock(kit->mu);
        if (!fn)
            return WSH_E_INVALID;
        Conn *c = live(kit, conn);
        if (!kit->loaded || !c)
            return WSH_E_GONE;
        copies.conns.push_back(*c);
    }
    copies.build();
    fn(copies.infos.data(), 1, user_data); // no lock held
    return WSH_OK;
}

int close_connection(wsh_host *host, wsh_conn_id conn, int code, wsh_str reason) noexcept
{
    wsh_testkit *kit = kit_of(host);
    if (!kit)
        return WSH_E_INVALID;
    std::lock_guard lock(kit->mu);
    Conn *c = live(kit, conn);
    const bool code_ok = code == 1000 || (code >= 3000 && code <= 4999);
    const bool reason_ok = !bad_str(reason) && reason.len <= 123 &&
                           wshost::valid_utf8(std::string_view(reason.ptr ? reason.ptr : "", reason.len));
    const int status = !code_ok || !reason_ok ? WSH_E_INVALID : !kit->loaded || !c ? WSH_E_GONE : WSH_OK;
    if (status == WSH_OK && !c->closing) { // a connection already closing keeps its code
        c->closing = true;
        HookItem item;
        item.kind = kCloseItem;
        item.conn = conn;
        item.close_code = code;
        queue_hook_locked(kit, std::move(item));
    }
    Event &e = record_locked(kit, WSH_TESTKIT_EV_CLOSE, status);
    e.conn = conn;
    e.code = code;
    e.data = to_string(reason);
    return status;
}

} // namespace

void fill_gateway_api(wsh_host_api &api)
{
    api.send = send;
    api.set_user = set_user;
    api.set_tag = set_tag;
    api.remove_tag = remove_tag;
    api.join_room = join_room;
    api.leave_room = leave_room;
    api.join_room_user = join_room_user;
    api.leave_room_user = leave_room_user;
    api.room_count = room_count;
    api.room_members = room_members;
    api.connection_info = connection_info;
    api.close_connection = close_connection;
}

} // namespace wshost::testkit

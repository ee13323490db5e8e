/*
 * wshost/gateway.hpp — typed C++ access to the gateway of plugin.h.
 *
 * Everything here is a thin layer over the C function table: no exception
 * and no STL type crosses into the host. Calls return the host's wsh_status
 * (or a Receipt carrying it) and are safe from any thread between init and
 * fini.
 *
 *     wshost::GatewayApi gw(req.host());
 *     auto r = gw.send(wshost::Target::room("lobby").except_connection(req.conn),
 *                      R"({"event":"hello"})");
 *     // r.status == WSH_OK; r.matched / r.enqueued / r.dropped
 *
 *     gw.join_room(req.conn, "lobby");
 *     for (const auto &m : gw.room_members("lobby")) { ... m.conn, m.user_id ... }
 */
#ifndef WSHOST_GATEWAY_HPP
#define WSHOST_GATEWAY_HPP

#include <wshost/plugin.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wshost
{

/* Who a send reaches (see "Gateway" in plugin.h). Owns its strings. */
class Target
{
  public:
    static Target connection(wsh_conn_id id) { return Target(WSH_TARGET_CONNECTION).with_conn(id); }
    static Target user(std::string_view id) { return Target(WSH_TARGET_USER).with_user(id); }
    static Target users(std::vector<std::string> ids)
    {
        Target t(WSH_TARGET_USERS);
        t.users_ = std::move(ids);
        return t;
    }
    static Target room(std::string_view name) { return Target(WSH_TARGET_ROOM).with_room(name); }
    /* Every pair must match (AND). */
    static Target tags(std::map<std::string, std::string> pairs)
    {
        Target t(WSH_TARGET_TAGS);
        t.tags_ = std::move(pairs);
        return t;
    }
    static Target all() { return Target(WSH_TARGET_ALL); }

    Target &except_user(std::string_view id)
    {
        except_users_.emplace_back(id);
        return *this;
    }
    Target &except_connection(wsh_conn_id id)
    {
        except_conns_.push_back(id);
        return *this;
    }

    /* Calls fn(const wsh_target &) with a C view of this target. */
    template <class Fn> auto with_c(Fn &&fn) const
    {
        std::vector<wsh_str> users, except_users;
        std::vector<wsh_tag> tags;
        for (const auto &u : users_)
            users.push_back(to_wsh(u));
        for (const auto &u : except_users_)
            except_users.push_back(to_wsh(u));
        for (const auto &[k, v] : tags_)
            tags.push_back({to_wsh(k), to_wsh(v)});
        wsh_target t{};
        t.struct_size = sizeof t;
        t.kind = kind_;
        t.conn = conn_;
        t.user = to_wsh(user_);
        t.users = users.data();
        t.users_count = users.size();
        t.room = to_wsh(room_);
        t.tags = tags.data();
        t.tags_count = tags.size();
        t.except_users = except_users.data();
        t.except_users_count = except_users.size();
        t.except_conns = except_conns_.data();
        t.except_conns_count = except_conns_.size();
        return fn(t);
    }

  private:
    explicit Target(wsh_target_kind kind) : kind_(kind) {}
    Target with_conn(wsh_conn_id id) &&
    {
        conn_ = id;
        return std::move(*this);
    }
    Target with_user(std::string_view id) &&
    {
        user_ = id;
        return std::move(*this);
    }
    Target with_room(std::string_view name) &&
    {
        room_ = name;
        return std::move(*this);
    }

    wsh_target_kind kind_;
    wsh_conn_id conn_ = 0;
    std::string user_, room_;
    std::vector<std::string> users_, except_users_;
    std::map<std::string, std::string> tags_;
    std::vector<wsh_conn_id> except_conns_;
};

/* The outcome of a send: the host's status and its delivery receipt. */
struct Receipt {
    int status = WSH_OK;
    uint64_t matched = 0;
    uint64_t enqueued = 0;
    uint64_t dropped = 0;
};

/* An owned copy of wsh_conn_info. */
struct ConnInfo {
    wsh_conn_id conn = 0;
    std::string user_id; /* empty when anonymous */
    std::string peer;
    std::map<std::string, std::string> tags;
    std::vector<std::string> rooms;
    uint64_t queued_messages = 0;
    uint64_t queued_bytes = 0;
    uint64_t queued_bytes_peak = 0;
    uint64_t dropped = 0;

    bool in_room(std::string_view room) const
    {
        for (const auto &r : rooms)
            if (r == room)
                return true;
        return false;
    }
};

class GatewayApi
{
  public:
    explicit GatewayApi(Host host) noexcept : host_(host) {}

    Receipt send(const Target &target, std::string_view data, bool binary = false) const
    {
        Receipt out;
        wsh_receipt r{};
        r.struct_size = sizeof r;
        out.status = target.with_c(
            [&](const wsh_target &t) { return api()->send(handle(), &t, to_wsh(data), binary ? 1 : 0, &r); });
        out.matched = r.matched;
        out.enqueued = r.enqueued;
        out.dropped = r.dropped;
        return out;
    }

    int set_user(wsh_conn_id conn, std::string_view user) const noexcept
    {
        return api()->set_user(handle(), conn, to_wsh(user));
    }
    int set_tag(wsh_conn_id conn, std::string_view key, std::string_view value) const noexcept
    {
        return api()->set_tag(handle(), conn, to_wsh(key), to_wsh(value));
    }
    int remove_tag(wsh_conn_id conn, std::string_view key) const noexcept
    {
        return api()->remove_tag(handle(), conn, to_wsh(key));
    }
    /* WSH_OK joined, WSH_E_EXISTS already a member, WSH_E_GONE closed. */
    int join_room(wsh_conn_id conn, std::string_view room) const noexcept
    {
        return api()->join_room(handle(), conn, to_wsh(room));
    }
    /* WSH_OK left, WSH_E_NOT_MEMBER not a member, WSH_E_GONE closed. */
    int leave_room(wsh_conn_id conn, std::string_view room) const noexcept
    {
        return api()->leave_room(handle(), conn, to_wsh(room));
    }
    std::size_t join_room_user(std::string_view user, std::string_view room) const noexcept
    {
        size_t n = 0;
        api()->join_room_user(handle(), to_wsh(user), to_wsh(room), &n);
        return n;
    }
    std::size_t leave_room_user(std::string_view user, std::string_view room) const noexcept
    {
        size_t n = 0;
        api()->leave_room_user(handle(), to_wsh(user), to_wsh(room), &n);
        return n;
    }
    std::size_t room_count(std::string_view room) const noexcept
    {
        size_t n = 0;
        api()->room_count(handle(), to_wsh(room), &n);
        return n;
    }
    std::vector<ConnInfo> room_members(std::string_view room) const
    {
        std::vector<ConnInfo> out;
        api()->room_members(handle(), to_wsh(room), &collect, &out);
        return out;
    }
    std::optional<ConnInfo> connection_info(wsh_conn_id conn) const
    {
        std::vector<ConnInfo> out;
        if (api()->connection_info(handle(), conn, &collect, &out) != WSH_OK || out.empty())
            return std::nullopt;
        return std::move(out.front());
    }

  private:
    const wsh_host_api *api() const noexcept { return host_.api(); }
    wsh_host *handle() const noexcept { return host_.handle(); }

    static void collect(const wsh_conn_info *infos, size_t count, void *user_data) noexcept
    {
        auto &out = *static_cast<std::vector<ConnInfo> *>(user_data);
        try {
            for (size_t i = 0; i < count; ++i) {
                const wsh_conn_info &in = infos[i];
                ConnInfo c;
                c.conn = in.conn;
                c.user_id.assign(to_view(in.user_id));
                c.peer.assign(to_view(in.peer));
                for (size_t t = 0; t < in.tags_count; ++t)
                    c.tags.emplace(to_view(in.tags[t].key), to_view(in.tags[t].value));
                for (size_t r = 0; r < in.rooms_count; ++r)
                    c.rooms.emplace_back(to_view(in.rooms[r]));
                if (WSH_STRUCT_HAS(wsh_conn_info, &in, dropped)) {
                    c.queued_messages = in.queued_messages;
                    c.queued_bytes = in.queued_bytes;
                    c.queued_bytes_peak = in.queued_bytes_peak;
                    c.dropped = in.dropped;
                }
                out.push_back(std::move(c));
            }
        } catch (...) { /* out of memory: the caller sees what was collected */
        }
    }

    Host host_;
};

} // namespace wshost

#endif /* WSHOST_GATEWAY_HPP */

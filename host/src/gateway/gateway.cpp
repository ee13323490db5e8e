// Gateway: connections, users, tags and rooms.
#include "gateway/gateway.h"

#include "base/log.h"
#include "base/stats.h"

#include <libwebsockets.h>

#include <algorithm>

namespace wshost
{

Gateway::Gateway(const WebSocketConfig &config) : config_(config) {}

void Gateway::attach(ServiceLoop &loop)
{
    loop_ = &loop;
}

void Gateway::set_limits(const WebSocketConfig &config)
{
    std::lock_guard lock(mu_);
    config_ = config;
}

Connection *Gateway::find(wsh_conn_id id) const
{
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second.get();
}

void Gateway::set_node_number(std::uint16_t number)
{
    std::lock_guard lock(mu_);
    id_base_ = wsh_conn_id(number) << 48;
}

void Gateway::interest(InterestChange::Kind kind, const std::string &name, bool held,
                       const std::string &value)
{
    if (interest_listener_)
        interest_changes_.push_back({kind, name, value, held});
}

bool Gateway::take_interest_flush()
{
    if (interest_changes_.empty() || interest_flush_posted_)
        return false;
    interest_flush_posted_ = true;
    return true;
}

void Gateway::flush_interest()
{
    std::vector<InterestChange> changes;
    {
        std::lock_guard lock(mu_);
        changes.swap(interest_changes_);
        interest_flush_posted_ = false;
    }
    if (!changes.empty() && interest_listener_)
        interest_listener_(changes);
}

// What each connection costs the host (issue 19): one 320-byte heap block.
static_assert(sizeof(Connection) <= 312, "keep what an idle connection never uses out of Connection");

Connection *Gateway::add(lws *wsi, std::string peer, Tags client_tags, std::string endpoint,
                         std::string subprotocol)
{
    auto conn = std::make_unique<Connection>();
    conn->wsi = wsi;
    conn->peer = std::move(peer);
    conn->endpoint = std::move(endpoint);
    conn->subprotocol = std::move(subprotocol);
    Connection *raw = conn.get();
    bool flush;
    {
        std::lock_guard lock(mu_);
        conn->id = id_base_ | next_id_++;
        for (const auto &[key, value] : client_tags)
            if (tag_index_.add(conn->id, key, value))
                interest(InterestChange::Kind::tag, key, true, value);
        conn->tags = std::move(client_tags);
        conns_.emplace(raw->id, std::move(conn));
        stats().connections.store(conns_.size(), std::memory_order_relaxed);
        flush = take_interest_flush();
    }
    post_interest_flush(flush);
    return raw;
}

void Gateway::remove(Connection *conn)
{
    if (Connection::Seldom *s = conn->seldom_if())
        lws_sul_cancel(&s->grace.sul);
    std::vector<RoomEvent> events;
    bool flush;
    {
        std::lock_guard lock(mu_);
        for (const std::string &room : std::set<std::string>(conn->rooms))
            change_room_locked(*conn, room, RoomChange::leave, events);
        for (const auto &[key, value] : conn->tags)
            if (tag_index_.remove(conn->id, key, value))
                interest(InterestChange::Kind::tag, key, false, value);
        forget_user_locked(*conn);
        stats().queue_bytes.fetch_sub(conn->queued_bytes, std::memory_order_relaxed);
        conns_.erase(conn->id);
        stats().connections.store(conns_.size(), std::memory_order_relaxed);
        flush = take_interest_flush();
    }
    post_interest_flush(flush);
    after_unlock(false, events);
}

std::size_t Gateway::size() const
{
    std::lock_guard lock(mu_);
    return conns_.size();
}

int Gateway::close_code_of(const Connection &conn) const
{
    std::lock_guard lock(mu_);
    return conn.close_code;
}

void Gateway::forget_user_locked(Connection &conn)
{
    if (conn.user_id.empty())
        return;
    auto it = users_.find(conn.user_id);
    if (it != users_.end() && (it->second.erase(conn.id), it->second.empty())) {
        users_.erase(it);
        interest(InterestChange::Kind::user, conn.user_id, false);
    }
}

void Gateway::post_interest_flush(bool flush)
{
    if (flush && loop_)
        loop_->post([this] { flush_interest(); });
}

bool Gateway::set_user(wsh_conn_id id, std::string_view user)
{
    bool flush;
    {
        std::lock_guard lock(mu_);
        Connection *conn = find(id);
        if (!conn)
            return false;
        forget_user_locked(*conn);
        conn->user_id.assign(user);
        if (!user.empty()) {
            auto &ids = users_[conn->user_id];
            if (ids.empty())
                interest(InterestChange::Kind::user, conn->user_id, true);
            ids.insert(id);
        }
        flush = take_interest_flush();
    }
    post_interest_flush(flush);
    return true;
}

bool Gateway::set_tag(wsh_conn_id id, std::string_view key, std::string_view value)
{
    bool flush;
    {
        std::lock_guard lock(mu_);
        Connection *conn = find(id);
        if (!conn)
            return false;
        std::string k(key);
        auto it = conn->tags.find(k);
        if (it != conn->tags.end()) {
            if (tag_index_.remove(id, it->first, it->second))
                interest(InterestChange::Kind::tag, it->first, false, it->second);
            it->second.assign(value);
        } else {
            it = conn->tags.emplace(k, std::string(value)).first;
        }
        if (tag_index_.add(id, it->first, it->second))
            interest(InterestChange::Kind::tag, it->first, true, it->second);
        flush = take_interest_flush();
    }
    post_interest_flush(flush);
    return true;
}

bool Gateway::remove_tag(wsh_conn_id id, std::string_view key)
{
    bool flush;
    {
        std::lock_guard lock(mu_);
        Connection *conn = find(id);
        if (!conn)
            return false;
        auto it = conn->tags.find(std::string(key));
        if (it != conn->tags.end()) {
            if (tag_index_.remove(id, it->first, it->second))
                interest(InterestChange::Kind::tag, it->first, false, it->second);
            conn->tags.erase(it);
        }
        flush = take_interest_flush();
    }
    post_interest_flush(flush);
    return true;
}

bool Gateway::change_room_locked(Connection &conn, const std::string &room, RoomChange change,
                                 std::vector<RoomEvent> &events)
{
    const bool join = change == RoomChange::join;
    bool edge = false; // the room's first member joined, or its last one left
    if (join) {
        if (!conn.rooms.insert(room).second)
            return false;
        auto &members = rooms_[room];
        edge = members.empty();
        members.insert(conn.id);
        if (edge)
            interest(InterestChange::Kind::room, room, true);
    } else {
        if (!conn.rooms.erase(room))
            return false;
        auto it = rooms_.find(room);
        if (it != rooms_.end() && (it->second.erase(conn.id), it->second.empty())) {
            rooms_.erase(it);
            edge = true;
            interest(InterestChange::Kind::room, room, false);
        }
    }
    events.push_back({join, conn.id, conn.user_id, room, edge});
    return true;
}

std::optional<bool> Gateway::change_room(wsh_conn_id id, std::string_view room, RoomChange change)
{
    std::vector<RoomEvent> events;
    std::optional<bool> changed;
    bool flush;
    {
        std::lock_guard lock(mu_);
        Connection *conn = find(id);
        if (!conn)
            return std::nullopt;
        changed = change_room_locked(*conn, std::string(room), change, events);
        flush = take_interest_flush();
    }
    post_interest_flush(flush);
    after_unlock(false, events);
    return changed;
}

std::size_t Gateway::change_user_rooms(std::string_view user, std::string_view room, RoomChange change)
{
    std::vector<RoomEvent> events;
    bool flush;
    {
        std::lock_guard lock(mu_);
        auto it = users_.find(std::string(user));
        if (it != users_.end())
            for (wsh_conn_id id : it->second)
                change_room_locked(*find(id), std::string(room), change, events);
        flush = take_interest_flush();
    }
    post_interest_flush(flush);
    after_unlock(false, events);
    return events.size();
}

ConnectionSnapshot Gateway::snapshot_locked(const Connection &conn) const
{
    return {conn.id,
            conn.user_id,
            conn.peer,
            conn.endpoint,
            conn.subprotocol,
            conn.tags,
            std::vector<std::string>(conn.rooms.begin(), conn.rooms.end()),
            conn.queue.size(),
            conn.queued_bytes,
            conn.queued_bytes_peak,
            conn.dropped};
}

std::optional<ConnectionSnapshot> Gateway::snapshot(wsh_conn_id id) const
{
    std::lock_guard lock(mu_);
    const Connection *conn = find(id);
    if (!conn)
        return std::nullopt;
    return snapshot_locked(*conn);
}

std::vector<ConnectionSnapshot> Gateway::room_members(std::string_view room) const
{
    std::vector<ConnectionSnapshot> out;
    std::lock_guard lock(mu_);
    auto it = rooms_.find(std::string(room));
    if (it != rooms_.end())
        for (wsh_conn_id id : it->second)
            out.push_back(snapshot_locked(*find(id)));
    return out;
}

std::size_t Gateway::room_size(std::string_view room) const
{
    std::lock_guard lock(mu_);
    auto it = rooms_.find(std::string(room));
    return it == rooms_.end() ? 0 : it->second.size();
}

std::vector<std::pair<std::string, std::size_t>> Gateway::rooms() const
{
    std::vector<std::pair<std::string, std::size_t>> out;
    std::lock_guard lock(mu_);
    for (const auto &[name, members] : rooms_)
        out.emplace_back(name, members.size());
    return out;
}

std::vector<wsh_conn_id> Gateway::user_connections(std::string_view user) const
{
    std::lock_guard lock(mu_);
    auto it = users_.find(std::string(user));
    if (it == users_.end())
        return {};
    std::vector<wsh_conn_id> out(it->second.begin(), it->second.end());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<wsh_conn_id> Gateway::connection_ids() const
{
    std::vector<wsh_conn_id> out;
    std::lock_guard lock(mu_);
    out.reserve(conns_.size());
    for (const auto &[id, conn] : conns_)
        out.push_back(id);
    std::sort(out.begin(), out.end());
    return out;
}

void Gateway::after_unlock(bool wake, const std::vector<RoomEvent> &events)
{
    if (wake && loop_)
        loop_->post([this] { process_wakeups(); });
    if (room_listener_)
        for (const RoomEvent &e : events)
            room_listener_(e);
}

} // namespace wshost

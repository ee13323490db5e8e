// The gateway owns every connection and every byte queued towards one
// (DESIGN §3): users, server-side tags, rooms, targeted sends with receipts,
// per-connection bounded queues with a slow-consumer policy.
//
// Threads: every public call except those marked "service thread" is safe
// from any thread. State lives under one mutex, so a connection's messages
// leave in the order the gateway accepted them, whatever thread sent them.
// Off the service thread, a call that needs lws puts the connection on a wake
// list and posts its processing to the service loop (transport/service_loop.h);
// only the service thread touches lws.
#pragma once

#include "config/config.h"
#include "gateway/connection.h"
#include "gateway/tag_index.h"
#include "transport/service_loop.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace wshost
{

struct Target {
    enum class Kind { connection, user, users, room, tags, all };
    Kind kind = Kind::all;
    wsh_conn_id connection = 0;
    std::string user;
    std::vector<std::string> users;
    std::string room;
    Tags tags;
    std::unordered_set<std::string> except_users;
    std::unordered_set<wsh_conn_id> except_connections;
};

// What a send did: recipients matched (after exclusions), messages queued,
// and recipients for whom the message was dropped (slow consumer, closing).
struct Receipt {
    uint64_t matched = 0;
    uint64_t enqueued = 0;
    uint64_t dropped = 0;
};

struct RoomEvent {
    bool joined; // false: left
    wsh_conn_id connection;
    std::string user_id;
    std::string room;
    bool edge = false; // joined: the room was created by it; left: destroyed by it
};

// Cluster (DESIGN §10): a user, room or tag pair that gained its first
// connection on this node (held) or lost its last one (not held).
struct InterestChange {
    enum class Kind { user, room, tag };
    Kind kind;
    std::string name;  // user id, room, tag key
    std::string value; // tag value
    bool held;
};

class Gateway
{
  public:
    explicit Gateway(const WebSocketConfig &config);

    // Service thread: call once the loop is attached to its context. Off the
    // service thread, the wake list is drained through the loop's mailbox
    // (after its detach(), nothing wakes; plugin threads may still call in).
    void attach(ServiceLoop &loop);
    // Reload: new queue limits and slow-consumer policy for what comes next.
    void set_limits(const WebSocketConfig &config);
    bool on_service_thread() const { return loop_ && loop_->on_service_thread(); }
    // Told of every join and leave (also on disconnect), after the gateway
    // lock is released, on the thread that caused it.
    void set_room_listener(std::function<void(const RoomEvent &)> listener)
    {
        room_listener_ = std::move(listener);
    }
    // Told (service thread, gateway lock held: post, don't call back in) when
    // reading from a connection resumes after a pause: the host frame reader
    // may hold bytes it read before the pause (session/frame_intake.h).
    void set_rx_resumed_listener(std::function<void(Connection &)> listener)
    {
        rx_resumed_listener_ = std::move(listener);
    }

    // Cluster: told, on the service thread and in the order the gateway saw
    // them, of every InterestChange (set it before the first connection). The
    // changes are queued under the gateway lock and handed over by a posted
    // flush_interest(), or at once by a service-thread caller of it.
    void set_interest_listener(std::function<void(const std::vector<InterestChange> &)> listener)
    {
        interest_listener_ = std::move(listener);
    }
    // Cluster: told of every send() after its local delivery (any thread, the
    // gateway lock released): the target and payload for the other nodes.
    using Forwarder = std::function<void(const Target &target, std::string_view data, bool binary)>;
    void set_forwarder(Forwarder forwarder) { forwarder_ = std::move(forwarder); }

    // --- service thread ------------------------------------------------------
    void flush_interest(); // hands the queued InterestChanges to the listener
    Connection *add(lws *wsi, std::string peer, Tags client_tags, std::string endpoint = "/",
                    std::string subprotocol = {});
    void remove(Connection *conn);      // leaves every room (RoomEvents fire)
    void process_wakeups();             // posted by the first connection put on the wake list
    int on_writeable(Connection &conn); // -1: lws must close it
    int close_code_of(const Connection &conn) const;
    // The connection with this id (valid until remove()), or null.
    Connection *connection(wsh_conn_id id) const;
    // Pauses reading from `conn` (hold: until its verdict, or while a raw
    // handler is behind on it), or lifts that pause (reading resumes unless
    // the send queue still holds it).
    void hold_rx(Connection &conn, bool hold);
    // Corking: what the service thread queues during a loop pass is written
    // by flush_corked(), which the server calls once per pass after the
    // pass's callbacks (libev only: loop_pass.h), instead of from a writeable
    // callback per connection (that costs an epoll_ctl pair and a loop pass
    // per message). Off until enabled; permessage-deflate connections and
    // closes always take the writeable callback (lws drives the compressor
    // and the close from it).
    void enable_corking() { corking_ = true; }
    void flush_corked();

    // --- any thread ----------------------------------------------------------
    // Delivers to this node's matching connections, then (cluster) hands the
    // send to the forwarder. The receipt is this node's delivery.
    Receipt send(const Target &target, std::string_view data, bool binary);
    // This node only: what another node published, or a caller that forwards
    // by itself (the control API, which waits for the publish's reply).
    Receipt send_local(const Target &target, std::string_view data, bool binary);
    // Queues a response to the connection that asked. Never dropped: over the
    // queue limit the connection's reading is paused instead. False: gone.
    bool send_response(wsh_conn_id id, std::string_view text);
    bool send_response(wsh_conn_id id, FramePtr frame);
    // Closes `id` with `code`. `flush`: send what is queued first.
    bool close(wsh_conn_id id, int code, std::string_view reason, bool flush);

    bool set_user(wsh_conn_id id, std::string_view user);
    bool set_tag(wsh_conn_id id, std::string_view key, std::string_view value);
    bool remove_tag(wsh_conn_id id, std::string_view key);
    enum class RoomChange { join, leave };
    // Joins or leaves one connection; nullopt: gone; false: no change (already
    // a member / not a member).
    std::optional<bool> change_room(wsh_conn_id id, std::string_view room, RoomChange change);
    // Joins or leaves every connection of `user`; returns how many changed.
    std::size_t change_user_rooms(std::string_view user, std::string_view room, RoomChange change);

    std::optional<ConnectionSnapshot> snapshot(wsh_conn_id id) const;
    std::vector<ConnectionSnapshot> room_members(std::string_view room) const;
    std::size_t room_size(std::string_view room) const;
    std::vector<std::pair<std::string, std::size_t>> rooms() const;
    std::vector<wsh_conn_id> user_connections(std::string_view user) const;
    std::vector<wsh_conn_id> connection_ids() const;
    std::size_t size() const;
    // Cluster (DESIGN §10): new connection ids carry `number` in their high 16
    // bits, the local counter in the low 48 (cluster/node_registry.h). 0, the
    // default and engine = "none": the ids of one node, unchanged.
    void set_node_number(std::uint16_t number);

  private:
    // All private helpers expect mu_ held.
    Connection *find(wsh_conn_id id) const;
    // The connections `target` matches, each once (pointers, not ids: a
    // fan-out then looks no connection up twice).
    std::vector<Connection *> resolve(const Target &target) const;
    // `here`: called on the service thread (asked once per send, not per
    // recipient). The caller adds the enqueued bytes to the queue gauge.
    bool enqueue_push(Connection &conn, const FramePtr &frame, bool here);
    void enqueue_response(Connection &conn, FramePtr frame);
    void request_close(Connection &conn, int code, std::string_view reason, bool flush);
    void request_writeable(Connection &conn) { request_writeable(conn, on_service_thread()); }
    void request_writeable(Connection &conn, bool here);
    void resume_rx_locked(Connection &conn); // service thread
    bool change_room_locked(Connection &conn, const std::string &room, RoomChange change,
                            std::vector<RoomEvent> &events);
    ConnectionSnapshot snapshot_locked(const Connection &conn) const;
    // After releasing mu_: wake the loop if needed, tell the room listener.
    void after_unlock(bool wake, const std::vector<RoomEvent> &events);
    bool take_wake(); // true when the wake list went from empty to non-empty
    // Cluster: queue one InterestChange (mu_ held); no-op without a listener.
    void interest(InterestChange::Kind kind, const std::string &name, bool held,
                  const std::string &value = {});
    bool take_interest_flush();                // true when a flush_interest() must be posted
    void post_interest_flush(bool flush);      // after releasing mu_
    void forget_user_locked(Connection &conn); // takes `conn` out of its user's set

    static void grace_expired(lws_sorted_usec_list_t *sul);
    // One write of the whole batch, framed here (service thread). -1: lws failed.
    int write_coalesced(Connection &conn, const std::vector<QueuedFrame> &batch);
    // Writes what is queued for `conn` (service thread, mu_ not held). From a
    // writeable callback a due close returns -1 (lws closes); elsewhere it
    // asks for that callback instead. -1 also when lws failed to write.
    int write_queued(Connection &conn, bool in_writeable);
    int echo_close(Connection &conn, int code); // the answer to a close the host reader saw

    WebSocketConfig config_;
    ServiceLoop *loop_ = nullptr; // set by attach(), before any connection exists
    void time_close_wait(Connection &conn);
    std::function<void(const RoomEvent &)> room_listener_;
    std::function<void(Connection &)> rx_resumed_listener_;
    std::function<void(const std::vector<InterestChange> &)> interest_listener_;
    Forwarder forwarder_;

    mutable std::mutex mu_;
    std::unordered_map<wsh_conn_id, std::unique_ptr<Connection>> conns_;
    std::unordered_map<std::string, std::unordered_set<wsh_conn_id>> users_;
    std::map<std::string, std::set<wsh_conn_id>> rooms_;
    TagIndex tag_index_;
    std::vector<wsh_conn_id> wake_;
    bool wake_signalled_ = false; // process_wakeups() posted, wake list not drained yet
    std::vector<InterestChange> interest_changes_;
    bool interest_flush_posted_ = false;

    // --- service thread only (on_writeable), reused to save allocations ----
    std::vector<QueuedFrame> batch_;
    std::vector<unsigned char> tx_; // LWS_PRE + at most kCoalesceBytes of frames
    bool corking_ = false;
    std::vector<wsh_conn_id> corked_; // to write at the end of this pass (changed on the service thread only)
    std::vector<Connection *> flushing_;
    wsh_conn_id next_id_ = 1;
    wsh_conn_id id_base_ = 0; // node number << 48
};

} // namespace wshost

// Every connection of the WebSocket listener from its TCP accept until it is
// admitted (the authenticator let it in) or gone, with what its handshake
// holds: a per-IP count of handshakes in progress, a connection-cap slot, and
// the copy of the upgrade request the authenticator reads.
//
// Why a table keyed by wsi, and not the per-session data: lws 4.1.6 ends a
// handshake it refuses after the filter callback (no Sec-WebSocket-Key, no
// Host) with LWS_CALLBACK_CLOSED but no ESTABLISHED, and delivers
// LWS_CALLBACK_WSI_DESTROY for every wsi to its vhost's protocols[0], not to
// the protocol the wsi is bound to (LWS-NOTES T34, pinned by
// tests/hostile/test_admission_release.py). So destroyed() is fed from
// protocols[0], whatever the wsi was, and releases whatever is left; every path
// a handshake can end on (refused by lws or by the host, client gone, timeout,
// protocol error) ends there.
//
// Service thread only. Gauges are published to Stats after each change.
#pragma once

#include "auth/admission.h"
#include "auth/auth.h"
#include "config/config.h"

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

struct lws;

namespace wshost
{

class HandshakeTable
{
  public:
    HandshakeTable(ConnectionCaps &caps, const WebSocketConfig &config) : caps_(caps), config_(config) {}

    // A TCP connection was accepted from `peer`. Connections from a trusted
    // proxy are counted per IP once their client address is known (reserve()).
    // False when `peer` already has max_handshakes_per_ip handshakes in
    // progress: nothing is recorded, the caller drops the socket.
    bool accepted(lws *wsi, const std::string &peer, bool trusted_proxy);

    enum class Reserve { ok, handshake_cap, connection_cap };
    // The upgrade passed the path and origin checks; `address` is the client's
    // (after trusted proxies). Counts it per IP if accepted() did not, then
    // takes a connection-cap slot. On refusal nothing more is held than before.
    Reserve reserve(lws *wsi, const std::string &address);
    // Keeps the captured request until ESTABLISHED (or the end).
    void hold_request(lws *wsi, std::unique_ptr<UpgradeRequest> request);
    // ESTABLISHED: hands over the request; the slot now belongs to the
    // connection (released by connection_closed()). Null if none was held.
    std::unique_ptr<UpgradeRequest> established(lws *wsi);
    // The authenticator admitted the connection: its handshake is over.
    void admitted(lws *wsi);
    // WSI_DESTROY, for any wsi of the vhost: releases whatever it still holds.
    void destroyed(lws *wsi);
    // An established connection (which owns its slot) closed.
    void connection_closed(const std::string &address);

    std::size_t in_progress() const { return entries_.size(); }
    std::size_t requests_held() const { return requests_; }

  private:
    struct Entry {
        std::string address; // counted in per_ip_ when `counted`
        bool counted = false;
        bool slot = false; // a connection-cap slot, until ESTABLISHED
        std::unique_ptr<UpgradeRequest> request;
    };

    bool over_handshake_cap(const std::string &address) const;
    void count(Entry &entry, const std::string &address);
    void uncount(Entry &entry);
    void publish() const;

    ConnectionCaps &caps_;
    const WebSocketConfig &config_;
    std::unordered_map<lws *, Entry> entries_;
    std::unordered_map<std::string, std::size_t> per_ip_;
    std::size_t requests_ = 0;
};

} // namespace wshost

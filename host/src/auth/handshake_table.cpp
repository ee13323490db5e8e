#include "auth/handshake_table.h"

#include "base/stats.h"

namespace wshost
{

bool HandshakeTable::over_handshake_cap(const std::string &address) const
{
    if (!config_.max_handshakes_per_ip)
        return false;
    auto it = per_ip_.find(address);
    return it != per_ip_.end() && it->second >= config_.max_handshakes_per_ip;
}

void HandshakeTable::count(Entry &entry, const std::string &address)
{
    entry.address = address;
    entry.counted = true;
    ++per_ip_[address];
}

void HandshakeTable::uncount(Entry &entry)
{
    if (!entry.counted)
        return;
    entry.counted = false;
    auto it = per_ip_.find(entry.address);
    if (it != per_ip_.end() && --it->second == 0)
        per_ip_.erase(it);
}

bool HandshakeTable::accepted(lws *wsi, const std::string &peer, bool trusted_proxy)
{
    destroyed(wsi); // nothing, unless a wsi address is reused without its WSI_DESTROY seen
    if (!trusted_proxy && over_handshake_cap(peer)) {
        publish();
        return false;
    }
    Entry &entry = entries_[wsi];
    entry.address = peer;
    if (!trusted_proxy)
        count(entry, peer);
    publish();
    return true;
}

HandshakeTable::Reserve HandshakeTable::reserve(lws *wsi, const std::string &address)
{
    Entry &entry = entries_[wsi]; // normally made by accepted()
    if (!entry.counted || entry.address != address) {
        // Behind a trusted proxy: the client is known only now.
        if (over_handshake_cap(address)) {
            publish();
            return Reserve::handshake_cap;
        }
        uncount(entry);
        count(entry, address);
    }
    if (!entry.slot) {
        if (!caps_.admit(address)) {
            publish();
            return Reserve::connection_cap;
        }
        entry.slot = true;
    }
    publish();
    return Reserve::ok;
}

void HandshakeTable::hold_request(lws *wsi, std::unique_ptr<UpgradeRequest> request)
{
    Entry &entry = entries_[wsi];
    if (entry.request)
        --requests_;
    entry.request = std::move(request);
    if (entry.request)
        ++requests_;
    publish();
}

std::unique_ptr<UpgradeRequest> HandshakeTable::established(lws *wsi)
{
    auto it = entries_.find(wsi);
    if (it == entries_.end())
        return nullptr;
    Entry &entry = it->second;
    entry.slot = false; // the connection releases it when it closes
    if (entry.request)
        --requests_;
    publish();
    return std::move(entry.request);
}

void HandshakeTable::admitted(lws *wsi)
{
    auto it = entries_.find(wsi);
    if (it == entries_.end())
        return;
    uncount(it->second);
    if (it->second.slot) // not reached through ESTABLISHED: never happens, but never leak
        caps_.release(it->second.address);
    if (it->second.request)
        --requests_;
    entries_.erase(it);
    publish();
}

void HandshakeTable::destroyed(lws *wsi)
{
    admitted(wsi); // the same release, for a handshake that ended any other way
}

void HandshakeTable::connection_closed(const std::string &address)
{
    caps_.release(address);
    publish();
}

void HandshakeTable::publish() const
{
    Stats &s = stats();
    s.handshakes_in_progress.store(entries_.size(), std::memory_order_relaxed);
    s.handshake_requests_held.store(requests_, std::memory_order_relaxed);
    s.admission_slots.store(caps_.total(), std::memory_order_relaxed);
    s.admission_addresses.store(caps_.addresses(), std::memory_order_relaxed);
    s.handshake_addresses.store(per_ip_.size(), std::memory_order_relaxed);
}

} // namespace wshost

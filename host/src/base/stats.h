// Process-wide counters (read by tests through logs now, by /metrics later).
// Relaxed atomics: each counter is independent.
#pragma once

#include <atomic>
#include <cstdint>

namespace wshost
{

struct Stats {
    std::atomic<uint64_t> connections{0};
    std::atomic<uint64_t> connections_opened{0};
    std::atomic<uint64_t> connections_closed{0};
    std::atomic<uint64_t> messages_received{0};
    std::atomic<uint64_t> bytes_received{0};
    std::atomic<uint64_t> messages_sent{0};
    std::atomic<uint64_t> bytes_sent{0};
    std::atomic<uint64_t> late_replies{0};
    std::atomic<uint64_t> deliveries{0};
    std::atomic<uint64_t> dropped_slow_consumer{0};
    std::atomic<uint64_t> queue_bytes{0};
    // Admission (handshake_table.h): gauges of what handshakes and caps hold.
    std::atomic<uint64_t> handshakes_in_progress{0};
    std::atomic<uint64_t> handshake_requests_held{0}; // captured upgrade requests
    std::atomic<uint64_t> handshake_addresses{0};     // addresses with a handshake in progress
    std::atomic<uint64_t> admission_slots{0};         // connection-cap slots held
    std::atomic<uint64_t> admission_addresses{0};     // addresses holding a slot
    // Cluster (DESIGN §10): 1 up (Redis answers, node number held), 0 down;
    // -1 with engine = "none", where wshost_cluster_up is not exported.
    std::atomic<int> cluster_up{-1};
    std::atomic<uint64_t> cluster_published{0};        // PUBLISHes Redis answered
    std::atomic<uint64_t> cluster_publish_failed{0};   // refused, unanswered or an error reply
    std::atomic<uint64_t> cluster_received{0};         // messages from other nodes
    std::atomic<uint64_t> cluster_sequence_gaps{0};    // a sender's messages this node never got
    std::atomic<uint64_t> cluster_subscriptions{0};    // channels the node wants
    std::atomic<uint64_t> cluster_pending_bytes{0};    // publisher output not yet written to Redis
    std::atomic<uint64_t> cluster_forwards_refused{0}; // plugin-thread sends past their bound
};

Stats &stats();

inline void bump(std::atomic<uint64_t> &counter, uint64_t by = 1)
{
    counter.fetch_add(by, std::memory_order_relaxed);
}

} // namespace wshost

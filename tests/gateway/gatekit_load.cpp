// gatekit's load from plugin threads: gk_hammer, gk_progress, gk_flood.
#include "gatekit.h"
#include "gatekit_target.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gatekit
{
namespace
{

// Start gate for hammer threads.
struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool is_open = false;
    void wait()
    {
        std::unique_lock lock(mu);
        cv.wait(lock, [this] { return is_open; });
    }
    void open()
    {
        {
            std::lock_guard lock(mu);
            is_open = true;
        }
        cv.notify_all();
    }
};

void make_message(std::string &msg, uint64_t seq, uint64_t size, bool binary)
{
    msg.clear();
    if (binary) {
        for (int i = 7; i >= 0; --i)
            msg.push_back(static_cast<char>((seq >> (8 * i)) & 0xff));
        while (msg.size() < size)
            msg.push_back(static_cast<char>('a' + msg.size() % 26));
        return;
    }
    msg = "{\"seq\":" + std::to_string(seq) + ",\"pad\":\"";
    const size_t tail = 2; // "}
    if (msg.size() + tail < size)
        msg.append(size - msg.size() - tail, 'x');
    msg += "\"}";
}

} // namespace

Reply Gatekit::hammer(const Request &req, const cJSON *payload)
{
    TargetSpec target = parse_target(payload, req.conn);
    const unsigned nthreads = static_cast<unsigned>(uint_member(payload, "threads", 1, 64, 8));
    const uint64_t count = uint_member(payload, "count", 1, 1000000, 1000);
    const uint64_t delay_us = uint_member(payload, "delay_us", 0, 100000, 0);

    auto h = std::make_shared<Hammer>();
    h->threads = nthreads;
    h->count = count;
    h->progress.reset(new std::atomic<uint64_t>[nthreads]);
    for (unsigned i = 0; i < nthreads; ++i)
        h->progress[i].store(0);
    {
        std::lock_guard lock(mu_);
        h->id = ++hammer_seq_;
        hammer_ = h;
    }
    auto gate = std::make_shared<Gate>();
    auto tgt = std::make_shared<const TargetSpec>(std::move(target));
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < nthreads; ++t)
        workers.emplace_back([this, h, gate, tgt, t, delay_us] {
            gate->wait();
            for (uint64_t n = 0; n < h->count && !stopping_.load(std::memory_order_relaxed); ++n) {
                std::string msg = "{\"t\":" + std::to_string(t) + ",\"seq\":" + std::to_string(n) + "}";
                wshost::Receipt r = tgt->send(host_, msg, false);
                if (r.status != WSH_OK)
                    h->failed.fetch_add(1);
                h->matched.fetch_add(r.matched);
                h->enqueued.fetch_add(r.enqueued);
                h->dropped.fetch_add(r.dropped);
                h->progress[t].store(n + 1, std::memory_order_release);
                if (delay_us)
                    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
            }
        });
    wshost::Responder responder = req.responder();
    spawn(std::thread([h, gate, responder, workers = std::move(workers)]() mutable {
        gate->open();
        for (auto &w : workers)
            w.join();
        h->done.store(true);
        Json r = object();
        add_u64(r.get(), "hammer", h->id);
        add_u64(r.get(), "threads", h->threads);
        add_u64(r.get(), "count", h->count);
        add_u64(r.get(), "matched", h->matched.load());
        add_u64(r.get(), "enqueued", h->enqueued.load());
        add_u64(r.get(), "dropped", h->dropped.load());
        add_u64(r.get(), "failed", h->failed.load());
        try {
            responder.success(print(r.get()));
        } catch (...) {
            responder.error("host_error", "out of memory");
        }
    }));
    return wshost::reply_later();
}

Reply Gatekit::progress(const Request &, const cJSON *)
{
    std::shared_ptr<Hammer> h;
    {
        std::lock_guard lock(mu_);
        h = hammer_;
    }
    Json r = object();
    cJSON *list = nullptr;
    if (!h) {
        add_u64(r.get(), "hammer", 0);
        cJSON_AddArrayToObject(r.get(), "progress");
        cJSON_AddTrueToObject(r.get(), "done");
        return reply_success(print(r.get()));
    }
    // Read the counters first: every send counted here returned (was
    // accepted by the gateway) before this reply is queued.
    const bool done = h->done.load();
    std::vector<uint64_t> values(h->threads);
    for (unsigned i = 0; i < h->threads; ++i)
        values[i] = h->progress[i].load(std::memory_order_acquire);
    add_u64(r.get(), "hammer", h->id);
    list = cJSON_AddArrayToObject(r.get(), "progress");
    for (uint64_t v : values)
        cJSON_AddItemToArray(list, cJSON_CreateNumber(static_cast<double>(v)));
    cJSON_AddBoolToObject(r.get(), "done", done);
    return reply_success(print(r.get()));
}

namespace
{

// gk_flood's hold_service_thread: the flood thread counts its sends, the
// handler (holding the service thread meanwhile) records when it held it.
struct Hold {
    static constexpr uint64_t kEnded = ~uint64_t{0};
    std::atomic<uint64_t> made{0};      // sends returned so far; kEnded once the flood stopped
    uint64_t from_ns = 0, until_ns = 0; // steady_clock: CLOCK_MONOTONIC, the tests' clock too
    std::atomic<bool> recorded{false};

    void record(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point until)
    {
        from_ns = static_cast<uint64_t>(std::chrono::nanoseconds(from.time_since_epoch()).count());
        until_ns = static_cast<uint64_t>(std::chrono::nanoseconds(until.time_since_epoch()).count());
        recorded.store(true, std::memory_order_release);
    }
    // The flood thread, before its answer: the handler records within 10 s.
    bool wait_recorded() const
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(11);
        while (!recorded.load(std::memory_order_acquire)) {
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        return true;
    }
};

} // namespace

Reply Gatekit::flood(const Request &req, const cJSON *payload)
{
    auto tgt = std::make_shared<const TargetSpec>(parse_target(payload, req.conn));
    const uint64_t total = uint_member(payload, "total_bytes", 1, uint64_t{1} << 34);
    const uint64_t size = uint_member(payload, "size", 32, 16u << 20);
    const wsh_conn_id watch = conn_member(payload, "watch", req.conn);
    const cJSON *pace_item = opt_member(payload, "pace");
    const wsh_conn_id pace = pace_item ? conn_from(pace_item, req.conn) : 0;
    const uint64_t pace_bytes = uint_member(payload, "pace_bytes", 0, uint64_t{1} << 34, 262144);
    const cJSON *bin = opt_member(payload, "binary");
    if (bin && !cJSON_IsBool(bin))
        bad("'binary' must be a boolean");
    const bool binary = cJSON_IsTrue(bin);
    const uint64_t hold = uint_member(payload, "hold_service_thread", 0, 1u << 20, 0);
    wshost::Responder responder = req.responder();
    auto held = std::make_shared<Hold>();

    spawn(std::thread([this, tgt, total, size, watch, pace, pace_bytes, binary, responder, held, hold] {
        struct Done { // on every way out: the hold ends
            Hold &held;
            ~Done() { held.made.store(Hold::kEnded, std::memory_order_release); }
        } done{*held};
        uint64_t matched = 0, enqueued = 0, dropped = 0, bytes = 0, seq = 0;
        uint64_t max_q = 0, max_m = 0, max_peak = 0;
        std::optional<uint64_t> gone_at;
        std::string msg;
        for (; bytes < total && !stopping_.load(); ++seq) {
            if (pace) {
                const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
                for (;;) {
                    auto pi = conn_info(pace);
                    if (!pi) {
                        responder.error("pace_gone",
                                        "the paced connection left at seq " + std::to_string(seq));
                        return;
                    }
                    if (pi->queued_bytes <= pace_bytes)
                        break;
                    if (std::chrono::steady_clock::now() > deadline || stopping_.load()) {
                        responder.error("pace_stalled", "the paced connection did not drain");
                        return;
                    }
                    std::this_thread::sleep_for(std::chrono::microseconds(100));
                }
            }
            make_message(msg, seq, size, binary);
            wshost::Receipt r = tgt->send(host_, msg, binary);
            if (r.status != WSH_OK) {
                responder.error("host_error", "send status " + std::to_string(r.status));
                return;
            }
            matched += r.matched;
            enqueued += r.enqueued;
            dropped += r.dropped;
            bytes += size;
            held->made.store(seq + 1, std::memory_order_release);
            if (auto wi = conn_info(watch)) {
                max_q = std::max<uint64_t>(max_q, wi->queued_bytes);
                max_m = std::max<uint64_t>(max_m, wi->queued_messages);
                max_peak = std::max<uint64_t>(max_peak, wi->queued_bytes_peak);
            } else if (!gone_at) {
                gone_at = seq;
            }
        }
        // Ended now, not only in Done: a flood shorter than the hold would
        // otherwise keep the handler waiting out its 10 s for this answer.
        held->made.store(Hold::kEnded, std::memory_order_release);
        const bool hold_known = hold && held->wait_recorded();
        try {
            Json r = object();
            add_u64(r.get(), "sent", seq);
            if (hold_known) {
                add_u64(r.get(), "held_from_ns", held->from_ns);
                add_u64(r.get(), "held_until_ns", held->until_ns);
            }
            add_u64(r.get(), "bytes", bytes);
            cJSON_AddItemToObject(r.get(), "receipts", receipt_json(matched, enqueued, dropped).release());
            add_u64(r.get(), "max_queued_bytes_seen", max_q);
            add_u64(r.get(), "max_queued_messages_seen", max_m);
            add_u64(r.get(), "max_peak_seen", max_peak);
            if (gone_at)
                add_u64(r.get(), "watch_gone_at", *gone_at);
            else
                cJSON_AddNullToObject(r.get(), "watch_gone_at");
            if (auto wi = conn_info(watch)) {
                cJSON *o = cJSON_AddObjectToObject(r.get(), "watched_info");
                add_info(o, *wi);
            } else {
                cJSON_AddNullToObject(r.get(), "watched_info");
            }
            responder.success(print(r.get()));
        } catch (...) {
            responder.error("host_error", "out of memory");
        }
    }));
    // The handler's thread (the service thread, gatekit not being `blocking`)
    // waits for the flood's first `hold` sends: a plugin thread that outruns
    // the service thread, made certain rather than left to timing.
    if (hold) {
        const auto from = std::chrono::steady_clock::now(), deadline = from + std::chrono::seconds(10);
        while (held->made.load(std::memory_order_acquire) < hold &&
               std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        held->record(from, std::chrono::steady_clock::now());
    }
    return wshost::reply_later();
}

} // namespace gatekit

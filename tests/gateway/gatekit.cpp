// gatekit — a fixture plugin exposing the gateway (plugin.h "Gateway") to the
// gateway tests (tests/gateway). C++17, built with wshost_add_plugin().
//
// Conventions
//   - Connection ids are decimal strings (a JSON number is accepted too).
//     "connection" absent, null or "self" means the caller.
//   - Every bad payload answers the error `invalid_payload`; a host call that
//     fails answers `gone` (WSH_E_GONE), `not_member` (WSH_E_NOT_MEMBER) or
//     `host_error` with the status in the message, e.g. "status 1". Nothing here trusts the payload's shape.
//   - Replies are JSON objects built with cJSON (every string escaped).
//   - Any string member read as a name ("room", "user") may be given as
//     "<name>_base64" instead: raw bytes, e.g. not UTF-8, which JSON cannot carry.
//
// Target spec (mirrors DESIGN §6 /v1/send), used by gk_send, gk_hammer, gk_flood:
//   "to": {"connection":"17"} | {"user":"42"} | {"users":["a","b"]} | {"room":"r"}
//       | {"tags":{"k":"v",...}}  (or {"tags":[["k","v"],...]}: pairs, duplicates kept,
//                                  so a conflicting predicate reaches the host)
//       | {"all":true}
//   "except": {"users":["a"], "connections":["17","self"]}   (optional)
//
// Actions (payload -> reply payload)
//   gk_whoami   {}                                   -> {"connection":"<caller id>"}
//   gk_send     {to, except?, "text":"..." | "binary":"<base64>" | "text_base64":"<base64>"}
//               -> {"matched":N,"enqueued":N,"dropped":N}
//               (text_base64: raw bytes sent as a TEXT frame, to test the UTF-8 check;
//                a host refusal answers host_error "status N")
//   gk_set_user {"connection"?, "user":"u"}  ("" = anonymous again) -> {"connection":"id","user":"u"}
//   gk_tag      {"connection"?, "set":{"k":"v"}?, "remove":["k"]?} -> {"connection":"id"}
//   gk_join     {"room":"r", "connection"? | "user":"u"}
//               connection: -> {"result":"joined"|"exists"}     (closed: error gone)
//               user:       -> {"changed":N}
//   gk_leave    {"room":"r", "connection"? | "user":"u"}
//               connection: -> {"result":"left"}  (not a member: error not_member;
//                                                  closed: error gone)
//               user:       -> {"changed":N}
//   gk_info     {"connection"?} -> info object (or error gone):
//               {"connection":"id","user":"u"|null,"peer":"127.0.0.1","tags":{...},
//                "rooms":[...],"queued_messages":N,"queued_bytes":N,
//                "queued_bytes_peak":N,"dropped":N}
//   gk_members  {"room":"r"} -> {"room":"r","members":[info,...]}   (sorted by connection id)
//   gk_count    {"room":"r"} -> {"room":"r","count":N}
//   gk_hammer   {to, except?, "threads":8, "count":1000, "delay_us":0}
//               starts `threads` plugin threads (1..64); thread t sends `count` (1..1e6)
//               text messages {"t":t,"seq":n} (n = 0..count-1) to the target (sleeping
//               delay_us, 0..100000, after each send: load shaping only); a joiner
//               thread answers once all are done:
//               {"hammer":H,"threads":T,"count":C,"matched":N,"enqueued":N,"dropped":N,"failed":N}
//               (failed: sends whose status was not WSH_OK). Threads start together.
//   gk_progress {} -> {"hammer":H,"progress":[n0,n1,...],"done":bool}: for the latest
//               hammer, how many sends of each thread had RETURNED when this handler
//               read the counters (so every one of them was accepted before this
//               reply). {"hammer":0,"progress":[],"done":true} when none ran.
//   gk_flood    {to, except?, "total_bytes":N, "size":S, "watch":"id",
//                "pace":"id"?, "pace_bytes":N?, "binary":bool?, "hold_service_thread":N?}
//               from a plugin thread: sends ceil(N/S) messages of exactly S bytes
//               (S >= 32) as fast as possible. Text messages are
//               {"seq":n,"pad":"xxxx..."} padded to S bytes; binary ones start with
//               the 8-byte big-endian seq. After every send it samples
//               connection_info(watch) and keeps the max queued bytes/messages seen.
//               With "pace", before each send it waits (polling, 100 us) until that
//               connection's queued_bytes <= pace_bytes (default 262144): a
//               reading client is never outrun, the others are.
//               With "hold_service_thread" (0..2^20), the handler returns only once the
//               flood thread has made N sends (or ended, or 10 s passed): the service
//               thread is held meanwhile, so the plugin thread outruns it for certain.
//               The answer then adds "held_from_ns" and "held_until_ns": when the
//               service thread was held (CLOCK_MONOTONIC, Python's time.monotonic_ns()).
//               -> {"sent":N,"bytes":N,"receipts":{"matched","enqueued","dropped"},
//                   "max_queued_bytes_seen":N,"max_queued_messages_seen":N,
//                   "max_peak_seen":N (largest queued_bytes_peak sampled),
//                   "watch_gone_at":seq|null,"watched_info":info|null}
//               (error pace_gone / pace_stalled if the paced connection left or
//               did not drain for 120 s)
//   gk_events   {"since":K?, "wait": {"kind":"joined"|"left"|"disconnected",
//                "connection"?:"id", "room"?:"r"}?}
//               -> {"events":[{"i":K,"kind":"joined"|"left"|"disconnected",
//                   "connection":"id","user":"u"|null,"room":"r"|null,
//                   "close_code":N|null},...],"next":K}
//               events with index >= since (default 0), in hook order. With "wait",
//               the answer is held until a matching event (index >= since) has been
//               recorded (answered from the hook). Hooks recorded: room joined, room
//               left, disconnected.
//   gk_echo     any payload -> the same payload (byte-exact), for pipelining tests.
//
// Threads: hammer/flood/joiner threads are tracked and joined in fini (the
// destructor); a stop flag makes floods end early at shutdown.
#include "gatekit.h"

#include <wshost/plugin.hpp>

#include <cjson/cJSON.h>

#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace gatekit
{

template <class Fn> void Gatekit::on(wshost::InitContext &ctx, const char *name, Fn fn)
{
    ctx.on(name, [this, fn](const Request &req) -> Reply {
        try {
            const Json payload = parse(req.payload);
            if (!cJSON_IsObject(payload.get()))
                return reply_error("invalid_payload", "payload must be a JSON object");
            return invoke(fn, req, payload.get());
        } catch (const BadPayload &e) {
            return reply_error("invalid_payload", e.message);
        }
    });
}

template <class Fn> Reply Gatekit::invoke(Fn fn, const Request &req, const cJSON *payload)
{
    if constexpr (std::is_invocable_v<Fn, Gatekit &, const Request &>) {
        (void)payload;
        return fn(*this, req);
    } else {
        return (this->*fn)(req, payload);
    }
}

Gatekit::Gatekit(wshost::InitContext &ctx) : host_(ctx.host()), gw_(ctx.host())
{
    on(ctx, "gk_whoami", &Gatekit::whoami);
    on(ctx, "gk_send", &Gatekit::send);
    on(ctx, "gk_set_user", &Gatekit::set_user);
    on(ctx, "gk_tag", &Gatekit::tag);
    on(ctx, "gk_join", &Gatekit::join);
    on(ctx, "gk_leave", &Gatekit::leave);
    on(ctx, "gk_info", &Gatekit::info);
    on(ctx, "gk_members", &Gatekit::members);
    on(ctx, "gk_count", &Gatekit::count);
    on(ctx, "gk_hammer", &Gatekit::hammer);
    on(ctx, "gk_progress", &Gatekit::progress);
    on(ctx, "gk_flood", &Gatekit::flood);
    on(ctx, "gk_events", &Gatekit::events);
    on(ctx, "gk_echo", [](Gatekit &, const Request &req) { return reply_success(req.payload); });
    ctx.on_hook(WSH_HOOK_ROOM_JOINED, [this](const wsh_event &ev) { record("joined", ev); });
    ctx.on_hook(WSH_HOOK_ROOM_LEFT, [this](const wsh_event &ev) { record("left", ev); });
    ctx.on_hook(WSH_HOOK_DISCONNECTED, [this](const wsh_event &ev) { record("disconnected", ev); });
}

Gatekit::~Gatekit()
{
    stopping_.store(true);
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mu_);
        threads.swap(threads_);
    }
    for (auto &t : threads)
        if (t.joinable())
            t.join();
    // Waiters still pending: the host no longer delivers replies after
    // fini; nothing to do but forget them.
}

void Gatekit::spawn(std::thread t)
{
    std::lock_guard lock(mu_);
    threads_.push_back(std::move(t));
}

} // namespace gatekit

WSHOST_PLUGIN(gatekit::Gatekit, "gatekit", "1.0.0")

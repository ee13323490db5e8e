// gatekit — a fixture plugin exposing the gateway (plugin.h "Gateway") to the
// gateway tests (tests/gateway). C++17, built with wshost_add_plugin().
//
// Conventions
//   - Connection ids are decimal strings (a JSON number is accepted too).
//     "connection" absent, null or "self" means the caller.
//   - Every bad payload answers the error `invalid_payload`; a host call that
//     fails answers `gone` (WSH_E_GONE) or `host_error` with the status in the
//     message, e.g. "status 1". Nothing here trusts the payload's shape.
//   - Replies are JSON objects built with cJSON (every string escaped).
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
//               connection: -> {"result":"left"}  (not a member or closed: error gone)
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
//                "pace":"id"?, "pace_bytes":N?, "binary":bool?}
//               from a plugin thread: sends ceil(N/S) messages of exactly S bytes
//               (S >= 32) as fast as possible. Text messages are
//               {"seq":n,"pad":"xxxx..."} padded to S bytes; binary ones start with
//               the 8-byte big-endian seq. After every send it samples
//               connection_info(watch) and keeps the max queued bytes/messages seen.
//               With "pace", before each send it waits (polling, 100 us) until that
//               connection's queued_bytes <= pace_bytes (default 262144): a
//               reading client is never outrun, the others are.
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
#include <wshost/gateway.hpp>
#include <wshost/plugin.hpp>

#include <cjson/cJSON.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using wshost::reply_error;
using wshost::reply_success;
using wshost::Reply;
using wshost::Request;

// ---- JSON helpers --------------------------------------------------------------

struct JsonDeleter {
    void operator()(cJSON *j) const noexcept { cJSON_Delete(j); }
};
using Json = std::unique_ptr<cJSON, JsonDeleter>;

Json parse(std::string_view text)
{
    const std::string buf(text);
    return Json(cJSON_ParseWithLengthOpts(buf.c_str(), buf.size() + 1, nullptr, 1));
}

std::string print(const cJSON *json)
{
    char *text = cJSON_PrintUnformatted(json);
    if (!text)
        throw std::bad_alloc();
    std::string out(text);
    cJSON_free(text);
    return out;
}

struct BadPayload {
    std::string message;
};

[[noreturn]] void bad(std::string message) { throw BadPayload{std::move(message)}; }

Json object() { return Json(cJSON_CreateObject()); }

void add_u64(cJSON *obj, const char *name, uint64_t v) { cJSON_AddNumberToObject(obj, name, static_cast<double>(v)); }

void add_id(cJSON *obj, const char *name, wsh_conn_id id)
{
    cJSON_AddStringToObject(obj, name, std::to_string(id).c_str());
}

void add_str_or_null(cJSON *obj, const char *name, std::string_view s)
{
    if (s.empty())
        cJSON_AddNullToObject(obj, name);
    else
        cJSON_AddStringToObject(obj, name, std::string(s).c_str());
}

// A connection id from a JSON value: "17" or 17, "self" or null -> caller.
wsh_conn_id conn_from(const cJSON *item, wsh_conn_id self)
{
    if (!item || cJSON_IsNull(item))
        return self;
    if (cJSON_IsString(item)) {
        std::string_view s(item->valuestring);
        if (s == "self")
            return self;
        if (s.empty() || s.size() > 20)
            bad("connection ids are decimal strings");
        uint64_t v = 0;
        for (char c : s) {
            if (c < '0' || c > '9')
                bad("connection ids are decimal strings");
            uint64_t next = v * 10 + static_cast<uint64_t>(c - '0');
            if (next / 10 != v)
                bad("connection id out of range");
            v = next;
        }
        return v;
    }
    if (cJSON_IsNumber(item) && item->valuedouble >= 0 && item->valuedouble < 9007199254740992.0)
        return static_cast<wsh_conn_id>(item->valuedouble);
    bad("a connection id must be a decimal string");
}

wsh_conn_id conn_member(const cJSON *obj, const char *name, wsh_conn_id self)
{
    return conn_from(cJSON_GetObjectItemCaseSensitive(obj, name), self);
}

// A required string member (may be empty only when allow_empty).
std::string str_member(const cJSON *obj, const char *name, bool allow_empty = false)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsString(item))
        bad(std::string("'") + name + "' must be a string");
    std::string s(item->valuestring);
    if (s.empty() && !allow_empty)
        bad(std::string("'") + name + "' must not be empty");
    return s;
}

const cJSON *opt_member(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsNull(item) ? nullptr : item;
}

uint64_t uint_member(const cJSON *obj, const char *name, uint64_t lo, uint64_t hi, std::optional<uint64_t> dflt = {})
{
    const cJSON *item = opt_member(obj, name);
    if (!item) {
        if (dflt)
            return *dflt;
        bad(std::string("'") + name + "' is required");
    }
    if (!cJSON_IsNumber(item) || item->valuedouble < static_cast<double>(lo) ||
        item->valuedouble > static_cast<double>(hi) || item->valuedouble != static_cast<double>(static_cast<uint64_t>(item->valuedouble)))
        bad(std::string("'") + name + "' must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return static_cast<uint64_t>(item->valuedouble);
}

std::vector<std::string> string_list(const cJSON *item, const char *what)
{
    std::vector<std::string> out;
    if (!cJSON_IsArray(item))
        bad(std::string("'") + what + "' must be an array of strings");
    for (const cJSON *e = item->child; e; e = e->next) {
        if (!cJSON_IsString(e))
            bad(std::string("'") + what + "' must be an array of strings");
        out.emplace_back(e->valuestring);
    }
    return out;
}

// ---- base64 --------------------------------------------------------------------

std::string base64_decode(std::string_view in)
{
    auto val = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    while (!in.empty() && in.back() == '=')
        in.remove_suffix(1);
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        int v = val(c);
        if (v < 0)
            bad("invalid base64");
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    if (bits >= 6)
        bad("invalid base64 length");
    return out;
}

// ---- targets -------------------------------------------------------------------

// A parsed target: either a wshost::Target (owns its strings) or, for tag
// predicates given as pairs, the raw pairs (wshost::Target keeps a map).
struct TargetSpec {
    std::optional<wshost::Target> target;
    std::vector<std::pair<std::string, std::string>> tag_pairs; // kind tags via pairs
    std::vector<std::string> except_users;
    std::vector<wsh_conn_id> except_conns;

    // Calls the host's send with this target.
    wshost::Receipt send(const wshost::Host &host, std::string_view data, bool binary) const
    {
        wshost::Receipt out;
        wsh_receipt r{};
        r.struct_size = sizeof r;
        if (target) {
            wshost::GatewayApi gw(host);
            return gw.send(*target, data, binary);
        }
        std::vector<wsh_tag> tags;
        for (const auto &[k, v] : tag_pairs)
            tags.push_back({wshost::to_wsh(k), wshost::to_wsh(v)});
        std::vector<wsh_str> xu;
        for (const auto &u : except_users)
            xu.push_back(wshost::to_wsh(u));
        wsh_target t{};
        t.struct_size = sizeof t;
        t.kind = WSH_TARGET_TAGS;
        t.tags = tags.data();
        t.tags_count = tags.size();
        t.except_users = xu.data();
        t.except_users_count = xu.size();
        t.except_conns = except_conns.data();
        t.except_conns_count = except_conns.size();
        out.status = host.api()->send(host.handle(), &t, wshost::to_wsh(data), binary ? 1 : 0, &r);
        out.matched = r.matched;
        out.enqueued = r.enqueued;
        out.dropped = r.dropped;
        return out;
    }
};

TargetSpec parse_target(const cJSON *payload, wsh_conn_id self)
{
    TargetSpec spec;
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(payload, "to");
    if (!cJSON_IsObject(to) || !to->child || to->child->next)
        bad("'to' must be an object with exactly one member");
    const std::string kind = to->child->string ? to->child->string : "";
    const cJSON *v = to->child;
    if (kind == "connection") {
        spec.target = wshost::Target::connection(conn_from(v, self));
    } else if (kind == "user") {
        if (!cJSON_IsString(v))
            bad("'to.user' must be a string");
        spec.target = wshost::Target::user(v->valuestring);
    } else if (kind == "users") {
        spec.target = wshost::Target::users(string_list(v, "to.users"));
    } else if (kind == "room") {
        if (!cJSON_IsString(v))
            bad("'to.room' must be a string");
        spec.target = wshost::Target::room(v->valuestring);
    } else if (kind == "tags") {
        if (cJSON_IsObject(v)) {
            std::map<std::string, std::string> tags;
            for (const cJSON *e = v->child; e; e = e->next) {
                if (!cJSON_IsString(e))
                    bad("'to.tags' values must be strings");
                tags[e->string] = e->valuestring;
            }
            spec.target = wshost::Target::tags(std::move(tags));
        } else if (cJSON_IsArray(v)) {
            for (const cJSON *e = v->child; e; e = e->next) {
                if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 || !cJSON_IsString(e->child) ||
                    !cJSON_IsString(e->child->next))
                    bad("'to.tags' pairs must be [\"key\",\"value\"]");
                spec.tag_pairs.emplace_back(e->child->valuestring, e->child->next->valuestring);
            }
        } else {
            bad("'to.tags' must be an object or an array of pairs");
        }
    } else if (kind == "all") {
        if (!cJSON_IsTrue(v))
            bad("'to.all' must be true");
        spec.target = wshost::Target::all();
    } else {
        bad("unknown target '" + kind + "'");
    }

    if (const cJSON *ex = opt_member(payload, "except")) {
        if (!cJSON_IsObject(ex))
            bad("'except' must be an object");
        for (const cJSON *e = ex->child; e; e = e->next) {
            std::string_view name(e->string ? e->string : "");
            if (name == "users") {
                spec.except_users = string_list(e, "except.users");
            } else if (name == "connections") {
                if (!cJSON_IsArray(e))
                    bad("'except.connections' must be an array");
                for (const cJSON *c = e->child; c; c = c->next)
                    spec.except_conns.push_back(conn_from(c, self));
            } else {
                bad("unknown member of 'except': '" + std::string(name) + "'");
            }
        }
    }
    if (spec.target) {
        for (const auto &u : spec.except_users)
            spec.target->except_user(u);
        for (wsh_conn_id c : spec.except_conns)
            spec.target->except_connection(c);
    }
    return spec;
}

// ---- connection infos ----------------------------------------------------------

void add_info(cJSON *obj, const wshost::ConnInfo &info)
{
    add_id(obj, "connection", info.conn);
    add_str_or_null(obj, "user", info.user_id);
    cJSON_AddStringToObject(obj, "peer", info.peer.c_str());
    cJSON *tags = cJSON_AddObjectToObject(obj, "tags");
    for (const auto &[k, v] : info.tags)
        cJSON_AddStringToObject(tags, k.c_str(), v.c_str());
    cJSON *rooms = cJSON_AddArrayToObject(obj, "rooms");
    for (const auto &r : info.rooms)
        cJSON_AddItemToArray(rooms, cJSON_CreateString(r.c_str()));
    add_u64(obj, "queued_messages", info.queued_messages);
    add_u64(obj, "queued_bytes", info.queued_bytes);
    add_u64(obj, "queued_bytes_peak", info.queued_bytes_peak);
    add_u64(obj, "dropped", info.dropped);
}

Json receipt_json(uint64_t matched, uint64_t enqueued, uint64_t dropped)
{
    Json r = object();
    add_u64(r.get(), "matched", matched);
    add_u64(r.get(), "enqueued", enqueued);
    add_u64(r.get(), "dropped", dropped);
    return r;
}

Reply status_error(int st)
{
    if (st == WSH_E_GONE)
        return reply_error("gone", "the host answered WSH_E_GONE");
    return reply_error("host_error", "status " + std::to_string(st));
}

// ---- the plugin ----------------------------------------------------------------

struct Event {
    uint64_t index;
    std::string kind; // joined | left | disconnected
    wsh_conn_id conn;
    std::string user;
    std::string room;
    int close_code; // disconnected only
};

struct Waiter {
    uint64_t since;
    std::string kind;
    wsh_conn_id conn; // 0: any
    std::string room; // empty: any
    wshost::Responder responder;
};

struct Hammer {
    uint64_t id = 0;
    unsigned threads = 0;
    uint64_t count = 0;
    std::unique_ptr<std::atomic<uint64_t>[]> progress;
    std::atomic<uint64_t> matched{0}, enqueued{0}, dropped{0}, failed{0};
    std::atomic<bool> done{false};
};

class Gatekit {
public:
    explicit Gatekit(wshost::InitContext &ctx) : host_(ctx.host()), gw_(ctx.host())
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

    ~Gatekit()
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

private:
    template <class Fn> void on(wshost::InitContext &ctx, const char *name, Fn fn)
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

    template <class Fn> Reply invoke(Fn fn, const Request &req, const cJSON *payload)
    {
        if constexpr (std::is_invocable_v<Fn, Gatekit &, const Request &>) {
            (void)payload;
            return fn(*this, req);
        } else {
            return (this->*fn)(req, payload);
        }
    }

    void spawn(std::thread t)
    {
        std::lock_guard lock(mu_);
        threads_.push_back(std::move(t));
    }

    // --- simple actions ---

    Reply whoami(const Request &req, const cJSON *)
    {
        Json r = object();
        add_id(r.get(), "connection", req.conn);
        return reply_success(print(r.get()));
    }

    Reply send(const Request &req, const cJSON *payload)
    {
        TargetSpec target = parse_target(payload, req.conn);
        std::string data;
        bool binary = false;
        const cJSON *text = opt_member(payload, "text");
        const cJSON *bin = opt_member(payload, "binary");
        const cJSON *raw = opt_member(payload, "text_base64");
        if ((text != nullptr) + (bin != nullptr) + (raw != nullptr) != 1)
            bad("exactly one of 'text', 'binary', 'text_base64' is required");
        if (text) {
            if (!cJSON_IsString(text))
                bad("'text' must be a string");
            data = text->valuestring;
        } else {
            const cJSON *b64 = bin ? bin : raw;
            if (!cJSON_IsString(b64))
                bad("base64 data must be a string");
            data = base64_decode(b64->valuestring);
            binary = bin != nullptr;
        }
        wshost::Receipt r = target.send(host_, data, binary);
        if (r.status != WSH_OK)
            return status_error(r.status);
        return reply_success(print(receipt_json(r.matched, r.enqueued, r.dropped).get()));
    }

    Reply set_user(const Request &req, const cJSON *payload)
    {
        wsh_conn_id conn = conn_member(payload, "connection", req.conn);
        std::string user = str_member(payload, "user", true);
        int st = gw_.set_user(conn, user);
        if (st != WSH_OK)
            return status_error(st);
        Json r = object();
        add_id(r.get(), "connection", conn);
        cJSON_AddStringToObject(r.get(), "user", user.c_str());
        return reply_success(print(r.get()));
    }

    Reply tag(const Request &req, const cJSON *payload)
    {
        wsh_conn_id conn = conn_member(payload, "connection", req.conn);
        const cJSON *set = opt_member(payload, "set");
        const cJSON *remove = opt_member(payload, "remove");
        if (set && !cJSON_IsObject(set))
            bad("'set' must be an object of strings");
        std::vector<std::string> removes;
        if (remove)
            removes = string_list(remove, "remove");
        if (set)
            for (const cJSON *e = set->child; e; e = e->next) {
                if (!cJSON_IsString(e))
                    bad("'set' must be an object of strings");
                int st = gw_.set_tag(conn, e->string, e->valuestring);
                if (st != WSH_OK)
                    return status_error(st);
            }
        for (const auto &k : removes) {
            int st = gw_.remove_tag(conn, k);
            if (st != WSH_OK)
                return status_error(st);
        }
        Json r = object();
        add_id(r.get(), "connection", conn);
        return reply_success(print(r.get()));
    }

    Reply join_or_leave(const Request &req, const cJSON *payload, bool join)
    {
        std::string room = str_member(payload, "room", true);
        if (const cJSON *user = opt_member(payload, "user")) {
            if (!cJSON_IsString(user))
                bad("'user' must be a string");
            size_t changed = 0;
            const wsh_host_api *api = host_.api();
            int st = (join ? api->join_room_user : api->leave_room_user)(
                host_.handle(), wshost::to_wsh(user->valuestring), wshost::to_wsh(room), &changed);
            if (st != WSH_OK)
                return status_error(st);
            Json r = object();
            add_u64(r.get(), "changed", changed);
            return reply_success(print(r.get()));
        }
        wsh_conn_id conn = conn_member(payload, "connection", req.conn);
        int st = join ? gw_.join_room(conn, room) : gw_.leave_room(conn, room);
        Json r = object();
        if (st == WSH_OK)
            cJSON_AddStringToObject(r.get(), "result", join ? "joined" : "left");
        else if (st == WSH_E_EXISTS && join)
            cJSON_AddStringToObject(r.get(), "result", "exists");
        else
            return status_error(st);
        return reply_success(print(r.get()));
    }

    Reply join(const Request &req, const cJSON *payload) { return join_or_leave(req, payload, true); }
    Reply leave(const Request &req, const cJSON *payload) { return join_or_leave(req, payload, false); }

    Reply info(const Request &req, const cJSON *payload)
    {
        wsh_conn_id conn = conn_member(payload, "connection", req.conn);
        std::vector<wshost::ConnInfo> out;
        int st = host_.api()->connection_info(host_.handle(), conn, &collect, &out);
        if (st != WSH_OK)
            return status_error(st);
        if (out.size() != 1)
            return reply_error("host_error", "connection_info delivered " + std::to_string(out.size()) + " infos");
        Json r = object();
        add_info(r.get(), out.front());
        return reply_success(print(r.get()));
    }

    Reply members(const Request &, const cJSON *payload)
    {
        std::string room = str_member(payload, "room", true);
        std::vector<wshost::ConnInfo> out;
        int st = host_.api()->room_members(host_.handle(), wshost::to_wsh(room), &collect, &out);
        if (st != WSH_OK)
            return status_error(st);
        std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.conn < b.conn; });
        Json r = object();
        cJSON_AddStringToObject(r.get(), "room", room.c_str());
        cJSON *list = cJSON_AddArrayToObject(r.get(), "members");
        for (const auto &m : out) {
            cJSON *o = cJSON_CreateObject();
            add_info(o, m);
            cJSON_AddItemToArray(list, o);
        }
        return reply_success(print(r.get()));
    }

    Reply count(const Request &, const cJSON *payload)
    {
        std::string room = str_member(payload, "room", true);
        size_t n = 0;
        int st = host_.api()->room_count(host_.handle(), wshost::to_wsh(room), &n);
        if (st != WSH_OK)
            return status_error(st);
        Json r = object();
        cJSON_AddStringToObject(r.get(), "room", room.c_str());
        add_u64(r.get(), "count", n);
        return reply_success(print(r.get()));
    }

    // Like GatewayApi's collector, but the raw ABI call lets us see the status.
    static void collect(const wsh_conn_info *infos, size_t n, void *user_data) noexcept
    {
        auto &out = *static_cast<std::vector<wshost::ConnInfo> *>(user_data);
        try {
            for (size_t i = 0; i < n; ++i) {
                const wsh_conn_info &in = infos[i];
                wshost::ConnInfo c;
                c.conn = in.conn;
                c.user_id.assign(wshost::to_view(in.user_id));
                c.peer.assign(wshost::to_view(in.peer));
                for (size_t t = 0; t < in.tags_count; ++t)
                    c.tags.emplace(wshost::to_view(in.tags[t].key), wshost::to_view(in.tags[t].value));
                for (size_t r = 0; r < in.rooms_count; ++r)
                    c.rooms.emplace_back(wshost::to_view(in.rooms[r]));
                if (in.struct_size >= offsetof(wsh_conn_info, dropped) + sizeof in.dropped) {
                    c.queued_messages = in.queued_messages;
                    c.queued_bytes = in.queued_bytes;
                    c.queued_bytes_peak = in.queued_bytes_peak;
                    c.dropped = in.dropped;
                }
                out.push_back(std::move(c));
            }
        } catch (...) {
        }
    }

    std::optional<wshost::ConnInfo> conn_info(wsh_conn_id conn) const
    {
        std::vector<wshost::ConnInfo> out;
        if (host_.api()->connection_info(host_.handle(), conn, &collect, &out) != WSH_OK || out.size() != 1)
            return std::nullopt;
        return std::move(out.front());
    }

    // --- gk_hammer / gk_progress ---

    Reply hammer(const Request &req, const cJSON *payload)
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

    Reply progress(const Request &, const cJSON *)
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

    // --- gk_flood ---

    Reply flood(const Request &req, const cJSON *payload)
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
        wshost::Responder responder = req.responder();

        spawn(std::thread([this, tgt, total, size, watch, pace, pace_bytes, binary, responder] {
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
                            responder.error("pace_gone", "the paced connection left at seq " + std::to_string(seq));
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
                if (auto wi = conn_info(watch)) {
                    max_q = std::max<uint64_t>(max_q, wi->queued_bytes);
                    max_m = std::max<uint64_t>(max_m, wi->queued_messages);
                    max_peak = std::max<uint64_t>(max_peak, wi->queued_bytes_peak);
                } else if (!gone_at) {
                    gone_at = seq;
                }
            }
            try {
                Json r = object();
                add_u64(r.get(), "sent", seq);
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
        return wshost::reply_later();
    }

    static void make_message(std::string &msg, uint64_t seq, uint64_t size, bool binary)
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

    // --- gk_events ---

    static bool matches(const Event &e, const Waiter &w)
    {
        return e.index >= w.since && e.kind == w.kind && (w.conn == 0 || e.conn == w.conn) &&
               (w.room.empty() || e.room == w.room);
    }

    static void add_event(cJSON *list, const Event &e)
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

    // Builds the gk_events answer; mu_ held.
    std::string events_answer(uint64_t since) const
    {
        Json r = object();
        cJSON *list = cJSON_AddArrayToObject(r.get(), "events");
        for (const Event &e : events_)
            if (e.index >= since)
                add_event(list, e);
        add_u64(r.get(), "next", events_.size());
        return print(r.get());
    }

    Reply events(const Request &req, const cJSON *payload)
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

    void record(const char *kind, const wsh_event &ev)
    {
        std::lock_guard lock(mu_);
        Event e{events_.size(), kind, ev.conn, std::string(wshost::to_view(ev.user_id)),
                std::string(wshost::to_view(ev.room)), ev.close_code};
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

    wshost::Host host_;
    wshost::GatewayApi gw_;

    std::mutex mu_; // guards everything below
    std::vector<std::thread> threads_;
    std::vector<Event> events_;
    std::vector<Waiter> waiters_;
    std::shared_ptr<Hammer> hammer_;
    uint64_t hammer_seq_ = 0;
    std::atomic<bool> stopping_{false};
};

} // namespace

WSHOST_PLUGIN(Gatekit, "gatekit", "1.0.0")

/*
 * wshost plugin ABI — the only contract between the wshost host and a plugin.
 *
 * This header is the plugin author's manual. It is plain C (C99 and C++), and no
 * libwebsockets, cJSON, toml++ or C++ type ever crosses it.
 *
 * ---------------------------------------------------------------------------
 * 1. Shape of a plugin
 * ---------------------------------------------------------------------------
 * A plugin is a shared object that exports exactly ONE symbol:
 *
 *     WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void);
 *
 * It returns a pointer to a static definition (wsh_plugin_def). Before calling
 * any other plugin code the host checks, in this order:
 *   - def->struct_size >= WSH_PLUGIN_DEF_MIN_SIZE   ("struct too small"),
 *   - def->abi_major == the host's WSH_ABI_MAJOR     ("ABI major mismatch"),
 *   - def->abi_minor <= the host's WSH_ABI_MINOR     ("ABI minor too new"),
 *   - def->name equals the `[[plugin]] name` of the TOML file.
 * Each refusal is one error line naming the plugin and both values.
 *
 * Then the host calls def->init() once. During init (and only then) the plugin
 * registers its actions, hooks and authenticator. def->fini() is called once
 * when the plugin's generation is retired (shutdown, or after a reload once no
 * handler, open reply or pending verdict of the old generation is left), and
 * also when init succeeded but another plugin of the same load failed. After
 * fini returns the object may be dlclose()d: a plugin must stop every thread it
 * started and release everything in fini. A plugin whose init failed gets no
 * fini.
 *
 * Every reload loads a fresh private copy of the file and calls its init,
 * while the old copy keeps serving the requests it already started. A plugin
 * may instead opt into a lighter reload: see wsh_plugin_def.reload.
 *
 * Build plugins with the SDK's CMake helper `wshost_add_plugin()` (hidden
 * visibility, -fno-gnu-unique, a version script exporting only the entry).
 * A plugin carrying STB_GNU_UNIQUE symbols can never be unloaded; the host warns.
 *
 * ---------------------------------------------------------------------------
 * 2. Rules that hold for every call
 * ---------------------------------------------------------------------------
 * - Strings cross as wsh_str (pointer + length, NOT NUL-terminated unless
 *   stated). They are BORROWED for the duration of the call: copy what you keep.
 *   The host copies everything a plugin passes to it before returning.
 * - Connections are 64-bit ids (wsh_conn_id), never pointers. An id is never
 *   reused during the life of the process. A gateway call about one closed
 *   connection (set_user, set_tag, join_room, connection_info, ...) returns
 *   WSH_E_GONE and touches nothing; a send that selects it counts it nowhere.
 * - Every host function returns a wsh_status (0 = WSH_OK) unless stated; each
 *   function's comment lists the codes it returns. Every function that takes
 *   a wsh_host also returns WSH_E_INVALID for a NULL host, and every one that
 *   allocates may return WSH_E_NOMEM: the host ran out of memory, stays
 *   consistent, and what the call did is unspecified (a reply or verdict it
 *   answered may be used up; a send may have reached some recipients).
 * - Host functions never throw, never call back into the plugin synchronously
 *   except where stated (room_members, connection_info), and are safe to call
 *   from any thread unless marked "init only".
 * - Hooks never run inside the call that causes them: a hook fired by a host
 *   call (join_room -> WSH_HOOK_ROOM_JOINED, auth_accept ->
 *   WSH_HOOK_AUTHENTICATED, ...) is queued to the service thread and runs
 *   after that call has returned, even when the call was made there. So a
 *   plugin may call the host while holding its own lock.
 * - Outside a running server (`wshost --check-config` loads, inits and finis
 *   every plugin without accepting connections) the gateway, reply and
 *   verdict functions return WSH_E_GONE.
 * - Structs start with a `struct_size` member and only ever grow at the end.
 *   Set struct_size = sizeof(the struct) in structs you pass to the host; the
 *   host reads only the members your size covers (wsh_target and
 *   wsh_receipt must be at least sizeof of their 1.0 layout). Check a struct
 *   the host hands you with WSH_STRUCT_HAS / WSH_API_HAS before using a
 *   member newer than the abi_minor your plugin declares.
 *
 * ---------------------------------------------------------------------------
 * 3. Actions and replies
 * ---------------------------------------------------------------------------
 * A client sends {"action":"NAME","payload":{...},"requestId":"...","metadata":{...}}.
 * The host validates the envelope and calls the handler registered for NAME
 * with a wsh_request. The handler answers through the one-shot reply id
 * req->reply, EXACTLY once, with one of:
 *   api->reply_success(host, reply, payload_json)  -> {"status":"success","payload":...}
 *   api->reply_members(host, reply, members, n)    -> the same, the host writes the payload
 *   api->reply_error(host, reply, code, message)   -> {"status":"error",...}
 *   api->reply_none(host, reply)                   -> no frame at all
 * The reply may be given inside the handler or later, from any thread. The
 * response goes only to the connection that sent the request.
 *
 * The handler's return value: WSH_OK means "answered, or will answer later".
 * Anything else means the handler failed: if the reply was not given yet the
 * client gets the error `handler_failed`.
 *
 * If no reply arrives within the action's timeout (TOML `timeout_ms`), the
 * client gets `handler_timeout`; a reply given after that returns
 * WSH_E_GONE, is counted as late and is dropped. A reply for a connection that
 * closed meanwhile is accepted (WSH_OK) and dropped: the id stays open until
 * it is answered or times out, whatever became of its connection.
 *
 * reply_success's payload must be one JSON object; it is sent byte for byte
 * as given. Anything else (not JSON, an array, trailing garbage) is replaced
 * by `handler_failed` and the call returns WSH_E_INVALID.
 *
 * The fastest correct answer (since 1.3) is reply_members: hand the host the
 * payload's members (wsh_member: a key and a string, integer, boolean, null or
 * JSON value) and it writes and escapes the object straight into the frame.
 * The plugin builds no JSON text, and the host checks the strings' UTF-8 as
 * it measures them instead of re-validating a whole text, as reply_success
 * must. A plugin that builds its reply with cJSON (or any JSON library) stays
 * correct with reply_success. {"message":"Echo: <msg>","n":3}:
 *
 *     const wsh_str rest = msg;  (a second piece: no copy of prefix + msg)
 *     const wsh_member m[] = {
 *         {WSH_STR("message"), WSH_VALUE_STRING, WSH_STR("Echo: "), &rest, 1, 0},
 *         {WSH_STR("n"), WSH_VALUE_INT, {NULL, 0}, NULL, 0, 3},
 *     };
 *     return req->api->reply_members(req->host, req->reply, m, 2);
 *
 * ---------------------------------------------------------------------------
 * 3b. Raw endpoints and message handlers (since 1.2)
 * ---------------------------------------------------------------------------
 * An `[[endpoint]]` with protocol = "raw" (README, "Endpoints") speaks no
 * envelope: every complete message a client sends there, text or binary,
 * goes whole to the message handler of the plugin its `handler` key names
 * (api->register_message_handler, in init). The host has joined the
 * fragments and applied the limits of the JSON endpoint first: the size
 * limit, for text UTF-8, and the fragment cap where the host reads the
 * frames itself ([server] frame_reader = "host"). The handler sees one
 * connection's messages in order and one at a time, also in a `blocking`
 * plugin (on the worker pool, the next message of that connection waits
 * until the handler returned for the one before). It answers, if at all,
 * through the gateway (api->send to WSH_TARGET_CONNECTION, or any other
 * target): there is no reply id. Connections of every endpoint share users,
 * tags, rooms and the control API.
 *
 * ---------------------------------------------------------------------------
 * 4. Threads: where the host calls plugin code
 * ---------------------------------------------------------------------------
 * The host runs one service thread (the event loop: every socket, timer and
 * hook), a worker pool for `blocking = true` plugins, and a reload thread.
 *   - init: at startup (and under --check-config) on the main thread, before
 *     any client is accepted; on a reload on the reload thread, while the
 *     running generation keeps serving on the other threads.
 *   - reload (wsh_plugin_def.reload): on the reload thread, while handlers of
 *     the same instance may run on the service thread or the worker pool.
 *   - fini: on the service thread when a generation retires (also at
 *     shutdown); on the thread that ran init (main or reload thread) when the
 *     load it belonged to failed, and on the main thread under
 *     --check-config. Never on a plugin's own thread and never inside a host
 *     call, so fini may join the plugin's threads.
 *   - action handlers: on the service thread, where they must not block; in a
 *     `blocking = true` [[plugin]] on a worker-pool thread (several at once:
 *     guard shared state).
 *   - message handlers (since 1.2): as action handlers, on the service
 *     thread or, `blocking`, on a worker-pool thread; one connection's
 *     messages one at a time, in order.
 *   - the authenticator: on the service thread, during the upgrade, whether
 *     or not the plugin is `blocking`. It must not block: answer later from a
 *     thread of your own when deciding takes time.
 *   - every hook: on the service thread, after the call that caused it has
 *     returned (see section 2).
 *   - a wsh_conn_info_fn: on the calling thread, inside room_members or
 *     connection_info, with no host lock held.
 * Replies, verdicts and gateway calls may be made from any of these threads
 * and from the plugin's own threads, between init and the end of fini.
 */
#ifndef WSHOST_PLUGIN_H
#define WSHOST_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version of this header. The host accepts a plugin whose major equals the
 * host's and whose minor is lower than or equal to the host's. What a minor
 * version added is marked "since 1.N" below; everything else is 1.0.
 *   1.1: WSH_E_NOT_MEMBER (leave_room).
 *   1.2: raw endpoints (section 3b): wsh_message, register_message_handler;
 *        close_connection; the endpoint and subprotocol of a connection in
 *        wsh_conn_info and in WSH_HOOK_AUTHENTICATED's wsh_event; the hooks
 *        WSH_HOOK_ROOM_CREATED, _ROOM_DESTROYED, _PING and _PONG; wsh_event.data.
 *   1.3: reply_members, wsh_member and wsh_value_kind: a success reply the
 *        host builds and escapes itself (section 3). */
#define WSH_ABI_MAJOR 1
#define WSH_ABI_MINOR 3

#if defined(__GNUC__)
#define WSH_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define WSH_PLUGIN_EXPORT
#endif

/* ------------------------------------------------------------------------- */
/* Basic types                                                                */
/* ------------------------------------------------------------------------- */

/* A borrowed string: `len` bytes at `ptr`, not necessarily NUL-terminated.
 * ptr may be NULL only when len is 0. */
typedef struct wsh_str {
    const char *ptr;
    size_t len;
} wsh_str;

/* Builds a wsh_str from a NUL-terminated literal or string. */
#define WSH_STR(s) wsh_str_from_cstr(s)

static inline wsh_str wsh_str_from_cstr(const char *s)
{
    wsh_str out;
    size_t n = 0;
    if (s)
        while (s[n])
            n++;
    out.ptr = s;
    out.len = n;
    return out;
}

/* A key and its value: a server-side tag (a connection has at most one
 * value per key), or a request header. */
typedef struct wsh_tag {
    wsh_str key;
    wsh_str value;
} wsh_tag;

/* since 1.3: the kinds of value a wsh_member carries (reply_members). */
typedef enum wsh_value_kind {
    WSH_VALUE_STRING = 0, /* text (+ more): UTF-8, written as a JSON string, escaped by the host */
    WSH_VALUE_INT = 1,    /* number: written in decimal */
    WSH_VALUE_BOOL = 2,   /* number: 0 is false, anything else true */
    WSH_VALUE_NULL = 3,   /* null; text and number unused */
    WSH_VALUE_JSON = 4    /* text (+ more): one JSON value of any type, written as
                             given after the host checked it (as reply_success does) */
} wsh_value_kind;

/* since 1.3: one member of a reply_members payload. This struct never grows
 * (it has no struct_size: it is passed in arrays); a later kind of value
 * would reuse these fields. A value in pieces (a prefix and a message, say)
 * needs no copy: `text` is the first piece and `more` the rest, written one
 * after another. Each piece of a string must be valid UTF-8 on its own (a
 * character is never split between two pieces). */
typedef struct wsh_member {
    wsh_str key;         /* the member's name: UTF-8, the host escapes it */
    wsh_value_kind kind; /* what follows holds */
    wsh_str text;        /* STRING, JSON: the value's text, or its first piece */
    const wsh_str *more; /* STRING, JSON: further pieces (NULL when more_count is 0) */
    size_t more_count;
    int64_t number; /* INT: the value; BOOL: the truth */
} wsh_member;

/* A connection id. Unique for the life of the process; 0 is never a valid id.
 * In JSON (control API, events) ids are written as decimal strings. */
typedef uint64_t wsh_conn_id;

/* A one-shot reply handle; 0 is invalid. An id names one request until it is
 * answered or times out; afterwards every call with it returns WSH_E_GONE.
 * Ids are recycled, but one comes back only after 2^40 further requests went
 * through its slot, so a stale id never reaches another request in practice. */
typedef uint64_t wsh_reply_id;

/* Opaque handle the host gives each loaded plugin instance. Pass it back to
 * every host function. Valid from init until fini returns. */
typedef struct wsh_host wsh_host;

/* Status codes returned by host functions. Stable values: a code is never
 * renumbered or reused; new ones are added at the end. */
typedef enum wsh_status {
    WSH_OK = 0,
    WSH_E_INVALID = 1,     /* an argument is malformed (bad JSON, empty name...) */
    WSH_E_GONE = 2,        /* the connection, reply or verdict no longer exists,
                              or there is no running server (--check-config) */
    WSH_E_STATE = 3,       /* not allowed now (e.g. registering after init) */
    WSH_E_EXISTS = 4,      /* already there (duplicate action, already a member) */
    WSH_E_NOMEM = 5,       /* the host ran out of memory (see section 2) */
    WSH_E_UNSUPPORTED = 6, /* reserved: no host function returns it; the value
                              stays taken. Check WSH_API_HAS() for a function
                              a host may lack. */
    WSH_E_FAILED = 7,      /* generic failure: for a plugin's own return values
                              (handlers, init, reload); no host function returns it */
    WSH_E_NOT_MEMBER = 8   /* since 1.1: leave_room on a live connection that is
                              not a member of the room */
} wsh_status;

/* Whether `ptr`, a struct of type `type` that the other side filled, carries
 * `member`: its struct_size covers the member's end. ptr must not be NULL.
 * Example: WSH_STRUCT_HAS(wsh_conn_info, info, dropped).
 *
 * A host refuses a plugin whose abi_minor is newer than its own, so every
 * struct it hands over is at least as long as the plugin's abi_minor says.
 * The check matters for a member newer than the abi_minor the plugin declares
 * (a plugin that sets an older abi_minor to run on older hosts), and on the
 * host side for what a plugin of an older minor hands over. */
#define WSH_STRUCT_HAS(type, ptr, member)                                                                    \
    ((size_t)(ptr)->struct_size >= offsetof(type, member) + sizeof(((const type *)0)->member))

/* Whether the host's function table `api` (a const wsh_host_api *) has
 * `member`: a host of an older minor version has a shorter table. Check it
 * before calling a function marked "since 1.N" newer than the abi_minor the
 * plugin declares. Example: if (WSH_API_HAS(api, auth_anonymous)) ... */
#define WSH_API_HAS(api, member) WSH_STRUCT_HAS(wsh_host_api, api, member)

/* Log levels for api->log. */
typedef enum wsh_log_level {
    WSH_LOG_ERROR = 0,
    WSH_LOG_WARN = 1,
    WSH_LOG_INFO = 2,
    WSH_LOG_DEBUG = 3
} wsh_log_level;

struct wsh_host_api;

/* ------------------------------------------------------------------------- */
/* Requests                                                                   */
/* ------------------------------------------------------------------------- */

/* What a handler receives. All strings are borrowed for the handler's call;
 * copy them if you answer later. */
typedef struct wsh_request {
    uint32_t struct_size;
    const struct wsh_host_api *api; /* the host's function table */
    wsh_host *host;                 /* this plugin's host handle */
    wsh_reply_id reply;             /* answer through this, exactly once */
    wsh_conn_id conn;               /* the connection that asked */
    wsh_str action;                 /* the action name */
    wsh_str payload;                /* byte-exact JSON object text the client sent,
                                       or "{}" when the client sent none */
    wsh_str metadata;               /* byte-exact JSON object text, or "{}" */
    wsh_str request_id;             /* the client's requestId, or empty */
    wsh_str user_id;                /* the connection's user id, empty if anonymous */
    /* append new members above this line */
} wsh_request;

/* An action handler. `user_data` is what was given to register_action. It
 * runs on the service thread, or on a worker-pool thread for a `blocking`
 * plugin (section 4). Return WSH_OK when the request is answered or will be
 * answered later. Anything else, while the reply is still open, makes the host
 * answer `handler_failed` and fire WSH_HOOK_UNHANDLED_EXCEPTION; once the
 * reply was given, a failure status changes nothing. */
typedef int (*wsh_action_fn)(const wsh_request *req, void *user_data);

/* The two kinds of data message (since 1.2). Their values are RFC 6455's
 * opcodes. */
typedef enum wsh_opcode {
    WSH_OPCODE_TEXT = 1,  /* valid UTF-8 (the host checked it) */
    WSH_OPCODE_BINARY = 2 /* any bytes */
} wsh_opcode;

/* What a message handler receives (since 1.2; section 3b). All strings are
 * borrowed for the handler's call; copy what you keep. */
typedef struct wsh_message {
    uint32_t struct_size;
    const struct wsh_host_api *api; /* the host's function table */
    wsh_host *host;                 /* this plugin's host handle */
    wsh_conn_id conn;               /* the connection that sent it */
    wsh_str endpoint;               /* the endpoint's path, e.g. "/raw" */
    wsh_opcode opcode;              /* text or binary */
    wsh_str data;                   /* the whole message, byte-exact (len may be 0) */
    wsh_str user_id;                /* the connection's user id, empty if anonymous */
    /* append new members above this line */
} wsh_message;

/* A message handler (since 1.2). `user_data` is what was given to
 * register_message_handler. It runs on the service thread, where it must not
 * block, or on a worker-pool thread for a `blocking` plugin (section 4), one
 * message of a connection at a time. Return WSH_OK; anything else logs a
 * warning and fires WSH_HOOK_UNHANDLED_EXCEPTION (ev->action empty); the
 * connection stays open either way (close it with close_connection). */
typedef int (*wsh_message_fn)(const wsh_message *msg, void *user_data);

/* ------------------------------------------------------------------------- */
/* Hooks                                                                      */
/* ------------------------------------------------------------------------- */

/* Every hook runs on the service thread, never inside the host call that
 * caused it, and for each kind in the order the plugins were registered
 * ([[plugin]] order). The strings and tags of a wsh_event are borrowed for the
 * hook's call. */
typedef enum wsh_hook_kind {
    /* A connection was admitted by the authenticator (or opened, with
     * authenticator = "none"). ev->conn, ev->user_id (empty when anonymous),
     * ev->tags / ev->tags_count (its server-side tags at admission), and
     * since 1.2 ev->endpoint and ev->subprotocol. */
    WSH_HOOK_AUTHENTICATED = 0,
    /* A connection closed. ev->conn, ev->user_id, ev->close_code. */
    WSH_HOOK_DISCONNECTED = 1,
    /* A client frame was refused before any handler ran. ev->conn,
     * ev->error_code ("invalid_json", "invalid_message", "unsupported_action"),
     * ev->message (human readable), and since 1.2 ev->data (the message's
     * first 1024 bytes). */
    WSH_HOOK_INVALID_MESSAGE = 2,
    /* A handler failed or threw (C++ wrapper). ev->conn, ev->action (empty
     * for a message handler), ev->message. */
    WSH_HOOK_UNHANDLED_EXCEPTION = 3,
    /* A connection joined a room (any cause: a plugin, the control API).
     * ev->conn, ev->user_id, ev->room. */
    WSH_HOOK_ROOM_JOINED = 4,
    /* A connection left a room, also when it disconnected (fired before
     * WSH_HOOK_DISCONNECTED). ev->conn, ev->user_id, ev->room. */
    WSH_HOOK_ROOM_LEFT = 5,
    /* since 1.2: a room got its first member (whatever caused it: a plugin,
     * the control API), fired just before that member's WSH_HOOK_ROOM_JOINED.
     * ev->room, and ev->conn / ev->user_id of that member. */
    WSH_HOOK_ROOM_CREATED = 6,
    /* since 1.2: a room lost its last member (a leave or a disconnect), fired
     * just after that member's WSH_HOOK_ROOM_LEFT. ev->room, ev->conn,
     * ev->user_id. */
    WSH_HOOK_ROOM_DESTROYED = 7,
    /* since 1.2: a client's ping, after the host queued its pong. ev->conn,
     * ev->user_id, ev->data (the payload, 0..125 bytes). Fires only where the
     * host reads the frames itself ([server] frame_reader = "host", plain
     * ws:// without permessage-deflate): libwebsockets answers pings on its
     * own path with no callback. */
    WSH_HOOK_PING = 8,
    /* since 1.2: a client's pong (an answer to the host's keepalive ping, or
     * unsolicited). ev->conn, ev->user_id, ev->data (the payload). Fires on
     * every path. */
    WSH_HOOK_PONG = 9
    /* new kinds are appended here; a host of an older minor version answers
     * register_hook with WSH_E_INVALID for a kind it does not know */
} wsh_hook_kind;

/* What a hook receives. Members that do not apply to the hook are empty/0. */
typedef struct wsh_event {
    uint32_t struct_size;
    wsh_hook_kind kind;
    wsh_conn_id conn;
    wsh_str user_id;
    wsh_str action;
    wsh_str error_code;
    wsh_str message;
    int close_code;      /* WSH_HOOK_DISCONNECTED: the WebSocket close code, or 1006 */
    wsh_str room;        /* WSH_HOOK_ROOM_JOINED / WSH_HOOK_ROOM_LEFT */
    const wsh_tag *tags; /* WSH_HOOK_AUTHENTICATED: the connection's tags */
    size_t tags_count;
    wsh_str endpoint;    /* since 1.2, WSH_HOOK_AUTHENTICATED: the endpoint's path */
    wsh_str subprotocol; /* since 1.2, WSH_HOOK_AUTHENTICATED: the one selected, empty if none */
    wsh_str data;        /* since 1.2: WSH_HOOK_PING / WSH_HOOK_PONG: the payload;
                            WSH_HOOK_INVALID_MESSAGE: the refused message's first
                            1024 bytes (text or binary as sent) */
    /* append new members above this line */
} wsh_event;

/* A hook. Runs on the service thread: it must not block. `user_data` is what
 * was given to register_hook. */
typedef void (*wsh_hook_fn)(const wsh_event *ev, void *user_data);

/* ------------------------------------------------------------------------- */
/* Gateway                                                                    */
/* ------------------------------------------------------------------------- */
/*
 * The gateway reaches connections the host owns. One targeting model:
 *   - who: one connection, one user (all of their connections), a list of
 *     users, a room, a tag predicate (every key=value pair must match: AND),
 *     or everyone;
 *   - minus: exclusions by user id and/or connection id ("everyone but the
 *     sender" is one call).
 * Every send returns a receipt {matched, enqueued, dropped}. Sending to a user
 * who is offline is matched = 0, not an error.
 *
 * Cluster ([cluster] engine = "redis", README "Cluster"): a send reaches the
 * matching connections on every node, but its receipt is this node's
 * delivery only (the other nodes deliver after send() returned, through
 * Redis). Sends from one thread to one connection keep their order across
 * nodes too.
 *
 * Guarantees:
 *   - Callable from any thread, at any time between init and fini.
 *   - Messages to one connection leave in the order the gateway accepted them,
 *     whatever thread sent them (responses included).
 *   - The data is copied before send() returns, and framed once for every
 *     recipient.
 *   - Every connection has a bounded queue ([websocket] send_queue_max_messages
 *     and send_queue_max_bytes). A push that does not fit follows
 *     [websocket] slow_consumer_policy: "disconnect" (the queue is dropped, the
 *     client gets close 1013, and a hard close follows if it does not read it)
 *     or "drop_oldest" (the oldest pushes make room; responses are never
 *     dropped). A recipient that refuses the message counts as `dropped` in the
 *     receipt; older messages that drop_oldest discards to make room are
 *     counted per connection (wsh_conn_info.dropped) and in the metrics.
 */

typedef enum wsh_target_kind {
    WSH_TARGET_CONNECTION = 0, /* target.conn */
    WSH_TARGET_USER = 1,       /* target.user */
    WSH_TARGET_USERS = 2,      /* target.users[0 .. users_count) */
    WSH_TARGET_ROOM = 3,       /* target.room */
    WSH_TARGET_TAGS = 4,       /* target.tags[0 .. tags_count): all must match */
    WSH_TARGET_ALL = 5         /* every connection */
} wsh_target_kind;

/* Who a send reaches. Zero-initialise, set struct_size = sizeof(wsh_target),
 * the kind and its member, and any exclusions. */
typedef struct wsh_target {
    uint32_t struct_size;
    wsh_target_kind kind;
    wsh_conn_id conn;
    wsh_str user;
    const wsh_str *users;
    size_t users_count;
    wsh_str room;
    const wsh_tag *tags;
    size_t tags_count;
    const wsh_str *except_users; /* these users' connections are skipped */
    size_t except_users_count;
    const wsh_conn_id *except_conns; /* these connections are skipped */
    size_t except_conns_count;
    /* append new members above this line */
} wsh_target;

/* What a send did. matched: recipients after exclusions; enqueued: queued
 * for them; dropped: recipients whose queue refused it (slow consumer, or the
 * connection is closing). matched = enqueued + dropped. */
typedef struct wsh_receipt {
    uint32_t struct_size;
    uint64_t matched;
    uint64_t enqueued;
    uint64_t dropped;
    /* append new members above this line */
} wsh_receipt;

/* A copy of what the host knows about a connection, borrowed for the call of
 * the wsh_conn_info_fn that receives it. */
typedef struct wsh_conn_info {
    uint32_t struct_size;
    wsh_conn_id conn;
    wsh_str user_id;     /* empty when anonymous */
    wsh_str peer;        /* the peer's address, e.g. "127.0.0.1" */
    const wsh_tag *tags; /* sorted by key */
    size_t tags_count;
    const wsh_str *rooms; /* sorted */
    size_t rooms_count;
    uint64_t queued_messages;   /* waiting in its send queue now */
    uint64_t queued_bytes;      /* their payload bytes */
    uint64_t queued_bytes_peak; /* the most its queue ever held, in bytes */
    uint64_t dropped;           /* pushes dropped by the slow-consumer policy */
    wsh_str endpoint;           /* since 1.2: the path of the endpoint it reached, e.g. "/" */
    wsh_str subprotocol;        /* since 1.2: the subprotocol selected, empty if none */
    /* append new members above this line */
} wsh_conn_info;

/* Receives `count` connection infos (borrowed for the call). It runs on the
 * thread that called room_members / connection_info, inside that call, with
 * no host lock held, so it may call the host again. */
typedef void (*wsh_conn_info_fn)(const wsh_conn_info *infos, size_t count, void *user_data);

/* ------------------------------------------------------------------------- */
/* Authenticators                                                             */
/* ------------------------------------------------------------------------- */
/*
 * With `[auth] authenticator = "plugin:NAME"`, plugin NAME's authenticator sees
 * every upgrade request and answers accept (a user id and optional server-side
 * tags), anonymous or reject, through the one-shot verdict id req->auth:
 * inside the call, or later from any thread, within `[auth] timeout_ms` (past
 * it the client is rejected). The authenticator runs on the service thread
 * (also for a `blocking` plugin): it must not block.
 *
 * While it decides, the connection is open but its reading is paused: frames
 * the client sends meanwhile are processed in order after an accept, and never
 * reach a handler after a reject. A rejected client is closed with 1008 and
 * the reason "authentication_failed" (the reason given to auth_reject goes to
 * the server log only). A credential that is present and invalid must be
 * rejected even when anonymous clients are allowed.
 */

/* A one-shot verdict handle. Unique for the life of the process (a counter);
 * 0 is invalid. After the verdict, its timeout or the client's leaving, every
 * call with it returns WSH_E_GONE. */
typedef uint64_t wsh_auth_id;

typedef struct wsh_auth_request {
    uint32_t struct_size;
    const struct wsh_host_api *api;
    wsh_host *host;
    wsh_auth_id auth;       /* answer through this, exactly once */
    wsh_conn_id conn;       /* the connection being admitted */
    wsh_str path;           /* the request path, without the query */
    wsh_str query;          /* the query arguments, each percent-decoded, joined by '&' */
    wsh_str peer;           /* the peer address (X-Forwarded-For from trusted proxies) */
    wsh_str origin;         /* the Origin header, empty if none */
    const wsh_tag *headers; /* request headers: lowercase names, values as sent */
    size_t headers_count;
    /* append new members above this line */
} wsh_auth_request;

/* An authenticator (service thread). Return WSH_OK when the verdict is given
 * or will be given later; anything else rejects the client, unless a verdict
 * was already given inside the call (that verdict stands). */
typedef int (*wsh_auth_fn)(const wsh_auth_request *req, void *user_data);

/* ------------------------------------------------------------------------- */
/* The host's function table                                                  */
/* ------------------------------------------------------------------------- */

typedef struct wsh_host_api {
    uint32_t struct_size; /* sizeof(wsh_host_api) as the host was built: see WSH_API_HAS */
    uint16_t abi_major;   /* the host's WSH_ABI_MAJOR */
    uint16_t abi_minor;   /* the host's WSH_ABI_MINOR */

    /* --- registration (init only) ----------------------------------------- */

    /* Registers handler `fn` for action `name` (1..128 bytes, no NUL), called
     * with `user_data`. Returns WSH_OK; WSH_E_INVALID for a bad name or a NULL
     * fn; WSH_E_EXISTS if this or another plugin already registered `name`
     * (the load then fails whatever init returns); WSH_E_STATE outside init
     * (also inside reload); WSH_E_NOMEM. */
    int (*register_action)(wsh_host *host, wsh_str name, wsh_action_fn fn, void *user_data);

    /* Registers hook `fn` for `kind`, called with `user_data`; a plugin may
     * register each kind once. Returns WSH_OK; WSH_E_INVALID for an unknown
     * kind or a NULL fn; WSH_E_EXISTS on the second registration of a kind;
     * WSH_E_STATE outside init; WSH_E_NOMEM. */
    int (*register_hook)(wsh_host *host, wsh_hook_kind kind, wsh_hook_fn fn, void *user_data);

    /* --- replies (any thread) ----------------------------------------------- */

    /* Answers `reply` with {"status":"success","payload":<payload_json>}.
     * payload_json must be one JSON object (sent byte for byte); an empty
     * string means {}. Returns WSH_OK (also when the connection closed
     * meanwhile: the answer is dropped); WSH_E_INVALID if payload_json is not
     * an object (the reply is used up: the client gets handler_failed);
     * WSH_E_GONE if the reply was already given or timed out, or outside a
     * running server; WSH_E_NOMEM. */
    int (*reply_success)(wsh_host *host, wsh_reply_id reply, wsh_str payload_json);

    /* Answers `reply` with an error. `code` is snake_case, 1..64 bytes of
     * [a-z0-9_] (e.g. "invalid_payload"); `message` is human readable.
     * Returns as reply_success: WSH_E_INVALID (reply used up, the client gets
     * handler_failed) for a bad code. */
    int (*reply_error)(wsh_host *host, wsh_reply_id reply, wsh_str code, wsh_str message);

    /* Completes `reply` without sending anything to the client. Returns WSH_OK;
     * WSH_E_GONE as reply_success; WSH_E_NOMEM. */
    int (*reply_none)(wsh_host *host, wsh_reply_id reply);

    /* Any thread. Writes one log line, prefixed with the plugin's name. Returns
     * nothing and cannot fail; a message with ptr NULL and len > 0 is ignored. */
    void (*log)(wsh_host *host, wsh_log_level level, wsh_str message);

    /* --- gateway (any thread) ---------------------------------------------- */
    /* Names: user ids, room names, tag keys and tag values are 1 to 256
     * bytes of valid UTF-8 (RFC 3629: no overlong forms, no surrogates,
     * nothing above U+10FFFF), without NUL; the limit counts bytes, not
     * characters. The host applies the same rule on every path (this API,
     * the control API, JWT claims, client tags), so a name accepted here can
     * be addressed everywhere. A call given a name that breaks the rule
     * returns WSH_E_INVALID and changes nothing (set_user also takes the empty
     * string: anonymous again). Rooms are one namespace for the whole server,
     * shared by every plugin and the control API. Every gateway function
     * returns WSH_E_GONE outside a running server, and its effect is visible
     * to every thread when it returns. Rooms and counts cover the connections
     * of this host process. */

    /* Sends `data` as one text (binary = 0) or binary (binary = 1) frame to
     * every connection `target` selects; a selector that matches nobody is
     * WSH_OK with matched = 0. `receipt` may be NULL; it is filled when its
     * struct_size >= sizeof(wsh_receipt). Returns WSH_OK; WSH_E_INVALID for a
     * text frame that is not valid UTF-8, or a malformed target (NULL, a
     * struct_size below sizeof(wsh_target), an unknown kind, NULL arrays with
     * a count, a bad name, an empty tag predicate, one key asked with two
     * values); WSH_E_GONE; WSH_E_NOMEM. */
    int (*send)(wsh_host *host, const wsh_target *target, wsh_str data, int binary, wsh_receipt *receipt);

    /* Sets the user id of a connection (empty = anonymous again), e.g. in an
     * action that logs the client in after it was admitted; the
     * authenticator's verdict sets it at admission. Sending to a user reaches
     * every connection that carries its id. Returns WSH_OK; WSH_E_INVALID for
     * a bad non-empty id; WSH_E_GONE if the connection closed; WSH_E_NOMEM. */
    int (*set_user)(wsh_host *host, wsh_conn_id conn, wsh_str user_id);

    /* Sets (or replaces) the server-side tag `key` of a connection. Returns
     * WSH_OK; WSH_E_INVALID for a bad key or value; WSH_E_GONE if the
     * connection closed; WSH_E_NOMEM. */
    int (*set_tag)(wsh_host *host, wsh_conn_id conn, wsh_str key, wsh_str value);
    /* Removes tag `key`. Returns WSH_OK (also when it was not set);
     * WSH_E_INVALID for a bad key; WSH_E_GONE if the connection closed;
     * WSH_E_NOMEM. */
    int (*remove_tag)(wsh_host *host, wsh_conn_id conn, wsh_str key);

    /* Adds a connection to a room. Returns WSH_OK when it joined (then
     * WSH_HOOK_ROOM_JOINED fires, after this call returns); WSH_E_EXISTS when
     * it already was a member (no hook); WSH_E_INVALID for a bad room name;
     * WSH_E_GONE when the connection closed; WSH_E_NOMEM. */
    int (*join_room)(wsh_host *host, wsh_conn_id conn, wsh_str room);
    /* Removes a connection from a room. Returns WSH_OK when it left (then
     * WSH_HOOK_ROOM_LEFT fires, after this call returns); WSH_E_NOT_MEMBER
     * when the connection is live but not a member (no hook; a plugin built
     * for ABI 1.0 gets WSH_E_GONE here instead, as 1.0 documented);
     * WSH_E_INVALID for a bad room name; WSH_E_GONE when the connection
     * closed; WSH_E_NOMEM. */
    int (*leave_room)(wsh_host *host, wsh_conn_id conn, wsh_str room);
    /* The same for every connection of `user`; *changed (may be NULL) gets how
     * many joined or left (0 when the user is offline or nothing changed); one
     * hook fires per connection that changed. Returns WSH_OK; WSH_E_INVALID for
     * a bad user or room name; WSH_E_GONE; WSH_E_NOMEM. In a cluster, room
     * changes of the ABI act on this node's connections only (the user's
     * connections on other nodes are not changed; the control API's user
     * forms change every node's). */
    int (*join_room_user)(wsh_host *host, wsh_str user, wsh_str room, size_t *changed);
    int (*leave_room_user)(wsh_host *host, wsh_str user, wsh_str room, size_t *changed);

    /* Stores in *count the number of connections in `room` (0 for a room that
     * does not exist) on this node: in a cluster, members held by other nodes
     * are not counted (room_members likewise lists this node's members). Returns WSH_OK; WSH_E_INVALID for a
     * bad room name or a NULL count; WSH_E_GONE; WSH_E_NOMEM. */
    int (*room_count)(wsh_host *host, wsh_str room, size_t *count);
    /* Calls `fn` once, inside this call, with every member of `room` on this
     * node (count 0 when it is empty or does not exist). Returns WSH_OK after fn returned;
     * WSH_E_INVALID for a bad room name or a NULL fn; WSH_E_GONE; WSH_E_NOMEM
     * (fn not called). */
    int (*room_members)(wsh_host *host, wsh_str room, wsh_conn_info_fn fn, void *user_data);
    /* Calls `fn` once, inside this call, with the info of one connection
     * (count 1). Returns WSH_OK after fn returned; WSH_E_GONE without calling
     * fn when the connection closed; WSH_E_INVALID for a NULL fn; WSH_E_NOMEM
     * (fn not called). */
    int (*connection_info)(wsh_host *host, wsh_conn_id conn, wsh_conn_info_fn fn, void *user_data);

    /* --- authentication ----------------------------------------------------- */

    /* init only. Registers this plugin's authenticator `fn` (one per plugin),
     * called with `user_data`. It is used when the config says authenticator
     * = "plugin:<this plugin>". `extra_headers` lists further header names
     * (1..128 bytes, matched case-insensitively, e.g. "x-api-key") to capture
     * into wsh_auth_request.headers beside the standard ones. Returns WSH_OK;
     * WSH_E_INVALID for a NULL fn, a NULL extra_headers with a count, or a bad
     * header name; WSH_E_EXISTS for a second authenticator; WSH_E_STATE
     * outside init; WSH_E_NOMEM. */
    int (*register_authenticator)(wsh_host *host, wsh_auth_fn fn, void *user_data,
                                  const wsh_str *extra_headers, size_t extra_headers_count);
    /* Any thread. Admits the client as `user_id` (1..256 bytes, no NUL) with
     * server-side `tags` (may be NULL/0; keys and values are names as in the
     * gateway). WSH_HOOK_AUTHENTICATED fires on the service thread once the
     * connection is admitted, after this call returns. `metadata_json` is
     * reserved: pass an empty wsh_str. The host checks that it is empty or a
     * JSON object and otherwise ignores it. Returns WSH_OK; WSH_E_INVALID for
     * a bad user id, tag or metadata_json (the verdict stays open); WSH_E_GONE
     * if the verdict was already given or timed out, the client left, or
     * outside a running server; WSH_E_NOMEM. */
    int (*auth_accept)(wsh_host *host, wsh_auth_id auth, wsh_str user_id, const wsh_tag *tags,
                       size_t tags_count, wsh_str metadata_json);
    /* Any thread. Rejects the client (close 1008 "authentication_failed");
     * `reason` goes to the server log only. Returns WSH_OK; WSH_E_INVALID for
     * a reason with ptr NULL and len > 0; WSH_E_GONE as auth_accept;
     * WSH_E_NOMEM. */
    int (*auth_reject)(wsh_host *host, wsh_auth_id auth, wsh_str reason);
    /* Any thread. Admits the client without a user id (anonymous), as when it
     * presented no credential. The host refuses it (as a reject) unless
     * [auth] allow_anonymous = true; the call returns WSH_OK either way.
     * Returns WSH_OK; WSH_E_GONE as auth_accept; WSH_E_NOMEM. */
    int (*auth_anonymous)(wsh_host *host, wsh_auth_id auth);

    /* --- since 1.2: raw endpoints and closing (section 3b) ------------------ */

    /* init only. Registers this plugin's message handler `fn` (one per
     * plugin), called with `user_data` for every message of each raw
     * endpoint whose `handler` names this plugin. Returns WSH_OK;
     * WSH_E_INVALID for a NULL fn; WSH_E_EXISTS for a second one;
     * WSH_E_STATE outside init; WSH_E_NOMEM. A raw endpoint whose handler
     * plugin registered none fails the load ("registers no message handler"). */
    int (*register_message_handler)(wsh_host *host, wsh_message_fn fn, void *user_data);

    /* Any thread. Closes connection `conn` of any endpoint with `code` (1000,
     * or 3000..4999 for the application's own) and `reason` (0..123 bytes of
     * UTF-8, may be empty), after what is already queued for it has been sent:
     * the rules of the control API's POST /v1/disconnect. WSH_HOOK_DISCONNECTED
     * fires once it has closed. A connection already closing keeps the code
     * it closes with. Returns WSH_OK; WSH_E_INVALID for another code or a bad
     * reason; WSH_E_GONE when the connection has closed, or outside a running
     * server; WSH_E_NOMEM. */
    int (*close_connection)(wsh_host *host, wsh_conn_id conn, int code, wsh_str reason);

    /* --- since 1.3: replies the host builds (section 3) --------------------- */

    /* Any thread. Answers `reply` with {"status":"success","payload":{...}},
     * the payload holding `members` in the order given (count 0: {}). The
     * host writes keys and strings escaped as JSON requires (", \ and the
     * control characters; nothing else), integers in decimal, and a JSON
     * member's text as given; it does not look for duplicate keys: give each
     * key once. Returns as reply_success: WSH_OK; WSH_E_INVALID (the reply is
     * used up: the client gets handler_failed) for NULL members with a
     * count, an unknown kind, a key or string piece that is not valid UTF-8,
     * a wsh_str with ptr NULL and len > 0, NULL `more` with a more_count, or
     * a JSON member whose pieces together are not one JSON value;
     * WSH_E_GONE; WSH_E_NOMEM. */
    int (*reply_members)(wsh_host *host, wsh_reply_id reply, const wsh_member *members, size_t count);

    /* append new members above this line */
} wsh_host_api;

/* ------------------------------------------------------------------------- */
/* The plugin's definition                                                    */
/* ------------------------------------------------------------------------- */

/* Handed to init. Everything in it is valid during init only, except `api`
 * and `host`, which stay valid until fini returns. */
typedef struct wsh_init_args {
    uint32_t struct_size;
    const wsh_host_api *api;
    wsh_host *host;
    wsh_str plugin_name; /* the [[plugin]] name */
    wsh_str config_json; /* the [plugin.config] table as a JSON object ("{}" if none) */
    /* append new members above this line */
} wsh_init_args;

typedef struct wsh_plugin_def {
    uint32_t struct_size; /* sizeof(wsh_plugin_def) as the plugin was built */
    uint16_t abi_major;   /* WSH_ABI_MAJOR as the plugin was built */
    uint16_t abi_minor;   /* WSH_ABI_MINOR as the plugin was built */
    const char *name;     /* NUL-terminated; must equal the [[plugin]] name */
    const char *version;  /* NUL-terminated, free form (e.g. "1.2.0") */

    /* Called once after the checks (main or reload thread: section 4).
     * Register actions, hooks and the authenticator here, parse
     * args->config_json, and store your state in *state (passed back to fini
     * and reload). Return WSH_OK, or anything else to refuse to load: the
     * host then calls no other function of the plugin (not even fini) and
     * reports "init failed (status N)". Use api->log to say why. */
    int (*init)(const wsh_init_args *args, void **state);

    /* Called once when the plugin is retired (service thread; the loading
     * thread when its load failed: section 4). No handler, hook or
     * authenticator of this plugin is running or will run; gateway calls
     * still work. May be NULL. */
    void (*fini)(void *state);

    /* Optional (NULL: not used). Opts into a lighter reload. When a reload
     * finds this plugin's file byte for byte unchanged and its [[plugin]]
     * settings (path, blocking, timeouts) unchanged, the host keeps the
     * running instance (its state, actions, hooks and authenticator) in the
     * new generation and calls reload(state, config_json) with the new
     * [plugin.config] instead of loading a fresh copy and calling init. This
     * happens on every reload that keeps the instance, even when the config
     * did not change, so a plugin can also re-read its own files here.
     *
     * It runs on the reload thread while handlers may be running on other
     * threads: swap the new config in under your own lock (or an atomic
     * pointer). Registration calls answer WSH_E_STATE here. Return WSH_OK once
     * the new config is in effect; anything else refuses it: keep the old
     * config untouched, say why with api->log, and the whole reload fails
     * ("reload failed (status N)"). The host calls reload only after every
     * freshly loaded plugin of the new generation passed init; if another
     * plugin's reload then refuses, the host calls reload again with the
     * previous config on the plugins that had already taken the new one. */
    int (*reload)(void *state, wsh_str config_json);

    /* append new members above this line */
} wsh_plugin_def;

/* Convenience: definition initialisers for the current ABI, without and with
 * a reload function. */
#define WSH_PLUGIN_DEF_INIT(name_, version_, init_, fini_)                                                   \
    WSH_PLUGIN_DEF_INIT_RELOAD(name_, version_, init_, fini_, NULL)
#define WSH_PLUGIN_DEF_INIT_RELOAD(name_, version_, init_, fini_, reload_)                                   \
    {                                                                                                        \
        (uint32_t)sizeof(wsh_plugin_def), WSH_ABI_MAJOR, WSH_ABI_MINOR, (name_), (version_), (init_),        \
            (fini_), (reload_)                                                                               \
    }

/* The one symbol a plugin exports. Declared here so that the compiler checks
 * its signature, and so that a C++ definition gets C linkage. */
WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void);

/* ========================================================================= */
/* For loaders only (the host, test harnesses): plugins need none of this.   */
/* These describe this header's version, not the host that loads a plugin.   */
/* ========================================================================= */

/* The name dlsym() looks up. */
#define WSH_PLUGIN_ENTRY_SYMBOL "wsh_plugin_entry"

/* The type of wsh_plugin_entry, for the pointer dlsym() returns. */
typedef const wsh_plugin_def *(*wsh_plugin_entry_fn)(void);

/* The smallest wsh_plugin_def a host accepts: everything up to fini. */
#define WSH_PLUGIN_DEF_MIN_SIZE (offsetof(wsh_plugin_def, fini) + sizeof(void (*)(void *)))

/* How many wsh_hook_kind values this header defines (grows with new kinds). */
#define WSH_HOOK_KIND_COUNT 10

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WSHOST_PLUGIN_H */

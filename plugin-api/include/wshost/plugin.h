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
 * registers its actions and hooks. def->fini() is called once when the plugin's
 * generation is retired (shutdown, or after a reload once no handler of the old
 * generation is still running). After fini returns the object may be dlclose()d:
 * a plugin must stop every thread it started and release everything in fini.
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
 *   reused during the life of the process. A call about a closed connection
 *   returns WSH_E_GONE and touches nothing.
 * - Every host function returns a wsh_status (0 = WSH_OK) unless stated.
 * - Host functions never throw, never call back into the plugin synchronously
 *   except where stated, and are safe to call from any thread unless marked
 *   "init only".
 * - Structs start with a `struct_size` member and only ever grow at the end.
 *   Set struct_size = sizeof(the struct) in structs you pass to the host; the
 *   host reads only the members your size covers. Check struct_size before
 *   reading a member that was appended in a later ABI minor version.
 *
 * ---------------------------------------------------------------------------
 * 3. Actions and replies
 * ---------------------------------------------------------------------------
 * A client sends {"action":"NAME","payload":{...},"requestId":"...","metadata":{...}}.
 * The host validates the envelope and calls the handler registered for NAME
 * with a wsh_request. The handler answers through the one-shot reply id
 * req->reply, EXACTLY once, with one of:
 *   api->reply_success(host, reply, payload_json)  -> {"status":"success","payload":...}
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
 * WSH_E_GONE, is counted as late and is dropped. The same happens to a reply
 * for a connection that closed meanwhile.
 *
 * reply_success's payload must be one JSON object; it is sent byte for byte
 * as given. Anything else (not JSON, an array, trailing garbage) is replaced
 * by `handler_failed` and the call returns WSH_E_INVALID.
 *
 * Plugins in a `blocking = true` [[plugin]] run their handlers on the host's
 * worker pool; all other handlers and every hook run on the service thread,
 * where they must not block.
 */
#ifndef WSHOST_PLUGIN_H
#define WSHOST_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version of this header. The host accepts a plugin whose major equals the
 * host's and whose minor is lower than or equal to the host's. */
#define WSH_ABI_MAJOR 1
#define WSH_ABI_MINOR 0

#if defined(__GNUC__)
#define WSH_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define WSH_PLUGIN_EXPORT
#endif

/* Name of the single symbol a plugin exports. */
#define WSH_PLUGIN_ENTRY_SYMBOL "wsh_plugin_entry"

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

/* A connection id. Unique for the life of the process; 0 is never a valid id.
 * In JSON (control API, events) ids are written as decimal strings. */
typedef uint64_t wsh_conn_id;

/* A one-shot reply handle. Unique for the life of the process; 0 is invalid. */
typedef uint64_t wsh_reply_id;

/* Opaque handle the host gives each loaded plugin instance. Pass it back to
 * every host function. Valid from init until fini returns. */
typedef struct wsh_host wsh_host;

/* Status codes returned by host functions. Stable values. */
typedef enum wsh_status {
    WSH_OK = 0,
    WSH_E_INVALID = 1,     /* an argument is malformed (bad JSON, empty name...) */
    WSH_E_GONE = 2,        /* the connection or reply no longer exists */
    WSH_E_STATE = 3,       /* not allowed now (e.g. registering after init) */
    WSH_E_EXISTS = 4,      /* already registered (e.g. duplicate action) */
    WSH_E_NOMEM = 5,       /* out of memory */
    WSH_E_UNSUPPORTED = 6, /* the host does not offer this */
    WSH_E_FAILED = 7       /* generic failure (a handler's return value) */
} wsh_status;

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

/* An action handler. `user_data` is what was given to register_action.
 * Return WSH_OK when the request is answered or will be answered later;
 * anything else makes the host answer `handler_failed`. */
typedef int (*wsh_action_fn)(const wsh_request *req, void *user_data);

/* ------------------------------------------------------------------------- */
/* Hooks                                                                      */
/* ------------------------------------------------------------------------- */

typedef enum wsh_hook_kind {
    /* A connection was admitted by the authenticator (or opened, with
     * authenticator = "none"). ev->conn, ev->user_id (empty when anonymous),
     * ev->tags / ev->tags_count (its server-side tags at admission). */
    WSH_HOOK_AUTHENTICATED = 0,
    /* A connection closed. ev->conn, ev->user_id, ev->close_code. */
    WSH_HOOK_DISCONNECTED = 1,
    /* A client frame was refused before any handler ran. ev->conn,
     * ev->error_code ("invalid_json", "invalid_message", "unsupported_action"),
     * ev->message (human readable). */
    WSH_HOOK_INVALID_MESSAGE = 2,
    /* A handler failed or threw (C++ wrapper). ev->conn, ev->action,
     * ev->message. */
    WSH_HOOK_UNHANDLED_EXCEPTION = 3,
    /* A connection joined a room (any cause: a plugin, the control API).
     * ev->conn, ev->user_id, ev->room. */
    WSH_HOOK_ROOM_JOINED = 4,
    /* A connection left a room, also when it disconnected (fired before
     * WSH_HOOK_DISCONNECTED). ev->conn, ev->user_id, ev->room. */
    WSH_HOOK_ROOM_LEFT = 5
} wsh_hook_kind;

#define WSH_HOOK_KIND_COUNT 6

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
    /* append new members above this line */
} wsh_event;

/* A hook. Runs on the service thread: it must not block. */
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
    /* append new members above this line */
} wsh_conn_info;

/* Receives `count` connection infos (borrowed for the call). It runs on the
 * calling thread with no host lock held, so it may call the host again. */
typedef void (*wsh_conn_info_fn)(const wsh_conn_info *infos, size_t count, void *user_data);

/* ------------------------------------------------------------------------- */
/* Authenticators                                                             */
/* ------------------------------------------------------------------------- */
/*
 * With `[auth] authenticator = "plugin:NAME"`, plugin NAME's authenticator sees
 * every upgrade request and answers accept (a user id, optional server-side
 * tags, optional metadata JSON) or reject, through the one-shot verdict id
 * req->auth: inside the call, or later from any thread, within
 * `[auth] timeout_ms` (past it the client is rejected).
 *
 * While it decides, the connection is open but its reading is paused: frames
 * the client sends meanwhile are processed in order after an accept, and never
 * reach a handler after a reject. A rejected client is closed with 1008 and
 * the reason "authentication_failed" (the reason given to auth_reject goes to
 * the server log only). A credential that is present and invalid must be
 * rejected even when anonymous clients are allowed.
 */

/* A one-shot verdict handle. Unique for the life of the process; 0 is invalid. */
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

/* An authenticator. Return WSH_OK when the verdict is given or will be given
 * later; anything else rejects the client. */
typedef int (*wsh_auth_fn)(const wsh_auth_request *req, void *user_data);

/* ------------------------------------------------------------------------- */
/* The host's function table                                                  */
/* ------------------------------------------------------------------------- */

typedef struct wsh_host_api {
    uint32_t struct_size;
    uint16_t abi_major; /* the host's WSH_ABI_MAJOR */
    uint16_t abi_minor; /* the host's WSH_ABI_MINOR */

    /* init only. Registers handler `fn` for action `name` (1..128 bytes).
     * WSH_E_EXISTS if this or another plugin already registered `name`;
     * WSH_E_STATE outside init. */
    int (*register_action)(wsh_host *host, wsh_str name, wsh_action_fn fn, void *user_data);

    /* init only. Registers a hook; a plugin may register each kind once.
     * WSH_E_EXISTS on the second registration of a kind. */
    int (*register_hook)(wsh_host *host, wsh_hook_kind kind, wsh_hook_fn fn, void *user_data);

    /* Any thread. Answers `reply` with {"status":"success","payload":<payload_json>}.
     * payload_json must be one JSON object (sent byte for byte); an empty
     * string means {}. WSH_E_INVALID if it is not an object (the client then
     * gets handler_failed); WSH_E_GONE if the reply was already given, timed
     * out, or its connection closed. */
    int (*reply_success)(wsh_host *host, wsh_reply_id reply, wsh_str payload_json);

    /* Any thread. Answers `reply` with an error. `code` is snake_case
     * (e.g. "invalid_payload"); `message` is human readable. WSH_E_INVALID if
     * code is empty or not [a-z0-9_]+. */
    int (*reply_error)(wsh_host *host, wsh_reply_id reply, wsh_str code, wsh_str message);

    /* Any thread. Completes `reply` without sending anything to the client. */
    int (*reply_none)(wsh_host *host, wsh_reply_id reply);

    /* Any thread. Writes one log line, prefixed with the plugin's name. */
    void (*log)(wsh_host *host, wsh_log_level level, wsh_str message);

    /* --- gateway (any thread) ------------------------------------------ */

    /* Sends `data` as one text (binary = 0) or binary (binary = 1) frame to
     * every connection `target` selects. A text frame must be valid UTF-8
     * (WSH_E_INVALID otherwise). `receipt` may be NULL. WSH_E_INVALID for a
     * malformed target (unknown kind, NULL arrays with a count, an empty tag
     * predicate). */
    int (*send)(wsh_host *host, const wsh_target *target, wsh_str data, int binary, wsh_receipt *receipt);

    /* Sets the user id of a connection (empty = anonymous again). Sending to
     * a user reaches every connection that carries its id. WSH_E_GONE if the
     * connection closed. Until authentication lands, this is how plugins
     * assign users. */
    int (*set_user)(wsh_host *host, wsh_conn_id conn, wsh_str user_id);

    /* Sets (or replaces) the server-side tag `key` of a connection. Keys and
     * values are non-empty, at most 256 bytes, without NUL. */
    int (*set_tag)(wsh_host *host, wsh_conn_id conn, wsh_str key, wsh_str value);
    /* Removes tag `key` (WSH_OK also when it was not set). */
    int (*remove_tag)(wsh_host *host, wsh_conn_id conn, wsh_str key);

    /* Adds a connection to a room (names: 1..256 bytes, no NUL). WSH_OK when it
     * joined, WSH_E_EXISTS when it already was a member, WSH_E_GONE when the
     * connection closed. Fires WSH_HOOK_ROOM_JOINED. */
    int (*join_room)(wsh_host *host, wsh_conn_id conn, wsh_str room);
    /* Removes a connection from a room: WSH_OK, or WSH_E_GONE when it was not a
     * member or is closed. Fires WSH_HOOK_ROOM_LEFT. */
    int (*leave_room)(wsh_host *host, wsh_conn_id conn, wsh_str room);
    /* The same for every connection of `user`; *changed (may be NULL) gets how
     * many joined or left. */
    int (*join_room_user)(wsh_host *host, wsh_str user, wsh_str room, size_t *changed);
    int (*leave_room_user)(wsh_host *host, wsh_str user, wsh_str room, size_t *changed);

    /* Number of connections in `room` (0 for a room that does not exist). */
    int (*room_count)(wsh_host *host, wsh_str room, size_t *count);
    /* Calls `fn` once with every member of `room` (count 0 when empty). */
    int (*room_members)(wsh_host *host, wsh_str room, wsh_conn_info_fn fn, void *user_data);
    /* Calls `fn` once with the info of one connection (count 1), or returns
     * WSH_E_GONE without calling it. */
    int (*connection_info)(wsh_host *host, wsh_conn_id conn, wsh_conn_info_fn fn, void *user_data);

    /* --- authentication -------------------------------------------------- */

    /* init only. Registers this plugin's authenticator (one per plugin). It is
     * used when the config says authenticator = "plugin:<this plugin>".
     * `extra_headers` lists further header names (lowercase, e.g. "x-api-key")
     * to capture into wsh_auth_request.headers beside the standard ones. */
    int (*register_authenticator)(wsh_host *host, wsh_auth_fn fn, void *user_data,
                                  const wsh_str *extra_headers, size_t extra_headers_count);
    /* Any thread. Admits the client as `user_id` (non-empty, at most 256 bytes)
     * with server-side `tags` (may be NULL/0) and `metadata_json` (a JSON
     * object or empty). WSH_E_GONE if the verdict was already given, timed out,
     * or the client left. */
    int (*auth_accept)(wsh_host *host, wsh_auth_id auth, wsh_str user_id, const wsh_tag *tags,
                       size_t tags_count, wsh_str metadata_json);
    /* Any thread. Rejects the client (close 1008 "authentication_failed");
     * `reason` goes to the server log only. */
    int (*auth_reject)(wsh_host *host, wsh_auth_id auth, wsh_str reason);
    /* Any thread. Admits the client without a user id (anonymous), as when it
     * presented no credential. The host refuses it (as a reject) unless
     * [auth] allow_anonymous = true. */
    int (*auth_anonymous)(wsh_host *host, wsh_auth_id auth);

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

    /* Called once after the checks. Register actions and hooks here, parse
     * args->config_json, and store your state in *state (passed back to fini).
     * Return WSH_OK, or anything else to refuse to load: the host then calls
     * no other function of the plugin (not even fini) and reports
     * "init failed". Use api->log to say why. */
    int (*init)(const wsh_init_args *args, void **state);

    /* Called once when the plugin is retired; no handler of this plugin is
     * running or will run. May be NULL. */
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

/* The smallest wsh_plugin_def the host accepts: everything up to fini. */
#define WSH_PLUGIN_DEF_MIN_SIZE (offsetof(wsh_plugin_def, fini) + sizeof(void (*)(void *)))

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
typedef const wsh_plugin_def *(*wsh_plugin_entry_fn)(void);
WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WSHOST_PLUGIN_H */

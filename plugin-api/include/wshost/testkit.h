/*
 * wshost plugin test kit — a fake host for a plugin's unit tests.
 *
 * This header is the test author's manual, as plugin.h is the plugin author's.
 * It is plain C (C99 and C++). Link the library libwshost-plugin-testkit:
 *   CMake:      find_package(wshost) ... target_link_libraries(t PRIVATE wshost::plugin-testkit)
 *   pkg-config: cc t.c $(pkg-config --cflags --libs wshost-plugin-testkit)
 * The library is static (libwshost-plugin-testkit.a): a test binary needs no
 * run-time path, and the kit has no ABI of its own to keep between releases.
 * It is written in C++; its link line brings libstdc++, so a C test links it
 * with the C compiler.
 *
 * ---------------------------------------------------------------------------
 * 1. What the kit is
 * ---------------------------------------------------------------------------
 * A wsh_testkit is one plugin instance in front of a wsh_host_api function
 * table that does not talk to sockets. The test
 *   - loads a plugin: a .so file (dlopen, as the host does) or a
 *     wsh_plugin_def linked into the test (wsh_testkit_load_def), runs its
 *     init with the given [plugin.config] JSON;
 *   - makes fake connections (a user id, server-side tags, an endpoint) or
 *     runs the plugin's authenticator on a fake upgrade request;
 *   - calls an action as a connection, or delivers a raw-endpoint message;
 *   - reads what the plugin did: replies (also those given later from the
 *     plugin's own threads: wsh_testkit_wait_reply), gateway sends with a
 *     copy of their target and the fake connections they reached, user, tag
 *     and room changes, closes, verdicts, log lines and the hooks the kit ran.
 * Everything the plugin does through the table is appended, in order, to one
 * record of events (section 5). The kit keeps the state the host would keep:
 * which connections are live, their user ids, tags and rooms; a send's
 * receipt counts the fake connections it selects.
 *
 * ---------------------------------------------------------------------------
 * 2. Threads
 * ---------------------------------------------------------------------------
 * The thread that drives the kit plays the host's service thread. The
 * functions of sections 3, 4 and 6 and wsh_testkit_run_hooks, the waits and
 * wsh_testkit_reset ("driving functions") must be called from one thread at
 * a time; they run plugin code (init, handlers, the authenticator, hooks,
 * fini) on that thread. The reading functions of section 5 may be called
 * from any thread.
 *
 * The function table the plugin gets may be called from any thread, as the
 * real one: recording is guarded by a lock, and a reply, verdict or send
 * made on a plugin thread wakes a test that waits for it (wsh_testkit_wait_*).
 * No kit lock is held while plugin code runs (a handler, a hook, or the
 * wsh_conn_info_fn of room_members / connection_info), so the plugin may call
 * the table from there.
 *
 * Hooks never run inside the host call that causes them (plugin.h section
 * 2): the kit queues them and runs them on the driving thread, in the order
 * they were caused, before any driving function returns (and in
 * wsh_testkit_run_hooks). A hook caused on a plugin thread (a join_room from
 * its worker) waits for the next driving call or wait.
 *
 * ---------------------------------------------------------------------------
 * 3. Where the kit differs from the real host
 * ---------------------------------------------------------------------------
 * The same: every documented return code of plugin.h (WSH_E_INVALID,
 * WSH_E_GONE, WSH_E_EXISTS, WSH_E_STATE, WSH_E_NOT_MEMBER, including the 1.0
 * answer of leave_room), the definition checks before init (struct size, ABI
 * major and minor, the name), "init only" registration, one-shot replies and
 * verdicts, the name rule, the reply JSON check and reply_members' payload
 * (the host's own strict validator, member writer and name rule are
 * compiled into the kit), room membership and
 * the room hooks (CREATED before the first JOINED, DESTROYED after the last
 * LEFT, every LEFT before DISCONNECTED), the target selection and exclusions
 * of a send, handler_failed for a failing handler.
 * Different, by design:
 *   - One plugin per kit. Rooms and users are shared only by the fake
 *     connections of that kit.
 *   - Handlers run on the driving thread, also for a plugin that would be
 *     `blocking = true`; there is no worker pool, no queue and no overload.
 *   - No frames and no send queues: a send reaches every selected live
 *     connection (matched = enqueued) unless the connection is closing
 *     (close_connection was called and the kit has not closed it yet): then
 *     it counts as dropped. wsh_conn_info's queue counters are 0. Replies are
 *     recorded, not framed: there is no envelope and no requestId echo.
 *   - No clock: a reply or verdict stays open until it is given, or until
 *     the test calls wsh_testkit_expire_reply / wsh_testkit_expire_verdict
 *     (the host's timeout_ms and [auth] timeout_ms).
 *   - The client protocol is not parsed: wsh_testkit_call takes the action
 *     and the payload as they would reach the handler. A call of an action
 *     the plugin did not register is answered `unsupported_action` and fires
 *     WSH_HOOK_INVALID_MESSAGE, as the host does.
 *   - The authenticator sees exactly the headers the test gives (names
 *     lowercased); the host captures only the standard ones and the
 *     registered extra_headers.
 *   - WSH_HOOK_PING / _PONG and any other event fire only when the test asks
 *     (wsh_testkit_fire_hook).
 *   - reload is not driven; fini runs when the kit is freed or unloaded.
 *
 * ---------------------------------------------------------------------------
 * 4. Strings and lifetimes
 * ---------------------------------------------------------------------------
 * Every const char * argument is NUL-terminated and copied before the call
 * returns. Every wsh_str or pointer the kit hands out (in a wsh_testkit_reply,
 * wsh_testkit_verdict or wsh_testkit_event) points into the kit's record and
 * stays valid, unchanged, until wsh_testkit_reset or wsh_testkit_free.
 * Strings the kit hands out are also NUL-terminated (ptr[len] == '\0').
 */
#ifndef WSHOST_TESTKIT_H
#define WSHOST_TESTKIT_H

#include <wshost/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kit: one fake host and at most one plugin instance. Opaque. */
typedef struct wsh_testkit wsh_testkit;

/* ------------------------------------------------------------------------- */
/* Lifecycle                                                                  */
/* ------------------------------------------------------------------------- */

/* A new, empty kit (no plugin, no connection). Returns NULL when out of
 * memory. The caller owns it: free it with wsh_testkit_free. */
wsh_testkit *wsh_testkit_new(void);

/* Unloads the plugin (wsh_testkit_unload) and frees the kit and everything it
 * recorded. NULL is ignored. Driving thread. */
void wsh_testkit_free(wsh_testkit *kit);

/* Loads the plugin at `path` (dlopen RTLD_NOW | RTLD_LOCAL, then
 * wsh_plugin_entry), checks its definition as the host does, and runs its
 * init with `name` as the [[plugin]] name (NULL: the definition's own name,
 * unchecked) and `config_json` as its [plugin.config] (NULL or "": "{}").
 * Hooks that init caused run before this returns.
 * Returns:
 *   WSH_OK         init returned WSH_OK: the plugin is loaded;
 *   WSH_E_FAILED   init returned something else (wsh_testkit_init_status),
 *                  or registered an action twice (the host fails such a
 *                  load whatever init returns: then fini runs);
 *   WSH_E_INVALID  a NULL kit or path, a config_json that is not one JSON
 *                  object, a file that does not load, has no entry or whose
 *                  definition the host would refuse (too small, ABI major
 *                  or minor, name): wsh_testkit_error says which, in the
 *                  host's words;
 *   WSH_E_STATE    a plugin is loaded already (one per kit; unload first);
 *   WSH_E_NOMEM.
 * After any failure nothing stays registered and no plugin is loaded; the
 * file is closed again. Driving thread. */
int wsh_testkit_load(wsh_testkit *kit, const char *path, const char *name, const char *config_json);

/* The same for a definition linked into the test binary (e.g. the plugin's
 * sources compiled into the test, and def = wsh_plugin_entry()). The kit
 * borrows `def` until the plugin is unloaded. */
int wsh_testkit_load_def(wsh_testkit *kit, const wsh_plugin_def *def, const char *name,
                         const char *config_json);

/* Runs the plugin's fini (when init succeeded), then dlclose()s its file.
 * Open replies and verdicts are closed (a later answer gets WSH_E_GONE),
 * every connection is forgotten without hooks; the record stays readable.
 * Afterwards the function table answers WSH_E_GONE, except log. A kit
 * without a plugin is left as it is. Driving thread. */
void wsh_testkit_unload(wsh_testkit *kit);

/* What the last load's init returned (0 before any load). */
int wsh_testkit_init_status(const wsh_testkit *kit);

/* Why the last failing kit call failed, one line, e.g. "ABI major mismatch:
 * plugin 2, host 1"; "" when nothing failed. Borrowed until the next driving
 * call. Never NULL for a non-NULL kit. */
const char *wsh_testkit_error(const wsh_testkit *kit);

/* Forgets everything recorded (events, replies, verdicts, wsh_testkit_error)
 * and invalidates every pointer handed out so far. Open replies and verdicts
 * are closed: a later answer gets WSH_E_GONE. Connections, rooms, tags and
 * the loaded plugin stay. Driving thread. */
void wsh_testkit_reset(wsh_testkit *kit);

/* The names of the actions the plugin registered, sorted: index 0 ..
 * count-1. *out is set to the borrowed name (valid while the plugin stays
 * loaded) and 1 is returned; 0 when index is out of range. */
size_t wsh_testkit_action_count(const wsh_testkit *kit);
int wsh_testkit_action_name(const wsh_testkit *kit, size_t index, wsh_str *out);

/* Whether the plugin registered a hook for `kind`, an authenticator, a
 * message handler: 1 or 0. */
int wsh_testkit_has_hook(const wsh_testkit *kit, wsh_hook_kind kind);
int wsh_testkit_has_authenticator(const wsh_testkit *kit);
int wsh_testkit_has_message_handler(const wsh_testkit *kit);

/* ------------------------------------------------------------------------- */
/* Connections                                                                */
/* ------------------------------------------------------------------------- */

/* What a fake connection is made of. Zero-initialise, set struct_size. */
typedef struct wsh_testkit_conn_opts {
    uint32_t struct_size;    /* sizeof(wsh_testkit_conn_opts) */
    const char *user_id;     /* NULL or "": anonymous */
    const wsh_tag *tags;     /* server-side tags at admission (may be NULL with count 0) */
    size_t tags_count;       /* a key given twice: the last value wins */
    const char *endpoint;    /* NULL: "/" */
    const char *subprotocol; /* NULL: none */
    const char *peer;        /* NULL: "127.0.0.1" */
    /* append new members above this line */
} wsh_testkit_conn_opts;

/* Opens a fake connection admitted without an authenticator (as with
 * authenticator = "none", or a JWT accept) and queues WSH_HOOK_AUTHENTICATED,
 * which runs before this returns. Returns its id (ids count up from 1 per
 * kit, shared with wsh_testkit_authenticate); 0 for a NULL kit or opts, an
 * opts->struct_size below its 1.0 size, or a user id, tag key or tag value
 * that breaks the name rule (wsh_testkit_error says which). Driving thread. */
wsh_conn_id wsh_testkit_connect_ex(wsh_testkit *kit, const wsh_testkit_conn_opts *opts);

/* wsh_testkit_connect_ex with only a user id (NULL: anonymous) and tags. */
wsh_conn_id wsh_testkit_connect(wsh_testkit *kit, const char *user_id, const wsh_tag *tags,
                                size_t tags_count);

/* Closes connection `conn` as a client or the network would, with
 * `close_code` (the WebSocket close code, 1006 for a drop): it leaves every
 * room (WSH_HOOK_ROOM_LEFT and, for a last member, _ROOM_DESTROYED, rooms in
 * name order), then WSH_HOOK_DISCONNECTED; these run before this returns.
 * Returns WSH_OK; WSH_E_GONE when it is not live; WSH_E_INVALID for a NULL
 * kit. Driving thread. */
int wsh_testkit_disconnect(wsh_testkit *kit, wsh_conn_id conn, int close_code);

/* 1 while `conn` is live (connected and not closed), else 0. A connection the
 * plugin asked to close (close_connection) stays live until the next hook
 * run, when the kit closes it with the code it asked for. */
int wsh_testkit_is_live(const wsh_testkit *kit, wsh_conn_id conn);

/* The connection's user id as the host keeps it (empty when anonymous or
 * not live), copied into *out. Returns 1 when live, 0 otherwise. The copy
 * is borrowed until the next call of this function or wsh_testkit_tag_of.
 * Driving thread. */
int wsh_testkit_user_of(wsh_testkit *kit, wsh_conn_id conn, wsh_str *out);

/* The value of tag `key` on `conn`, as *out (borrowed as for
 * wsh_testkit_user_of). Returns 1 when set, 0 when not set or not live.
 * Driving thread. */
int wsh_testkit_tag_of(wsh_testkit *kit, wsh_conn_id conn, const char *key, wsh_str *out);

/* 1 when `conn` is a member of `room`, else 0. */
int wsh_testkit_in_room(const wsh_testkit *kit, wsh_conn_id conn, const char *room);

/* The number of live connections in `room` (0 for no such room). */
size_t wsh_testkit_room_size(const wsh_testkit *kit, const char *room);

/* Joins / leaves `conn` to / from `room` as the control API would (the
 * plugin did not ask): the room hooks fire as for a plugin's call and run
 * before this returns. Nothing is recorded but the hooks. Returns what the
 * plugin's join_room / leave_room would (WSH_OK, WSH_E_EXISTS,
 * WSH_E_NOT_MEMBER, WSH_E_GONE, WSH_E_INVALID). Driving thread. */
int wsh_testkit_join_room(wsh_testkit *kit, wsh_conn_id conn, const char *room);
int wsh_testkit_leave_room(wsh_testkit *kit, wsh_conn_id conn, const char *room);

/* ------------------------------------------------------------------------- */
/* Actions, replies and raw messages                                          */
/* ------------------------------------------------------------------------- */

typedef enum wsh_testkit_reply_kind {
    WSH_TESTKIT_REPLY_PENDING = 0, /* not answered yet */
    WSH_TESTKIT_REPLY_SUCCESS = 1, /* reply_success or reply_members: payload */
    WSH_TESTKIT_REPLY_ERROR = 2,   /* reply_error, or the host's error: code, message */
    WSH_TESTKIT_REPLY_NONE = 3     /* reply_none: no frame would be sent */
} wsh_testkit_reply_kind;

/* A request's answer as the kit recorded it. */
typedef struct wsh_testkit_reply {
    uint32_t struct_size;        /* set by the kit: sizeof(wsh_testkit_reply) */
    wsh_reply_id id;             /* the reply id the handler got (0: no call was made) */
    wsh_conn_id conn;            /* the connection that asked */
    wsh_testkit_reply_kind kind; /* pending, success, error or none */
    wsh_str payload;             /* SUCCESS: the JSON object byte for byte ("{}" for an empty one) */
    wsh_str code;                /* ERROR: the plugin's code, or the host's: handler_failed,
                                    handler_timeout, unsupported_action */
    wsh_str message;             /* ERROR: the message */
    int by_host;                 /* 1 when the host answered (handler_failed after a failing
                                    handler or a refused reply, handler_timeout,
                                    unsupported_action), 0 when the plugin did */
    int handler_status;          /* what the handler returned (0 when no handler ran) */
    /* append new members above this line */
} wsh_testkit_reply;

/* Calls the handler of `action` as connection `conn` would with
 * {"action":action,"payload":payload_json}, on the driving thread, then runs
 * the queued hooks. payload_json NULL or "" is "{}". The handler gets a
 * fresh reply id, conn, action, payload, metadata "{}", an empty request id
 * and the connection's current user id. After it returned, while the reply
 * is still open: a status other than WSH_OK answers handler_failed and fires
 * WSH_HOOK_UNHANDLED_EXCEPTION, as the host does. An action the plugin did
 * not register is answered unsupported_action ("Action 'x' is not
 * supported.") and fires WSH_HOOK_INVALID_MESSAGE; no handler runs.
 * If `out` is not NULL it receives the reply as it stands when this returns
 * (kind PENDING if the plugin answers later). Returns the reply id; 0
 * without calling anything for a NULL kit or action, a connection that is
 * not live, or a payload that is not one JSON object (the host would not
 * deliver it) — then out->id is 0 too, and wsh_testkit_error says why.
 * Driving thread. */
wsh_reply_id wsh_testkit_call(wsh_testkit *kit, wsh_conn_id conn, const char *action,
                              const char *payload_json, wsh_testkit_reply *out);

/* wsh_testkit_call with a metadata object (NULL: "{}") and a requestId (NULL:
 * empty) for the wsh_request. */
wsh_reply_id wsh_testkit_call_ex(wsh_testkit *kit, wsh_conn_id conn, const char *action,
                                 const char *payload_json, const char *metadata_json, const char *request_id,
                                 wsh_testkit_reply *out);

/* The reply to request `id` as it stands now, into *out. Returns 1 when the
 * kit knows the id (answered or not), 0 otherwise (out->id is then 0). Any
 * thread. */
int wsh_testkit_get_reply(const wsh_testkit *kit, wsh_reply_id id, wsh_testkit_reply *out);

/* Waits until request `id` is answered (by a plugin thread, typically), at
 * most timeout_ms milliseconds (0: do not wait; negative: no limit), running
 * the hooks queued meanwhile. Fills *out (may be NULL) as wsh_testkit_get_reply.
 * Returns 1 when answered, 0 on timeout or for an unknown id. Driving thread. */
int wsh_testkit_wait_reply(wsh_testkit *kit, wsh_reply_id id, int timeout_ms, wsh_testkit_reply *out);

/* The action's timeout as the host applies it: an open reply `id` is
 * answered handler_timeout (by_host = 1); a later answer from the plugin gets
 * WSH_E_GONE. Returns 1 when it was open, 0 otherwise. Driving thread. */
int wsh_testkit_expire_reply(wsh_testkit *kit, wsh_reply_id id);

/* Hands the plugin's message handler one whole raw-endpoint message of
 * connection `conn`: wsh_message with the connection's endpoint, `opcode`,
 * `data` (len bytes; data may be NULL when len is 0) and its user id; then
 * runs the queued hooks. A status other than WSH_OK fires
 * WSH_HOOK_UNHANDLED_EXCEPTION with an empty action, as the host does (the
 * connection stays open). Returns the handler's status; WSH_E_INVALID for a
 * NULL kit, an opcode other than text or binary, text that is not valid
 * UTF-8 (the host closes such a connection with 1007 instead) or NULL data
 * with a length; WSH_E_GONE when `conn` is not live; WSH_E_STATE when the
 * plugin registered no message handler. Driving thread. */
int wsh_testkit_deliver(wsh_testkit *kit, wsh_conn_id conn, wsh_opcode opcode, const void *data, size_t len);

/* ------------------------------------------------------------------------- */
/* The authenticator                                                          */
/* ------------------------------------------------------------------------- */

/* A fake upgrade request. Zero-initialise, set struct_size. */
typedef struct wsh_testkit_upgrade {
    uint32_t struct_size;   /* sizeof(wsh_testkit_upgrade) */
    const char *path;       /* NULL: the endpoint, or "/" */
    const char *query;      /* percent-decoded arguments joined by '&'; NULL: "" */
    const char *peer;       /* NULL: "127.0.0.1" */
    const char *origin;     /* NULL: "" */
    const wsh_tag *headers; /* handed over as given, names lowercased */
    size_t headers_count;
    const char *endpoint;    /* the connection's endpoint once admitted; NULL: "/" */
    const char *subprotocol; /* NULL: none */
    /* append new members above this line */
} wsh_testkit_upgrade;

typedef enum wsh_testkit_verdict_kind {
    WSH_TESTKIT_VERDICT_PENDING = 0,   /* not given yet */
    WSH_TESTKIT_VERDICT_ACCEPT = 1,    /* auth_accept: user_id, tags */
    WSH_TESTKIT_VERDICT_ANONYMOUS = 2, /* auth_anonymous (admitted only if anonymous is allowed) */
    WSH_TESTKIT_VERDICT_REJECT = 3     /* auth_reject (reason), or the host's reject: a
                                          failing authenticator, a timeout */
} wsh_testkit_verdict_kind;

typedef struct wsh_testkit_verdict {
    uint32_t struct_size;          /* set by the kit: sizeof(wsh_testkit_verdict) */
    wsh_auth_id auth;              /* the verdict id the authenticator got */
    wsh_testkit_verdict_kind kind; /* as given by the plugin */
    wsh_conn_id conn;              /* the connection; live once admitted */
    int admitted;                  /* 1 when the kit admitted it (accept, or anonymous allowed) */
    wsh_str user_id;               /* ACCEPT: the user id */
    const wsh_tag *tags;           /* ACCEPT: the server-side tags, as given */
    size_t tags_count;
    wsh_str reason;           /* REJECT: the reason (for the log), or the host's: "authenticator
                                 failed (status N)", "timeout"; ANONYMOUS not admitted:
                                 "anonymous not allowed" */
    int authenticator_status; /* what the authenticator returned */
    /* append new members above this line */
} wsh_testkit_verdict;

/* Whether anonymous clients are admitted ([auth] allow_anonymous; the
 * host's default, 1, is the kit's). Driving thread. */
void wsh_testkit_allow_anonymous(wsh_testkit *kit, int allow);

/* Runs the plugin's authenticator on `upgrade` for a new connection (its id
 * in the verdict) and returns the verdict id; 0 when the plugin registered
 * none, for NULL arguments or a struct_size below the 1.0 size. The verdict
 * may come inside the call or later from any thread; on accept (or allowed
 * anonymous) the connection becomes live with that user id and tags and
 * WSH_HOOK_AUTHENTICATED is queued; on reject it never does. A status other
 * than WSH_OK rejects the client unless a verdict was given inside the call.
 * If `out` is not NULL it receives the verdict as it stands when this
 * returns. Driving thread. */
wsh_auth_id wsh_testkit_authenticate(wsh_testkit *kit, const wsh_testkit_upgrade *upgrade,
                                     wsh_testkit_verdict *out);

/* The verdict `auth` as it stands, into *out. Returns 1 for a known id. Any
 * thread. */
int wsh_testkit_get_verdict(const wsh_testkit *kit, wsh_auth_id auth, wsh_testkit_verdict *out);

/* Waits for verdict `auth` as wsh_testkit_wait_reply does for a reply, and
 * runs the hooks queued meanwhile (an accept's WSH_HOOK_AUTHENTICATED among
 * them). Returns 1 when given, 0 on timeout or for an unknown id. Driving
 * thread. */
int wsh_testkit_wait_verdict(wsh_testkit *kit, wsh_auth_id auth, int timeout_ms, wsh_testkit_verdict *out);

/* [auth] timeout_ms: an open verdict becomes a reject ("timeout"); the
 * plugin's later answer gets WSH_E_GONE. Returns 1 when it was open. */
int wsh_testkit_expire_verdict(wsh_testkit *kit, wsh_auth_id auth);

/* ------------------------------------------------------------------------- */
/* The record                                                                 */
/* ------------------------------------------------------------------------- */

typedef enum wsh_testkit_event_kind {
    WSH_TESTKIT_EV_ANY = 0,        /* a filter only: every kind */
    WSH_TESTKIT_EV_REPLY = 1,      /* a request was answered (plugin or host): reply, conn, code */
    WSH_TESTKIT_EV_SEND = 2,       /* api->send: target, data, binary, receipt, recipients */
    WSH_TESTKIT_EV_SET_USER = 3,   /* api->set_user: conn, user */
    WSH_TESTKIT_EV_SET_TAG = 4,    /* api->set_tag: conn, key, value */
    WSH_TESTKIT_EV_REMOVE_TAG = 5, /* api->remove_tag: conn, key */
    WSH_TESTKIT_EV_JOIN_ROOM = 6,  /* api->join_room (conn) or join_room_user (user): room, changed */
    WSH_TESTKIT_EV_LEAVE_ROOM = 7, /* api->leave_room / leave_room_user: as JOIN_ROOM */
    WSH_TESTKIT_EV_CLOSE = 8,      /* api->close_connection: conn, code, data (the reason) */
    WSH_TESTKIT_EV_VERDICT = 9,    /* api->auth_accept / _reject / _anonymous: auth, code */
    WSH_TESTKIT_EV_HOOK = 10,      /* the kit fired a hook: code (wsh_hook_kind), conn, user,
                                      room, delivered */
    WSH_TESTKIT_EV_LOG = 11        /* api->log: code (wsh_log_level), data (the message) */
    /* new kinds are appended here */
} wsh_testkit_event_kind;

/* One entry of the record. Members that do not apply to the kind are
 * empty/0. Every call the plugin made is recorded, also a refused one:
 * `status` is what the table returned to the plugin. */
typedef struct wsh_testkit_event {
    uint32_t struct_size; /* set by the kit: sizeof(wsh_testkit_event) */
    wsh_testkit_event_kind kind;
    size_t index;                  /* its position in the record, from 0 */
    int status;                    /* what the host function returned (WSH_OK, WSH_E_...); HOOK, REPLY: 0 */
    wsh_conn_id conn;              /* the connection the call or hook is about; SEND: target.conn for a
                                      WSH_TARGET_CONNECTION target, else 0 */
    wsh_str user;                  /* SET_USER: the new id; JOIN/LEAVE_ROOM for a user; VERDICT: the user id
                                      accepted; HOOK: the connection's user id */
    wsh_str room;                  /* JOIN/LEAVE_ROOM; HOOK of a room kind */
    wsh_str key;                   /* SET_TAG, REMOVE_TAG */
    wsh_str value;                 /* SET_TAG */
    wsh_str data;                  /* SEND: the frame; LOG: the message; CLOSE, VERDICT reject: the reason;
                                      HOOK: wsh_event.data (or, UNHANDLED_EXCEPTION / INVALID_MESSAGE, the
                                      message) */
    int binary;                    /* SEND: 1 for a binary frame */
    int code;                      /* REPLY: wsh_testkit_reply_kind; CLOSE: the close code; LOG: the level;
                                      VERDICT: wsh_testkit_verdict_kind; HOOK: the wsh_hook_kind */
    wsh_reply_id reply;            /* REPLY: the id (details: wsh_testkit_get_reply) */
    wsh_auth_id auth;              /* VERDICT: the id (details: wsh_testkit_get_verdict) */
    const wsh_target *target;      /* SEND: a deep copy of the plugin's target (NULL if it gave none) */
    wsh_receipt receipt;           /* SEND: the receipt the kit filled in */
    const wsh_conn_id *recipients; /* SEND: the live connections it reached, ascending */
    size_t recipients_count;       /* = receipt.matched */
    size_t changed;                /* JOIN/LEAVE_ROOM: connections that joined / left */
    int delivered;                 /* HOOK: 1 when the plugin had registered that kind (its hook ran) */
    /* append new members above this line */
} wsh_testkit_event;

/* How many events are recorded. Any thread. */
size_t wsh_testkit_event_count(const wsh_testkit *kit);

/* Event `index` into *out. Returns 1, or 0 when index is out of range. Any
 * thread. */
int wsh_testkit_event_at(const wsh_testkit *kit, size_t index, wsh_testkit_event *out);

/* The first event of `kind` (WSH_TESTKIT_EV_ANY: any) at or after *cursor,
 * into *out; *cursor moves past it. Returns 1, or 0 when there is none (the
 * cursor stays). Start with a cursor of 0. Any thread. */
int wsh_testkit_next_event(const wsh_testkit *kit, wsh_testkit_event_kind kind, size_t *cursor,
                           wsh_testkit_event *out);

/* wsh_testkit_next_event, waiting at most timeout_ms (negative: no limit)
 * for such an event to be recorded, and running the hooks queued meanwhile.
 * Returns 1 or 0 (timeout). Driving thread. */
int wsh_testkit_wait_event(wsh_testkit *kit, wsh_testkit_event_kind kind, size_t *cursor, int timeout_ms,
                           wsh_testkit_event *out);

/* A frame a fake connection received through the gateway (api->send). */
typedef struct wsh_testkit_frame {
    uint32_t struct_size; /* set by the kit: sizeof(wsh_testkit_frame) */
    wsh_str data;         /* byte for byte as sent */
    int binary;           /* 1 for a binary frame */
    size_t event;         /* the index of its SEND event */
    /* append new members above this line */
} wsh_testkit_frame;

/* The next frame at or after event *cursor that a send delivered to `conn`
 * (a SEND event with status WSH_OK whose recipients include it), into *out;
 * *cursor moves past its event. Returns 1, or 0 when there is none. Replies
 * are not frames here: read them with wsh_testkit_get_reply. Any thread. */
int wsh_testkit_next_frame(const wsh_testkit *kit, wsh_conn_id conn, size_t *cursor, wsh_testkit_frame *out);

/* Runs the hooks queued so far (and the closes the plugin asked for) on the
 * driving thread, including those they cause in turn. Driving functions
 * do this before they return; call it after a plugin thread did something
 * whose hooks the test wants to see. */
void wsh_testkit_run_hooks(wsh_testkit *kit);

/* Fires hook `ev->kind` with a copy of `*ev` (its strings and tags are
 * borrowed for the call; the kit sets struct_size = sizeof(wsh_event)) and
 * records a HOOK event. For events the kit cannot cause itself:
 * WSH_HOOK_PING, WSH_HOOK_PONG, an INVALID_MESSAGE of another kind. The
 * connection's state is not changed. Returns 1 when the plugin had a hook of
 * that kind, else 0. Driving thread. */
int wsh_testkit_fire_hook(wsh_testkit *kit, const wsh_event *ev);

/* ------------------------------------------------------------------------- */
/* Helpers                                                                    */
/* ------------------------------------------------------------------------- */

/* 1 when `s` holds exactly the bytes of the NUL-terminated `text`, else 0.
 * A NULL text equals only the empty string. */
int wsh_testkit_str_eq(wsh_str s, const char *text);

/* 1 when the log lines recorded so far (LOG events) include one that
 * contains `needle`, else 0. Any thread. */
int wsh_testkit_logged(const wsh_testkit *kit, const char *needle);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WSHOST_TESTKIT_H */

/*
 * rawkit: a fixture plugin for the raw-endpoint tests (C99), meant to run
 * with `blocking = true` (its message handler then runs on the worker pool).
 *
 * Message handler (the endpoint whose `handler` is "rawkit"):
 *   - every message is echoed back with its opcode, after a random sleep of
 *     0..sleep_max_ms ms ([plugin.config] sleep_max_ms, default 0);
 *   - while it runs, the connection is marked busy: a second message of the
 *     same connection entering meanwhile counts as an overlap (the host
 *     promises one at a time);
 *   - a text message "seq:N" must come after "seq:N-1" of its connection
 *     (N from 0): any other order counts as out_of_order;
 *   - a text message "fail" is not echoed: the handler returns WSH_E_FAILED;
 *   - a text message "badkind" sends to a target whose kind is no
 *     wsh_target_kind (99, as a C plugin may store) and is answered "rc=N";
 *   - a text message "info" is answered "endpoint=E" with E the connection's
 *     endpoint as connection_info reports it, then " subprotocol=S" when it
 *     has one.
 *
 * Hooks recorded: WSH_HOOK_AUTHENTICATED (its endpoint and subprotocol) and
 * WSH_HOOK_UNHANDLED_EXCEPTION (its action, empty for a message handler);
 * the room, ping, pong and invalid_message hooks as events.
 *
 * Actions (on a JSON endpoint):
 *   rk_stats   -> {"messages":N,"overlaps":N,"out_of_order":N,
 *                 "auth_endpoints":["/raw",...],"auth_subprotocols":["",...],
 *                 "failures":[{"action":"",
 *                 "message":"..."}]}
 *   rk_join / rk_leave {"room":"r"} -> {"rc":N} (join_room / leave_room of
 *                 the asking connection)
 *   rk_events  -> {"events":[{"kind":"room_created","conn":"17","room":"r",
 *                 "error_code":"","data":"..."},...]} in the order the hooks
 *                 ran (data: the event's bytes, as a JSON string)
 */
#define _POSIX_C_SOURCE 200809L

#include "fixture_kit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RK_MAX_CONNS 256
#define RK_MAX_RECORDS 256

typedef struct rk_conn {
    wsh_conn_id conn;
    int busy;
    long next_seq;
} rk_conn;

typedef struct rk_state {
    const wsh_host_api *api;
    wsh_host *host;
    long sleep_max_ms;
    pthread_mutex_t mu;
    unsigned seed;
    rk_conn conns[RK_MAX_CONNS];
    long messages, overlaps, out_of_order;
    char *auth_endpoints[RK_MAX_RECORDS];
    char *auth_subprotocols[RK_MAX_RECORDS];
    size_t auth_count;
    char *failures[RK_MAX_RECORDS]; /* JSON objects */
    size_t failure_count;
    char *events[RK_MAX_RECORDS]; /* JSON objects */
    size_t event_count;
} rk_state;

static const char *event_kind(wsh_hook_kind kind)
{
    switch (kind) {
    case WSH_HOOK_ROOM_JOINED:
        return "room_joined";
    case WSH_HOOK_ROOM_LEFT:
        return "room_left";
    case WSH_HOOK_ROOM_CREATED:
        return "room_created";
    case WSH_HOOK_ROOM_DESTROYED:
        return "room_destroyed";
    case WSH_HOOK_PING:
        return "ping";
    case WSH_HOOK_PONG:
        return "pong";
    case WSH_HOOK_INVALID_MESSAGE:
        return "invalid_message";
    default:
        return NULL;
    }
}

/* The record of `conn`, created on first use (NULL when the table is full). mu held. */
static rk_conn *conn_record(rk_state *st, wsh_conn_id conn)
{
    size_t i, free_slot = RK_MAX_CONNS;
    for (i = 0; i < RK_MAX_CONNS; i++) {
        if (st->conns[i].conn == conn)
            return &st->conns[i];
        if (st->conns[i].conn == 0 && free_slot == RK_MAX_CONNS)
            free_slot = i;
    }
    if (free_slot == RK_MAX_CONNS)
        return NULL;
    st->conns[free_slot].conn = conn;
    return &st->conns[free_slot];
}

static int send_to(const wsh_message *msg, wsh_str data, int binary)
{
    wsh_target to;
    memset(&to, 0, sizeof to);
    to.struct_size = sizeof to;
    to.kind = WSH_TARGET_CONNECTION;
    to.conn = msg->conn;
    return msg->api->send(msg->host, &to, data, binary, NULL);
}

static void on_info(const wsh_conn_info *infos, size_t count, void *user_data)
{
    fk_buf *b = user_data;
    fk_buf_cstr(b, "endpoint=");
    if (count == 1 && WSH_STRUCT_HAS(wsh_conn_info, &infos[0], endpoint))
        fk_buf_add(b, infos[0].endpoint.ptr, infos[0].endpoint.len);
    if (count == 1 && WSH_STRUCT_HAS(wsh_conn_info, &infos[0], subprotocol) && infos[0].subprotocol.len) {
        fk_buf_cstr(b, " subprotocol=");
        fk_buf_add(b, infos[0].subprotocol.ptr, infos[0].subprotocol.len);
    }
}

static int is_text(const wsh_message *msg, const char *s)
{
    size_t n = strlen(s);
    return msg->opcode == WSH_OPCODE_TEXT && msg->data.len == n && memcmp(msg->data.ptr, s, n) == 0;
}

static int rk_message(const wsh_message *msg, void *ud)
{
    rk_state *st = ud;
    rk_conn *c;
    long sleep_ms = 0;
    int rc = WSH_OK;

    pthread_mutex_lock(&st->mu);
    st->messages++;
    c = conn_record(st, msg->conn);
    if (c) {
        if (c->busy)
            st->overlaps++;
        c->busy = 1;
        if (msg->opcode == WSH_OPCODE_TEXT && msg->data.len > 4 && memcmp(msg->data.ptr, "seq:", 4) == 0) {
            char *n = fk_strndup(msg->data.ptr + 4, msg->data.len - 4);
            if (n && strtol(n, NULL, 10) != c->next_seq)
                st->out_of_order++;
            if (n)
                c->next_seq = strtol(n, NULL, 10) + 1;
            free(n);
        }
    }
    if (st->sleep_max_ms > 0)
        sleep_ms = (long)(rand_r(&st->seed) % (unsigned)(st->sleep_max_ms + 1));
    pthread_mutex_unlock(&st->mu);

    if (sleep_ms)
        fk_sleep_ms(sleep_ms);
    if (is_text(msg, "fail")) {
        rc = WSH_E_FAILED;
    } else if (is_text(msg, "badkind")) {
        wsh_target to;
        int bad_rc;
        char answer[32];
        memset(&to, 0, sizeof to);
        to.struct_size = sizeof to;
        to.kind = (wsh_target_kind)99;
        bad_rc = msg->api->send(msg->host, &to, WSH_STR("never"), 0, NULL);
        snprintf(answer, sizeof answer, "rc=%d", bad_rc);
        send_to(msg, (wsh_str){answer, strlen(answer)}, 0);
    } else if (is_text(msg, "info")) {
        fk_buf b = {0};
        msg->api->connection_info(msg->host, msg->conn, on_info, &b);
        send_to(msg, fk_buf_str(&b), 0);
        free(b.ptr);
    } else {
        send_to(msg, msg->data, msg->opcode == WSH_OPCODE_BINARY);
    }

    pthread_mutex_lock(&st->mu);
    if (c)
        c->busy = 0;
    pthread_mutex_unlock(&st->mu);
    return rc;
}

static void rk_hook(const wsh_event *ev, void *ud)
{
    rk_state *st = ud;
    fk_buf b = {0};
    pthread_mutex_lock(&st->mu);
    if (ev->kind == WSH_HOOK_AUTHENTICATED && st->auth_count < RK_MAX_RECORDS) {
        st->auth_subprotocols[st->auth_count] = fk_strndup(ev->subprotocol.ptr, ev->subprotocol.len);
        st->auth_endpoints[st->auth_count++] = fk_strndup(ev->endpoint.ptr, ev->endpoint.len);
    } else if (event_kind(ev->kind) && st->event_count < RK_MAX_RECORDS) {
        fk_buf_cstr(&b, "{\"kind\":\"");
        fk_buf_cstr(&b, event_kind(ev->kind));
        fk_buf_cstr(&b, "\",\"conn\":");
        fk_buf_json_conn(&b, ev->conn);
        fk_buf_cstr(&b, ",\"room\":");
        fk_buf_json_wstr(&b, ev->room);
        fk_buf_cstr(&b, ",\"error_code\":");
        fk_buf_json_wstr(&b, ev->error_code);
        fk_buf_cstr(&b, ",\"data\":");
        fk_buf_json_wstr(&b, WSH_STRUCT_HAS(wsh_event, ev, data) ? ev->data : (wsh_str){NULL, 0});
        fk_buf_cstr(&b, "}");
        if (!b.oom) {
            st->events[st->event_count++] = b.ptr;
            b.ptr = NULL;
        }
    } else if (ev->kind == WSH_HOOK_UNHANDLED_EXCEPTION && st->failure_count < RK_MAX_RECORDS) {
        fk_buf_cstr(&b, "{\"action\":");
        fk_buf_json_wstr(&b, ev->action);
        fk_buf_cstr(&b, ",\"message\":");
        fk_buf_json_wstr(&b, ev->message);
        fk_buf_cstr(&b, "}");
        if (!b.oom) {
            st->failures[st->failure_count++] = b.ptr;
            b.ptr = NULL;
        }
    }
    pthread_mutex_unlock(&st->mu);
    free(b.ptr);
}

static int rk_stats(const wsh_request *req, void *ud)
{
    rk_state *st = ud;
    fk_buf b = {0};
    char num[160];
    size_t i;
    pthread_mutex_lock(&st->mu);
    snprintf(num, sizeof num, "{\"messages\":%ld,\"overlaps\":%ld,\"out_of_order\":%ld,\"auth_endpoints\":[",
             st->messages, st->overlaps, st->out_of_order);
    fk_buf_cstr(&b, num);
    for (i = 0; i < st->auth_count; i++) {
        if (i)
            fk_buf_cstr(&b, ",");
        fk_buf_json_str(&b, st->auth_endpoints[i] ? st->auth_endpoints[i] : "",
                        st->auth_endpoints[i] ? strlen(st->auth_endpoints[i]) : 0);
    }
    fk_buf_cstr(&b, "],\"auth_subprotocols\":[");
    for (i = 0; i < st->auth_count; i++) {
        if (i)
            fk_buf_cstr(&b, ",");
        fk_buf_json_str(&b, st->auth_subprotocols[i] ? st->auth_subprotocols[i] : "",
                        st->auth_subprotocols[i] ? strlen(st->auth_subprotocols[i]) : 0);
    }
    fk_buf_cstr(&b, "],\"failures\":[");
    for (i = 0; i < st->failure_count; i++) {
        if (i)
            fk_buf_cstr(&b, ",");
        fk_buf_cstr(&b, st->failures[i]);
    }
    fk_buf_cstr(&b, "]}");
    pthread_mutex_unlock(&st->mu);
    return fk_reply_buf(req, &b);
}

static int rk_events(const wsh_request *req, void *ud)
{
    rk_state *st = ud;
    fk_buf b = {0};
    size_t i;
    pthread_mutex_lock(&st->mu);
    fk_buf_cstr(&b, "{\"events\":[");
    for (i = 0; i < st->event_count; i++) {
        if (i)
            fk_buf_cstr(&b, ",");
        fk_buf_cstr(&b, st->events[i]);
    }
    fk_buf_cstr(&b, "]}");
    pthread_mutex_unlock(&st->mu);
    return fk_reply_buf(req, &b);
}

/* The string value of "room" in the payload (no escapes: test rooms are plain). */
static wsh_str room_of(wsh_str payload)
{
    static const char key[] = "\"room\":\"";
    wsh_str none = {NULL, 0};
    size_t i, k = sizeof key - 1;
    for (i = 0; i + k <= payload.len; i++)
        if (memcmp(payload.ptr + i, key, k) == 0) {
            const char *start = payload.ptr + i + k;
            const char *end = memchr(start, '"', payload.len - i - k);
            if (!end)
                return none;
            return (wsh_str){start, (size_t)(end - start)};
        }
    return none;
}

static int rk_room(const wsh_request *req, int join)
{
    char out[32];
    wsh_str room = room_of(req->payload);
    int rc = join ? req->api->join_room(req->host, req->conn, room)
                  : req->api->leave_room(req->host, req->conn, room);
    snprintf(out, sizeof out, "{\"rc\":%d}", rc);
    return req->api->reply_success(req->host, req->reply, WSH_STR(out));
}

static int rk_join(const wsh_request *req, void *ud)
{
    (void)ud;
    return rk_room(req, 1);
}

static int rk_leave(const wsh_request *req, void *ud)
{
    (void)ud;
    return rk_room(req, 0);
}

static long config_long(wsh_str json, const char *key, long fallback)
{
    char *text = fk_strndup(json.ptr, json.len), *at;
    long v = fallback;
    if (text && (at = strstr(text, key)) != NULL && (at = strchr(at + strlen(key), ':')) != NULL)
        v = strtol(at + 1, NULL, 10);
    free(text);
    return v;
}

static void free_state(rk_state *st)
{
    size_t i;
    for (i = 0; i < st->auth_count; i++) {
        free(st->auth_endpoints[i]);
        free(st->auth_subprotocols[i]);
    }
    for (i = 0; i < st->failure_count; i++)
        free(st->failures[i]);
    for (i = 0; i < st->event_count; i++)
        free(st->events[i]);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

static int rk_init(const wsh_init_args *args, void **state)
{
    static const fk_action actions[] = {
        {"rk_stats", rk_stats}, {"rk_events", rk_events}, {"rk_join", rk_join}, {"rk_leave", rk_leave}};
    static const wsh_hook_kind kinds[] = {
        WSH_HOOK_AUTHENTICATED,  WSH_HOOK_UNHANDLED_EXCEPTION, WSH_HOOK_ROOM_JOINED, WSH_HOOK_ROOM_LEFT,
        WSH_HOOK_ROOM_CREATED,   WSH_HOOK_ROOM_DESTROYED,      WSH_HOOK_PING,        WSH_HOOK_PONG,
        WSH_HOOK_INVALID_MESSAGE};
    size_t k;
    rk_state *st = calloc(1, sizeof *st);
    int rc;
    if (!st)
        return WSH_E_NOMEM;
    st->api = args->api;
    st->host = args->host;
    st->sleep_max_ms = config_long(args->config_json, "\"sleep_max_ms\"", 0);
    st->seed = 12345;
    pthread_mutex_init(&st->mu, NULL);
    rc = args->api->register_message_handler(args->host, rk_message, st);
    if (rc == WSH_OK)
        rc = fk_register_actions(args->api, args->host, actions, sizeof actions / sizeof actions[0], st);
    for (k = 0; rc == WSH_OK && k < sizeof kinds / sizeof kinds[0]; k++)
        rc = args->api->register_hook(args->host, kinds[k], rk_hook, st);
    if (rc != WSH_OK) {
        free_state(st);
        return rc;
    }
    *state = st;
    return WSH_OK;
}

static void rk_fini(void *state)
{
    if (state)
        free_state(state);
}

static const wsh_plugin_def rawkit_def = WSH_PLUGIN_DEF_INIT("rawkit", "1.0.0", rk_init, rk_fini);

WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void)
{
    return &rawkit_def;
}

/*
 * verkit: a fixture plugin for the reload tests (C99). One source, built
 * several times with compile definitions (tests/reload/CMakeLists.txt):
 *
 *   verkit_v1.so      VERKIT_VERSION="v1"                 plugin name "verkit"
 *   verkit_v2.so      VERKIT_VERSION="v2"                 plugin name "verkit"
 *   verkit_broken.so  VERKIT_BROKEN_INIT: init logs "verkit broken init" and
 *                     fails (WSH_E_FAILED)                plugin name "verkit"
 *   verkit_badabi.so  VERKIT_BAD_ABI: abi_major = WSH_ABI_MAJOR + 1, so the
 *                     host refuses it before any plugin code but the entry
 *   verdup.so         VERKIT_NAME="verdup": registers the same actions as
 *                     verkit, so loading both is a duplicate action
 *
 * Actions:
 *   version        {"version":"<VERKIT_VERSION>"}   (inline)
 *   slow_version   {"ms":N} (0..60000): logs "slow_version start
 *                  version=V requestId=R", returns at once and answers
 *                  {"version":"V","slept":N} from a thread of its own after
 *                  N ms (through the reply id). fini joins every such thread.
 *   set_identity   {"user":"u","tags":{"k":"v",...}}: set_user (when "user"
 *                  is present) and set_tag for each tag of the asking
 *                  connection -> {}
 *   whoami         {"conn":"17","user":"u","tags":{"k":"v"},"rooms":["r"],
 *                  "queued_messages":N,"queued_bytes":N} of the asking
 *                  connection, or of payload {"conn":"17"} (connection_info;
 *                  error `gone` when that connection does not exist)
 *   push_user      {"user":"u","text":"t"} -> gateway send to that user;
 *                  answers the receipt {"matched":N,"enqueued":N,"dropped":N}
 *   push_tags      {"tags":{"k":"v"},"text":"t"} -> send to the tag
 *                  predicate; answers the receipt
 *
 * Config ([plugin.config], all optional, other keys ignored):
 *   init_delay_ms = N   init sleeps N ms (0..60000) before registering:
 *                       keeps a reload attempt busy (coalescing tests)
 *   marker = "text"     echoed in the init log lines, to tell attempts apart
 *
 * Log lines (INFO, through api->log): "verkit init begin version=V marker=M"
 * when init starts, "verkit init version=V marker=M" after a successful init
 * and "verkit fini version=V threads=N" in fini, so tests can see generations
 * come and go. (verdup says "verdup" instead of "verkit".)
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep, pthreads under -std=c99 */

#include "fixture_kit.h"

#include <cjson/cJSON.h>

#include <pthread.h>

#ifndef VERKIT_VERSION
#define VERKIT_VERSION "v0"
#endif
#ifndef VERKIT_NAME
#define VERKIT_NAME "verkit"
#endif

typedef struct vk_state {
    const wsh_host_api *api;
    wsh_host *host;
    pthread_mutex_t mu;
    pthread_t *threads; /* every slow_version thread started, joined in fini */
    size_t threads_len;
    size_t threads_cap;
} vk_state;

typedef struct vk_job {
    vk_state *st;
    wsh_reply_id reply;
    long ms;
} vk_job;

/* ---- helpers -------------------------------------------------------------- */

static cJSON *parse_obj(wsh_str text)
{
    cJSON *json = cJSON_ParseWithLength(text.ptr ? text.ptr : "{}", text.ptr ? text.len : 2);
    if (json && !cJSON_IsObject(json)) {
        cJSON_Delete(json);
        return NULL;
    }
    return json;
}

static int answer_json(const wsh_request *req, cJSON *obj)
{
    char *out = obj ? cJSON_PrintUnformatted(obj) : NULL;
    int rc;
    if (!out)
        return WSH_E_NOMEM;
    rc = req->api->reply_success(req->host, req->reply, wsh_str_from_cstr(out));
    cJSON_free(out);
    return rc == WSH_E_GONE ? WSH_OK : rc;
}

static int bad_payload(const wsh_request *req, const char *why)
{
    int rc = req->api->reply_error(req->host, req->reply, WSH_STR("invalid_payload"), WSH_STR(why));
    return rc == WSH_E_GONE ? WSH_OK : rc;
}

static void log_info(vk_state *st, const char *line)
{
    st->api->log(st->host, WSH_LOG_INFO, wsh_str_from_cstr(line));
}

static wsh_str str_of(const cJSON *item)
{
    return wsh_str_from_cstr(item->valuestring);
}

/* ---- actions -------------------------------------------------------------- */

static int act_version(const wsh_request *req, void *ud)
{
    (void)ud;
    return req->api->reply_success(req->host, req->reply, WSH_STR("{\"version\":\"" VERKIT_VERSION "\"}"));
}

static void *slow_thread(void *arg)
{
    vk_job *job = arg;
    char out[80];
    fk_sleep_ms(job->ms);
    snprintf(out, sizeof out, "{\"version\":\"%s\",\"slept\":%ld}", VERKIT_VERSION, job->ms);
    job->st->api->reply_success(job->st->host, job->reply, wsh_str_from_cstr(out));
    free(job);
    return NULL;
}

static int act_slow_version(const wsh_request *req, void *ud)
{
    vk_state *st = ud;
    cJSON *p = parse_obj(req->payload);
    const cJSON *ms = p ? cJSON_GetObjectItemCaseSensitive(p, "ms") : NULL;
    vk_job *job;
    char line[220];
    int rc;

    if (!cJSON_IsNumber(ms) || ms->valuedouble < 0 || ms->valuedouble > 60000) {
        cJSON_Delete(p);
        return bad_payload(req, "expected {\"ms\": 0..60000}");
    }
    job = malloc(sizeof *job);
    if (!job) {
        cJSON_Delete(p);
        return WSH_E_NOMEM;
    }
    job->st = st;
    job->reply = req->reply;
    job->ms = (long)ms->valuedouble;
    cJSON_Delete(p);

    /* Tests wait for this line: the request reached this generation. */
    snprintf(line, sizeof line, "slow_version start version=%s requestId=%.*s", VERKIT_VERSION,
             (int)(req->request_id.len > 128 ? 128 : req->request_id.len),
             req->request_id.ptr ? req->request_id.ptr : "");
    log_info(st, line);

    pthread_mutex_lock(&st->mu);
    if (st->threads_len == st->threads_cap) {
        size_t cap = st->threads_cap ? st->threads_cap * 2 : 16;
        pthread_t *grown = realloc(st->threads, cap * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&st->mu);
            free(job);
            return WSH_E_NOMEM;
        }
        st->threads = grown;
        st->threads_cap = cap;
    }
    rc = pthread_create(&st->threads[st->threads_len], NULL, slow_thread, job);
    if (rc == 0)
        st->threads_len++;
    pthread_mutex_unlock(&st->mu);
    if (rc != 0) {
        free(job);
        return WSH_E_FAILED;
    }
    return WSH_OK; /* answered later, from the thread */
}

static int act_set_identity(const wsh_request *req, void *ud)
{
    cJSON *p = parse_obj(req->payload);
    const cJSON *user = p ? cJSON_GetObjectItemCaseSensitive(p, "user") : NULL;
    const cJSON *tags = p ? cJSON_GetObjectItemCaseSensitive(p, "tags") : NULL;
    const cJSON *t;
    int rc = WSH_OK;
    (void)ud;

    if (!p || (user && !cJSON_IsString(user)) || (tags && !cJSON_IsObject(tags))) {
        cJSON_Delete(p);
        return bad_payload(req, "expected {\"user\":\"u\",\"tags\":{\"k\":\"v\"}}");
    }
    if (user)
        rc = req->api->set_user(req->host, req->conn, str_of(user));
    if (tags && rc == WSH_OK)
        cJSON_ArrayForEach(t, tags)
        {
            if (!cJSON_IsString(t)) {
                cJSON_Delete(p);
                return bad_payload(req, "tag values must be strings");
            }
            rc = req->api->set_tag(req->host, req->conn, wsh_str_from_cstr(t->string), str_of(t));
            if (rc != WSH_OK)
                break;
        }
    cJSON_Delete(p);
    if (rc != WSH_OK) {
        char msg[64];
        snprintf(msg, sizeof msg, "set_user/set_tag returned %d", rc);
        rc = req->api->reply_error(req->host, req->reply, WSH_STR("host_refused"), wsh_str_from_cstr(msg));
        return rc == WSH_E_GONE ? WSH_OK : rc;
    }
    return req->api->reply_success(req->host, req->reply, WSH_STR("{}"));
}

static cJSON *add_str(cJSON *obj, const char *key, wsh_str s)
{
    char *copy = fk_strndup(s.ptr, s.len);
    cJSON *item;
    if (!copy)
        return NULL;
    item = cJSON_AddStringToObject(obj, key, copy);
    free(copy);
    return item;
}

static void whoami_info(const wsh_conn_info *infos, size_t count, void *ud)
{
    cJSON *out = ud, *tags, *rooms;
    char conn[32];
    size_t i;
    if (count != 1)
        return;
    snprintf(conn, sizeof conn, "%" PRIu64, infos[0].conn);
    cJSON_AddStringToObject(out, "conn", conn);
    add_str(out, "user", infos[0].user_id);
    cJSON_AddNumberToObject(out, "queued_messages", (double)infos[0].queued_messages);
    cJSON_AddNumberToObject(out, "queued_bytes", (double)infos[0].queued_bytes);
    tags = cJSON_AddObjectToObject(out, "tags");
    for (i = 0; tags && i < infos[0].tags_count; ++i) {
        char key[300];
        size_t n = infos[0].tags[i].key.len < sizeof key - 1 ? infos[0].tags[i].key.len : sizeof key - 1;
        memcpy(key, infos[0].tags[i].key.ptr, n);
        key[n] = '\0';
        add_str(tags, key, infos[0].tags[i].value);
    }
    rooms = cJSON_AddArrayToObject(out, "rooms");
    for (i = 0; rooms && i < infos[0].rooms_count; ++i) {
        char *name = fk_strndup(infos[0].rooms[i].ptr, infos[0].rooms[i].len);
        if (!name)
            break;
        cJSON_AddItemToArray(rooms, cJSON_CreateString(name));
        free(name);
    }
}

static int act_whoami(const wsh_request *req, void *ud)
{
    cJSON *p = parse_obj(req->payload);
    const cJSON *which = p ? cJSON_GetObjectItemCaseSensitive(p, "conn") : NULL;
    wsh_conn_id conn = req->conn;
    cJSON *out;
    int rc;
    (void)ud;
    if (which) {
        char *end = NULL;
        if (!cJSON_IsString(which) || !which->valuestring[0]) {
            cJSON_Delete(p);
            return bad_payload(req, "'conn' must be a decimal string");
        }
        errno = 0;
        conn = (wsh_conn_id)strtoull(which->valuestring, &end, 10);
        if (errno || *end) {
            cJSON_Delete(p);
            return bad_payload(req, "'conn' must be a decimal string");
        }
    }
    cJSON_Delete(p);
    out = cJSON_CreateObject();
    if (!out)
        return WSH_E_NOMEM;
    rc = req->api->connection_info(req->host, conn, whoami_info, out);
    if (rc != WSH_OK) {
        cJSON_Delete(out);
        rc = req->api->reply_error(req->host, req->reply, WSH_STR("gone"), WSH_STR("no such connection"));
        return rc == WSH_E_GONE ? WSH_OK : rc;
    }
    rc = answer_json(req, out);
    cJSON_Delete(out);
    return rc;
}

static int answer_receipt(const wsh_request *req, int rc, const wsh_receipt *r)
{
    char out[160];
    if (rc != WSH_OK) {
        char msg[64];
        snprintf(msg, sizeof msg, "send returned %d", rc);
        rc = req->api->reply_error(req->host, req->reply, WSH_STR("host_refused"), wsh_str_from_cstr(msg));
        return rc == WSH_E_GONE ? WSH_OK : rc;
    }
    snprintf(out, sizeof out, "{\"matched\":%" PRIu64 ",\"enqueued\":%" PRIu64 ",\"dropped\":%" PRIu64 "}",
             r->matched, r->enqueued, r->dropped);
    return req->api->reply_success(req->host, req->reply, wsh_str_from_cstr(out));
}

static int act_push_user(const wsh_request *req, void *ud)
{
    cJSON *p = parse_obj(req->payload);
    const cJSON *user = p ? cJSON_GetObjectItemCaseSensitive(p, "user") : NULL;
    const cJSON *text = p ? cJSON_GetObjectItemCaseSensitive(p, "text") : NULL;
    wsh_target target;
    wsh_receipt receipt;
    int rc;
    (void)ud;
    if (!cJSON_IsString(user) || !cJSON_IsString(text)) {
        cJSON_Delete(p);
        return bad_payload(req, "expected {\"user\":\"u\",\"text\":\"t\"}");
    }
    memset(&target, 0, sizeof target);
    target.struct_size = sizeof target;
    target.kind = WSH_TARGET_USER;
    target.user = str_of(user);
    memset(&receipt, 0, sizeof receipt);
    receipt.struct_size = sizeof receipt;
    rc = req->api->send(req->host, &target, str_of(text), 0, &receipt);
    cJSON_Delete(p);
    return answer_receipt(req, rc, &receipt);
}

static int act_push_tags(const wsh_request *req, void *ud)
{
    cJSON *p = parse_obj(req->payload);
    const cJSON *tags = p ? cJSON_GetObjectItemCaseSensitive(p, "tags") : NULL;
    const cJSON *text = p ? cJSON_GetObjectItemCaseSensitive(p, "text") : NULL;
    const cJSON *t;
    wsh_tag pred[16];
    size_t n = 0;
    wsh_target target;
    wsh_receipt receipt;
    int rc;
    (void)ud;
    if (!cJSON_IsObject(tags) || !cJSON_IsString(text)) {
        cJSON_Delete(p);
        return bad_payload(req, "expected {\"tags\":{\"k\":\"v\"},\"text\":\"t\"}");
    }
    cJSON_ArrayForEach(t, tags)
    {
        if (!cJSON_IsString(t) || n == sizeof pred / sizeof pred[0]) {
            cJSON_Delete(p);
            return bad_payload(req, "at most 16 tags, string values");
        }
        pred[n].key = wsh_str_from_cstr(t->string);
        pred[n].value = str_of(t);
        n++;
    }
    memset(&target, 0, sizeof target);
    target.struct_size = sizeof target;
    target.kind = WSH_TARGET_TAGS;
    target.tags = pred;
    target.tags_count = n;
    memset(&receipt, 0, sizeof receipt);
    receipt.struct_size = sizeof receipt;
    rc = req->api->send(req->host, &target, str_of(text), 0, &receipt);
    cJSON_Delete(p);
    return answer_receipt(req, rc, &receipt);
}

/* ---- lifecycle ------------------------------------------------------------ */

static void vk_free(vk_state *st)
{
    pthread_mutex_destroy(&st->mu);
    free(st->threads);
    free(st);
}

/* Reads init_delay_ms and marker; anything unusable is ignored. */
static void read_config(wsh_str config_json, long *delay_ms, char *marker, size_t marker_size)
{
    cJSON *cfg = parse_obj(config_json);
    const cJSON *d = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "init_delay_ms") : NULL;
    const cJSON *m = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "marker") : NULL;
    *delay_ms = 0;
    marker[0] = '\0';
    if (cJSON_IsNumber(d) && d->valuedouble > 0 && d->valuedouble <= 60000)
        *delay_ms = (long)d->valuedouble;
    if (cJSON_IsString(m))
        snprintf(marker, marker_size, "%s", m->valuestring);
    cJSON_Delete(cfg);
}

static int vk_init(const wsh_init_args *args, void **state)
{
    static const fk_action actions[] = {
        {"version", act_version}, {"slow_version", act_slow_version}, {"set_identity", act_set_identity},
        {"whoami", act_whoami},   {"push_user", act_push_user},       {"push_tags", act_push_tags},
    };
    vk_state *st = calloc(1, sizeof *st);
    int rc;
    long delay_ms;
    char marker[64];
    char line[200];

    if (!st)
        return WSH_E_NOMEM;
    st->api = args->api;
    st->host = args->host;
    if (pthread_mutex_init(&st->mu, NULL) != 0) {
        free(st);
        return WSH_E_FAILED;
    }
    read_config(args->config_json, &delay_ms, marker, sizeof marker);
    snprintf(line, sizeof line, VERKIT_NAME " init begin version=" VERKIT_VERSION " marker=%s", marker);
    log_info(st, line);
    if (delay_ms)
        fk_sleep_ms(delay_ms);
#ifdef VERKIT_BROKEN_INIT
    log_info(st, "verkit broken init: refusing to load");
    vk_free(st);
    (void)state;
    (void)actions;
    (void)rc;
    return WSH_E_FAILED;
#else
    rc = fk_register_actions(st->api, st->host, actions, sizeof actions / sizeof actions[0], st);
    if (rc != WSH_OK) {
        vk_free(st);
        return rc;
    }
    snprintf(line, sizeof line, VERKIT_NAME " init version=" VERKIT_VERSION " marker=%s", marker);
    log_info(st, line);
    *state = st;
    return WSH_OK;
#endif
}

static void vk_fini(void *state)
{
    vk_state *st = state;
    size_t i, n;
    char line[120];
    if (!st)
        return;
    /* No handler runs any more, so no thread is being added: join them all. */
    pthread_mutex_lock(&st->mu);
    n = st->threads_len;
    pthread_mutex_unlock(&st->mu);
    for (i = 0; i < n; ++i)
        pthread_join(st->threads[i], NULL);
    snprintf(line, sizeof line, VERKIT_NAME " fini version=" VERKIT_VERSION " threads=%zu", n);
    log_info(st, line);
    vk_free(st);
}

#ifdef VERKIT_BAD_ABI
static const wsh_plugin_def vk_def = {(uint32_t)sizeof(wsh_plugin_def),
                                      WSH_ABI_MAJOR + 1,
                                      0,
                                      VERKIT_NAME,
                                      VERKIT_VERSION,
                                      vk_init,
                                      vk_fini,
                                      NULL};
#else
static const wsh_plugin_def vk_def = WSH_PLUGIN_DEF_INIT(VERKIT_NAME, VERKIT_VERSION, vk_init, vk_fini);
#endif

WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void)
{
    return &vk_def;
}

/*
 * authkit: a fixture plugin for the authentication tests (tests/auth), C99.
 *
 * Built twice from this file:
 *   authkit  registers an AUTHENTICATOR driven by request headers (below);
 *   whoami   (-DAK_WHOAMI_ONLY) the same actions and hook recorder, but no
 *            authenticator, so it can sit beside `jwt` or a plugin authenticator
 *            such as auth-apps (two plugins registering authenticators are
 *            refused by the host).
 *
 * The authenticator reads two extra headers (registered with
 * register_authenticator, so the host captures them):
 *   x-test-verdict: accept:USER[:k=v,k2=v2]  -> auth_accept(USER, tags)
 *                   reject                   -> auth_reject
 *                   anon                     -> auth_anonymous
 *                   never                    -> no verdict at all (host timeout)
 *                   fail                     -> the authenticator returns WSH_E_FAILED
 *                   (absent)                 -> auth_anonymous, like "no credential"
 *                   anything else            -> auth_reject
 *   x-test-delay-ms: N  -> the verdict is given from a plugin thread after N ms;
 *                   0 or absent -> synchronously, inside the authenticator call.
 * Every authenticator call is recorded (see ak_auths), with the status the
 * verdict call returned once it was made (WSH_E_GONE = 2 for a late verdict).
 *
 * Actions:
 *   ak_whoami  {"conn":"<id>","user":"<req->user_id>","peer":"<addr>","tags":{...}}
 *              (user from the request; peer and tags from connection_info)
 *   ak_events  {"events":[{"conn":"1","user":"u","tags":{"k":"v"}},...]}: every
 *              WSH_HOOK_AUTHENTICATED seen, oldest first; payload {"conn":"N"}
 *              filters by connection
 *   ak_record  payload {"mark":"x"}: remembers the mark -> {"recorded":<count>}
 *   ak_calls   {"calls":["x",...]}: every mark ak_record saw, in order
 *   ak_auths   {"auths":[{"conn","verdict","delay_ms","peer","origin","path",
 *              "query","rc"},...]}: every authenticator call (rc null while the
 *              verdict is pending or never given); whoami answers an empty list
 *
 * Threads: one per delayed verdict; fini wakes and joins all of them (a verdict
 * not given yet when fini starts is dropped).
 */
#define _POSIX_C_SOURCE 200809L /* pthread_condattr_setclock, clock_gettime under -std=c99 */

#include "fixture_kit.h"

#include <cjson/cJSON.h>

#include <pthread.h>

#ifdef AK_WHOAMI_ONLY
#define AK_NAME "whoami"
#else
#define AK_NAME "authkit"
#endif

#define AK_MAX_RECORDS 4096
#define AK_MAX_TAGS 16

/* ---- state ------------------------------------------------------------------- */

typedef struct ak_event {
    wsh_conn_id conn;
    char *json; /* {"conn":"..","user":"..","tags":{..}} */
} ak_event;

typedef struct ak_auth_rec {
    char *json_head; /* {"conn":..,"verdict":..,...  without "rc" and the closing brace */
    int rc_known;
    int rc;
} ak_auth_rec;

typedef struct ak_job {
    struct ak_job *next;
    pthread_t thread;
    struct ak_state *st;
    wsh_auth_id auth;
    char *verdict;
    long delay_ms;
    long rec; /* index in st->auths, or -1 */
    int done;
} ak_job;

typedef struct ak_state {
    const wsh_host_api *api;
    wsh_host *host;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC; signalled on stop */
    int stopping;
    ak_event *events;
    size_t event_count;
    char **calls; /* JSON string literals */
    size_t call_count;
    ak_auth_rec *auths;
    size_t auth_count;
    ak_job *jobs;
} ak_state;

static void log_msg(ak_state *st, wsh_log_level level, const char *msg)
{
    st->api->log(st->host, level, WSH_STR(msg));
}

/* ---- verdicts ----------------------------------------------------------------- */

#ifndef AK_WHOAMI_ONLY

static char *header_value(const wsh_auth_request *req, const char *name)
{
    size_t i, n = strlen(name);
    for (i = 0; i < req->headers_count; i++)
        if (req->headers[i].key.len == n && memcmp(req->headers[i].key.ptr, name, n) == 0)
            return fk_strndup(req->headers[i].value.ptr, req->headers[i].value.len);
    return NULL;
}

/* Gives the verdict `v` for `auth`; returns what the host call returned. */
static int give_verdict(ak_state *st, wsh_auth_id auth, const char *v)
{
    if (strncmp(v, "accept:", 7) == 0) {
        wsh_tag tags[AK_MAX_TAGS];
        size_t ntags = 0;
        const char *user = v + 7;
        const char *colon = strchr(user, ':');
        wsh_str user_str;
        user_str.ptr = user;
        user_str.len = colon ? (size_t)(colon - user) : strlen(user);
        if (colon) {
            const char *p = colon + 1;
            while (*p && ntags < AK_MAX_TAGS) {
                const char *comma = strchr(p, ',');
                const char *end = comma ? comma : p + strlen(p);
                const char *eq = memchr(p, '=', (size_t)(end - p));
                if (eq) {
                    tags[ntags].key.ptr = p;
                    tags[ntags].key.len = (size_t)(eq - p);
                    tags[ntags].value.ptr = eq + 1;
                    tags[ntags].value.len = (size_t)(end - eq - 1);
                    ntags++;
                }
                p = comma ? comma + 1 : end;
            }
        }
        return st->api->auth_accept(st->host, auth, user_str, ntags ? tags : NULL, ntags, WSH_STR(""));
    }
    if (strcmp(v, "anon") == 0)
        return st->api->auth_anonymous(st->host, auth);
    if (strcmp(v, "reject") == 0)
        return st->api->auth_reject(st->host, auth, WSH_STR("authkit verdict: reject"));
    return st->api->auth_reject(st->host, auth, WSH_STR("authkit: unknown verdict"));
}

static void record_rc(ak_state *st, long rec, int rc)
{
    if (rec < 0)
        return;
    pthread_mutex_lock(&st->mu);
    st->auths[rec].rc_known = 1;
    st->auths[rec].rc = rc;
    pthread_mutex_unlock(&st->mu);
}

static void *job_main(void *arg)
{
    ak_job *job = arg;
    ak_state *st = job->st;
    struct timespec deadline;
    int give = 0;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += job->delay_ms / 1000;
    deadline.tv_nsec += (job->delay_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&st->mu);
    for (;;) {
        int rc;
        if (st->stopping)
            break;
        rc = pthread_cond_timedwait(&st->cv, &st->mu, &deadline);
        if (rc == ETIMEDOUT) {
            give = !st->stopping;
            break;
        }
    }
    pthread_mutex_unlock(&st->mu);
    if (give)
        record_rc(st, job->rec, give_verdict(st, job->auth, job->verdict));
    pthread_mutex_lock(&st->mu);
    job->done = 1;
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

/* Joins the threads that finished (called with st->mu NOT held). */
static void reap_jobs(ak_state *st)
{
    ak_job *finished = NULL, **pp;
    pthread_mutex_lock(&st->mu);
    pp = &st->jobs;
    while (*pp) {
        ak_job *j = *pp;
        if (j->done) {
            *pp = j->next;
            j->next = finished;
            finished = j;
        } else {
            pp = &j->next;
        }
    }
    pthread_mutex_unlock(&st->mu);
    while (finished) {
        ak_job *next = finished->next;
        pthread_join(finished->thread, NULL);
        free(finished->verdict);
        free(finished);
        finished = next;
    }
}

/* Records one authenticator call; returns its index or -1. */
static long record_auth(ak_state *st, const wsh_auth_request *req, const char *verdict, long delay_ms)
{
    fk_buf b = {0};
    char num[32];
    long idx = -1;
    fk_buf_cstr(&b, "{\"conn\":");
    fk_buf_json_conn(&b, req->conn);
    fk_buf_cstr(&b, ",\"verdict\":");
    if (verdict)
        fk_buf_json_str(&b, verdict, strlen(verdict));
    else
        fk_buf_cstr(&b, "null");
    snprintf(num, sizeof num, ",\"delay_ms\":%ld", delay_ms);
    fk_buf_cstr(&b, num);
    fk_buf_cstr(&b, ",\"peer\":");
    fk_buf_json_wstr(&b, req->peer);
    fk_buf_cstr(&b, ",\"origin\":");
    fk_buf_json_wstr(&b, req->origin);
    fk_buf_cstr(&b, ",\"path\":");
    fk_buf_json_wstr(&b, req->path);
    fk_buf_cstr(&b, ",\"query\":");
    fk_buf_json_wstr(&b, req->query);
    if (b.oom) {
        free(b.ptr);
        return -1;
    }
    pthread_mutex_lock(&st->mu);
    if (st->auth_count < AK_MAX_RECORDS) {
        idx = (long)st->auth_count++;
        st->auths[idx].json_head = b.ptr;
        st->auths[idx].rc_known = 0;
        b.ptr = NULL;
    }
    pthread_mutex_unlock(&st->mu);
    free(b.ptr);
    return idx;
}

static int ak_authenticate(const wsh_auth_request *req, void *ud)
{
    ak_state *st = ud;
    char *verdict = header_value(req, "x-test-verdict");
    char *delay_text = header_value(req, "x-test-delay-ms");
    long delay_ms = delay_text ? strtol(delay_text, NULL, 10) : 0;
    long rec;
    const char *v;
    free(delay_text);
    if (delay_ms < 0)
        delay_ms = 0;
    rec = record_auth(st, req, verdict, delay_ms);
    v = verdict ? verdict : "anon";

    if (strcmp(v, "fail") == 0) {
        free(verdict);
        return WSH_E_FAILED;
    }
    if (strcmp(v, "never") == 0) {
        free(verdict);
        return WSH_OK;
    }
    if (delay_ms == 0) {
        record_rc(st, rec, give_verdict(st, req->auth, v));
        free(verdict);
        return WSH_OK;
    }

    reap_jobs(st);
    {
        ak_job *job = calloc(1, sizeof *job);
        if (!job) {
            free(verdict);
            return WSH_E_NOMEM;
        }
        job->st = st;
        job->auth = req->auth;
        job->verdict = verdict ? verdict : fk_strndup("anon", 4);
        job->delay_ms = delay_ms;
        job->rec = rec;
        if (!job->verdict) {
            free(job);
            return WSH_E_NOMEM;
        }
        pthread_mutex_lock(&st->mu);
        if (pthread_create(&job->thread, NULL, job_main, job) != 0) {
            pthread_mutex_unlock(&st->mu);
            log_msg(st, WSH_LOG_ERROR, "pthread_create failed");
            free(job->verdict);
            free(job);
            return WSH_E_FAILED;
        }
        job->next = st->jobs;
        st->jobs = job;
        pthread_mutex_unlock(&st->mu);
    }
    return WSH_OK;
}

#endif /* !AK_WHOAMI_ONLY */

/* ---- hook ----------------------------------------------------------------------- */

static void ak_on_authenticated(const wsh_event *ev, void *ud)
{
    ak_state *st = ud;
    fk_buf b = {0};
    if (ev->kind != WSH_HOOK_AUTHENTICATED)
        return;
    fk_buf_cstr(&b, "{\"conn\":");
    fk_buf_json_conn(&b, ev->conn);
    fk_buf_cstr(&b, ",\"user\":");
    fk_buf_json_wstr(&b, ev->user_id);
    fk_buf_cstr(&b, ",\"tags\":");
    fk_buf_json_tags(&b, ev->tags, ev->tags_count);
    fk_buf_cstr(&b, "}");
    if (b.oom) {
        free(b.ptr);
        return;
    }
    pthread_mutex_lock(&st->mu);
    if (st->event_count < AK_MAX_RECORDS) {
        st->events[st->event_count].conn = ev->conn;
        st->events[st->event_count].json = b.ptr;
        st->event_count++;
        b.ptr = NULL;
    }
    pthread_mutex_unlock(&st->mu);
    free(b.ptr);
}

/* ---- actions ---------------------------------------------------------------------- */

static void whoami_info(const wsh_conn_info *infos, size_t count, void *ud)
{
    fk_buf *b = ud;
    if (count != 1)
        return;
    fk_buf_cstr(b, ",\"peer\":");
    fk_buf_json_wstr(b, infos[0].peer);
    fk_buf_cstr(b, ",\"tags\":");
    fk_buf_json_tags(b, infos[0].tags, infos[0].tags_count);
}

static int ak_whoami(const wsh_request *req, void *ud)
{
    fk_buf b = {0};
    (void)ud;
    fk_buf_cstr(&b, "{\"conn\":");
    fk_buf_json_conn(&b, req->conn);
    fk_buf_cstr(&b, ",\"user\":");
    fk_buf_json_wstr(&b, req->user_id);
    req->api->connection_info(req->host, req->conn, whoami_info, &b);
    fk_buf_cstr(&b, "}");
    return fk_reply_buf(req, &b);
}

/* The "conn" filter of a payload: 0 = none, or sets *bad. */
static wsh_conn_id conn_filter(const wsh_request *req, int *bad)
{
    wsh_conn_id conn = 0;
    cJSON *p;
    const cJSON *c;
    *bad = 0;
    if (req->payload.len <= 2)
        return 0;
    p = cJSON_ParseWithLength(req->payload.ptr, req->payload.len);
    if (!p) {
        *bad = 1;
        return 0;
    }
    c = cJSON_GetObjectItemCaseSensitive(p, "conn");
    if (cJSON_IsString(c))
        conn = strtoull(c->valuestring, NULL, 10);
    else if (c)
        *bad = 1;
    cJSON_Delete(p);
    return conn;
}

static int ak_events(const wsh_request *req, void *ud)
{
    ak_state *st = ud;
    fk_buf b = {0};
    size_t i;
    int first = 1, bad;
    wsh_conn_id conn = conn_filter(req, &bad);
    if (bad)
        return req->api->reply_error(req->host, req->reply, WSH_STR("invalid_payload"),
                                     WSH_STR("expected {\"conn\":\"<id>\"}"));
    fk_buf_cstr(&b, "{\"events\":[");
    pthread_mutex_lock(&st->mu);
    for (i = 0; i < st->event_count; i++) {
        if (conn && st->events[i].conn != conn)
            continue;
        if (!first)
            fk_buf_cstr(&b, ",");
        first = 0;
        fk_buf_cstr(&b, st->events[i].json);
    }
    pthread_mutex_unlock(&st->mu);
    fk_buf_cstr(&b, "]}");
    return fk_reply_buf(req, &b);
}

static int ak_record(const wsh_request *req, void *ud)
{
    ak_state *st = ud;
    fk_buf mark = {0}, out = {0};
    char num[64];
    size_t count = 0;
    cJSON *p = cJSON_ParseWithLength(req->payload.ptr, req->payload.len);
    const cJSON *m = p ? cJSON_GetObjectItemCaseSensitive(p, "mark") : NULL;
    if (!cJSON_IsString(m)) {
        cJSON_Delete(p);
        return req->api->reply_error(req->host, req->reply, WSH_STR("invalid_payload"),
                                     WSH_STR("expected {\"mark\":\"<string>\"}"));
    }
    fk_buf_json_str(&mark, m->valuestring, strlen(m->valuestring));
    cJSON_Delete(p);
    if (mark.oom) {
        free(mark.ptr);
        return WSH_E_NOMEM;
    }
    pthread_mutex_lock(&st->mu);
    if (st->call_count < AK_MAX_RECORDS) {
        st->calls[st->call_count++] = mark.ptr;
        mark.ptr = NULL;
    }
    count = st->call_count;
    pthread_mutex_unlock(&st->mu);
    free(mark.ptr);
    snprintf(num, sizeof num, "{\"recorded\":%zu}", count);
    fk_buf_cstr(&out, num);
    return fk_reply_buf(req, &out);
}

static int ak_calls(const wsh_request *req, void *ud)
{
    ak_state *st = ud;
    fk_buf b = {0};
    size_t i;
    fk_buf_cstr(&b, "{\"calls\":[");
    pthread_mutex_lock(&st->mu);
    for (i = 0; i < st->call_count; i++) {
        if (i)
            fk_buf_cstr(&b, ",");
        fk_buf_cstr(&b, st->calls[i]);
    }
    pthread_mutex_unlock(&st->mu);
    fk_buf_cstr(&b, "]}");
    return fk_reply_buf(req, &b);
}

static int ak_auths(const wsh_request *req, void *ud)
{
    ak_state *st = ud;
    fk_buf b = {0};
    size_t i;
    fk_buf_cstr(&b, "{\"auths\":[");
    pthread_mutex_lock(&st->mu);
    for (i = 0; i < st->auth_count; i++) {
        char num[32];
        if (i)
            fk_buf_cstr(&b, ",");
        fk_buf_cstr(&b, st->auths[i].json_head);
        if (st->auths[i].rc_known)
            snprintf(num, sizeof num, ",\"rc\":%d}", st->auths[i].rc);
        else
            snprintf(num, sizeof num, ",\"rc\":null}");
        fk_buf_cstr(&b, num);
    }
    pthread_mutex_unlock(&st->mu);
    fk_buf_cstr(&b, "]}");
    return fk_reply_buf(req, &b);
}

/* ---- lifecycle ------------------------------------------------------------------- */

static void free_state(ak_state *st)
{
    size_t i;
    for (i = 0; i < st->event_count; i++)
        free(st->events[i].json);
    for (i = 0; i < st->call_count; i++)
        free(st->calls[i]);
    for (i = 0; i < st->auth_count; i++)
        free(st->auths[i].json_head);
    free(st->events);
    free(st->calls);
    free(st->auths);
    pthread_cond_destroy(&st->cv);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

static int ak_init(const wsh_init_args *args, void **state)
{
    static const fk_action actions[] = {
        {"ak_whoami", ak_whoami}, {"ak_events", ak_events}, {"ak_record", ak_record},
        {"ak_calls", ak_calls},   {"ak_auths", ak_auths},
    };
    pthread_condattr_t ca;
    int rc;
    ak_state *st = calloc(1, sizeof *st);
    if (!st)
        return WSH_E_NOMEM;
    st->api = args->api;
    st->host = args->host;
    st->events = calloc(AK_MAX_RECORDS, sizeof *st->events);
    st->calls = calloc(AK_MAX_RECORDS, sizeof *st->calls);
    st->auths = calloc(AK_MAX_RECORDS, sizeof *st->auths);
    pthread_mutex_init(&st->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&st->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!st->events || !st->calls || !st->auths) {
        free_state(st);
        return WSH_E_NOMEM;
    }
    rc = fk_register_actions(st->api, st->host, actions, sizeof actions / sizeof actions[0], st);
    if (rc != WSH_OK) {
        free_state(st);
        return rc;
    }
    rc = st->api->register_hook(st->host, WSH_HOOK_AUTHENTICATED, ak_on_authenticated, st);
    if (rc != WSH_OK) {
        log_msg(st, WSH_LOG_ERROR, "register_hook failed");
        free_state(st);
        return rc;
    }
#ifndef AK_WHOAMI_ONLY
    {
        static const wsh_str extra[] = {{"x-test-verdict", 14}, {"x-test-delay-ms", 15}};
        rc = st->api->register_authenticator(st->host, ak_authenticate, st, extra, 2);
        if (rc != WSH_OK) {
            log_msg(st, WSH_LOG_ERROR, "register_authenticator failed");
            free_state(st);
            return rc;
        }
    }
#endif
    *state = st;
    return WSH_OK;
}

static void ak_fini(void *state)
{
    ak_state *st = state;
    ak_job *jobs;
    if (!st)
        return;
    pthread_mutex_lock(&st->mu);
    st->stopping = 1;
    pthread_cond_broadcast(&st->cv);
    jobs = st->jobs;
    st->jobs = NULL;
    pthread_mutex_unlock(&st->mu);
    while (jobs) {
        ak_job *next = jobs->next;
        pthread_join(jobs->thread, NULL);
        free(jobs->verdict);
        free(jobs);
        jobs = next;
    }
    free_state(st);
}

static const wsh_plugin_def ak_def = WSH_PLUGIN_DEF_INIT(AK_NAME, "1.0.0", ak_init, ak_fini);

WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void)
{
    return &ak_def;
}

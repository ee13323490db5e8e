/*
 * auth-apps — "applications" authentication in the style of gomoob's
 * ApplicationsAuthManager, as a wshost authenticator plugin in C99.
 *
 * Config ([plugin.config]):
 *   query_credentials = false        # also read ?key=...&secret=... (off: headers only)
 *   [[plugin.config.applications]]
 *   key = "analytics"                # the application's public key
 *   secret = "..."                   # its secret (or secret_file is NOT offered here: keep
 *                                    # the TOML file private, or use the jwt authenticator)
 *   authorize_open = true            # may this application open connections?
 *
 * A client presents `X-App-Key` and `X-App-Secret` headers (or, when enabled,
 * the query parameters `key` and `secret`). Verdicts:
 *   - no credentials                 -> anonymous (the host admits it only with
 *                                       [auth] allow_anonymous = true)
 *   - unknown key or wrong secret    -> reject
 *   - authorize_open = false         -> reject
 *   - otherwise                      -> accept as user "app:<key>" with the
 *                                       server-side tag application=<key>
 *
 * The verdict is given ASYNCHRONOUSLY, from the plugin's own worker thread, to
 * show that path: the handler copies what it needs, queues it and returns;
 * the worker answers through api->auth_accept / auth_reject / auth_anonymous.
 * fini stops and joins the worker. Secrets are compared in constant time.
 */
#include <wshost/plugin.h>

#include <cjson/cJSON.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct app {
    char *key;
    char *secret;
    int authorize_open;
} app;

typedef struct job {
    struct job *next;
    wsh_auth_id auth;
    char *key;    /* NULL when absent */
    char *secret; /* NULL when absent */
} job;

typedef struct state {
    const wsh_host_api *api;
    wsh_host *host;
    app *apps;
    size_t napps;
    int query_credentials;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *head, *tail;
    int stopping;
    pthread_t worker;
} state;

static void log_error(const state *st, const char *msg)
{
    st->api->log(st->host, WSH_LOG_ERROR, WSH_STR(msg));
}

static char *dup_n(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* Constant time for equal lengths; the length itself is not secret. */
static int secret_equals(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i;
    unsigned char diff = 0;
    if (la != lb)
        return 0;
    for (i = 0; i < la; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static char *header_value(const wsh_auth_request *req, const char *name)
{
    size_t i, n = strlen(name);
    for (i = 0; i < req->headers_count; i++)
        if (req->headers[i].key.len == n && memcmp(req->headers[i].key.ptr, name, n) == 0)
            return dup_n(req->headers[i].value.ptr, req->headers[i].value.len);
    return NULL;
}

/* Value of `name` in the query "a=1&b=2" (already percent-decoded by the host). */
static char *query_value(wsh_str query, const char *name)
{
    size_t n = strlen(name), i = 0;
    while (i < query.len) {
        size_t end = i;
        while (end < query.len && query.ptr[end] != '&')
            end++;
        if (end - i > n && memcmp(query.ptr + i, name, n) == 0 && query.ptr[i + n] == '=')
            return dup_n(query.ptr + i + n + 1, end - i - n - 1);
        i = end + 1;
    }
    return NULL;
}

static void decide(state *st, const job *j)
{
    size_t i;
    char user[300];
    wsh_tag tag;
    if (!j->key && !j->secret) {
        st->api->auth_anonymous(st->host, j->auth);
        return;
    }
    for (i = 0; i < st->napps; i++) {
        const app *a = &st->apps[i];
        if (!j->key || strcmp(a->key, j->key) != 0)
            continue;
        if (!j->secret || !secret_equals(a->secret, j->secret)) {
            st->api->auth_reject(st->host, j->auth, WSH_STR("wrong secret"));
            return;
        }
        if (!a->authorize_open) {
            st->api->auth_reject(st->host, j->auth, WSH_STR("application may not open connections"));
            return;
        }
        strcpy(user, "app:");
        strncat(user, a->key, sizeof user - 5);
        tag.key = WSH_STR("application");
        tag.value = WSH_STR(a->key);
        st->api->auth_accept(st->host, j->auth, WSH_STR(user), &tag, 1, WSH_STR(""));
        return;
    }
    st->api->auth_reject(st->host, j->auth, WSH_STR("unknown application key"));
}

static void free_job(job *j)
{
    free(j->key);
    free(j->secret);
    free(j);
}

static void *worker_main(void *arg)
{
    state *st = arg;
    for (;;) {
        job *j;
        pthread_mutex_lock(&st->mu);
        while (!st->head && !st->stopping)
            pthread_cond_wait(&st->cv, &st->mu);
        j = st->head;
        if (j) {
            st->head = j->next;
            if (!st->head)
                st->tail = NULL;
        }
        pthread_mutex_unlock(&st->mu);
        if (!j)
            return NULL; /* stopping and drained */
        decide(st, j);
        free_job(j);
    }
}

/* The authenticator: copy the credentials, queue them, answer later. */
static int authenticate(const wsh_auth_request *req, void *user_data)
{
    state *st = user_data;
    job *j = calloc(1, sizeof *j);
    if (!j)
        return WSH_E_NOMEM;
    j->auth = req->auth;
    j->key = header_value(req, "x-app-key");
    j->secret = header_value(req, "x-app-secret");
    if (!j->key && !j->secret && st->query_credentials) {
        j->key = query_value(req->query, "key");
        j->secret = query_value(req->query, "secret");
    }
    pthread_mutex_lock(&st->mu);
    if (st->tail)
        st->tail->next = j;
    else
        st->head = j;
    st->tail = j;
    pthread_cond_signal(&st->cv);
    pthread_mutex_unlock(&st->mu);
    return WSH_OK;
}

static void free_apps(state *st)
{
    size_t i;
    for (i = 0; i < st->napps; i++) {
        free(st->apps[i].key);
        free(st->apps[i].secret);
    }
    free(st->apps);
}

/* Reads [plugin.config]; returns 0 or logs why and returns -1. */
static int parse_config(state *st, wsh_str text)
{
    cJSON *root, *item, *apps;
    char *buf = dup_n(text.ptr ? text.ptr : "{}", text.ptr ? text.len : 2);
    if (!buf)
        return -1;
    root = cJSON_Parse(buf);
    free(buf);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return -1;
    }
    cJSON_ArrayForEach(item, root)
    {
        if (strcmp(item->string, "query_credentials") != 0 && strcmp(item->string, "applications") != 0) {
            log_error(st, "unknown config key (valid keys: applications, query_credentials)");
            cJSON_Delete(root);
            return -1;
        }
    }
    st->query_credentials = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "query_credentials"));
    apps = cJSON_GetObjectItemCaseSensitive(root, "applications");
    if (apps && !cJSON_IsArray(apps)) {
        log_error(st, "'applications' must be an array of tables");
        cJSON_Delete(root);
        return -1;
    }
    st->apps = calloc((size_t)cJSON_GetArraySize(apps) + 1, sizeof(app));
    cJSON_ArrayForEach(item, apps)
    {
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(item, "key");
        const cJSON *secret = cJSON_GetObjectItemCaseSensitive(item, "secret");
        const cJSON *open = cJSON_GetObjectItemCaseSensitive(item, "authorize_open");
        if (!cJSON_IsString(key) || !*key->valuestring || !cJSON_IsString(secret) || !*secret->valuestring ||
            (open && !cJSON_IsBool(open))) {
            log_error(st, "each application needs key and secret (non-empty strings) and an optional "
                          "boolean authorize_open");
            cJSON_Delete(root);
            return -1;
        }
        st->apps[st->napps].key = strdup(key->valuestring);
        st->apps[st->napps].secret = strdup(secret->valuestring);
        st->apps[st->napps].authorize_open = !open || cJSON_IsTrue(open);
        st->napps++;
    }
    cJSON_Delete(root);
    return 0;
}

static int init(const wsh_init_args *args, void **out)
{
    static const wsh_str extra[] = {{"x-app-key", 9}, {"x-app-secret", 12}};
    state *st = calloc(1, sizeof *st);
    int rc;
    if (!st)
        return WSH_E_NOMEM;
    st->api = args->api;
    st->host = args->host;
    if (parse_config(st, args->config_json) != 0) {
        free_apps(st);
        free(st);
        return WSH_E_INVALID;
    }
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    rc = args->api->register_authenticator(args->host, authenticate, st, extra, 2);
    if (rc == WSH_OK && pthread_create(&st->worker, NULL, worker_main, st) != 0)
        rc = WSH_E_FAILED;
    if (rc != WSH_OK) {
        free_apps(st);
        free(st);
        return rc;
    }
    *out = st;
    return WSH_OK;
}

static void fini(void *p)
{
    state *st = p;
    pthread_mutex_lock(&st->mu);
    st->stopping = 1;
    pthread_cond_signal(&st->cv);
    pthread_mutex_unlock(&st->mu);
    pthread_join(st->worker, NULL);
    free_apps(st);
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->cv);
    free(st);
}

static const wsh_plugin_def def = WSH_PLUGIN_DEF_INIT("auth-apps", "1.0.0", init, fini);

WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void)
{
    return &def;
}

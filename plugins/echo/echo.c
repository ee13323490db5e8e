/*
 * echo — the smallest useful wshost plugin, in plain C99.
 *
 * Action `echo`: {"message":"Hello"} -> {"message":"Echo: Hello"}.
 * Config ([plugin.config]): prefix = "Echo: " (the default).
 *
 * Shows: the entry symbol and definition struct, parsing the config JSON in
 * init (unknown keys are errors that list the valid ones), per-instance state
 * freed in fini, reading the raw payload text, and the fastest correct answer:
 * reply_members (ABI 1.3), with which the host writes and escapes the reply
 * itself. That costs a fraction of building a cJSON tree, printing it and
 * having the host check the printed text (what reply_success must do).
 *
 * The fastest correct way to read one member of the payload: the host hands
 * every handler a payload it has already checked to be exactly one valid JSON
 * object, so finding a top-level member needs no full parse, only a walk that
 * skips the other values (find_member below). A string value without
 * backslash escapes is its own text, byte for byte; only one with escapes
 * needs decoding, and for those this plugin still asks cJSON. Against a cJSON
 * parse of every payload this cuts a 1 KiB echo from about 40,000 instructions to 13,400
 * (docs/PERFORMANCE.md, finding 11).
 */
#include <wshost/plugin.h>

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_DEFAULT_PREFIX "Echo: "

typedef struct echo_state {
    wsh_str prefix; /* owned (malloc'd) */
} echo_state;

/* Parses `len` bytes of JSON text strictly (no trailing garbage). cJSON wants
 * a NUL-terminated buffer for that, and wsh_str is not terminated: copy. */
static cJSON *parse_json(wsh_str text)
{
    cJSON *json;
    char *buf = malloc(text.len + 1);
    if (!buf)
        return NULL;
    if (text.len)
        memcpy(buf, text.ptr, text.len);
    buf[text.len] = '\0';
    json = cJSON_ParseWithLengthOpts(buf, text.len + 1, NULL, 1);
    free(buf);
    return json;
}

static void log_line(const wsh_host_api *api, wsh_host *host, wsh_log_level level, const char *msg)
{
    api->log(host, level, wsh_str_from_cstr(msg));
}

/* A reply the host refused is a handler failure, except WSH_E_GONE: the
 * request timed out meanwhile, nothing to fix here. */
static int reply_status(int rc)
{
    return rc == WSH_OK || rc == WSH_E_GONE ? WSH_OK : rc;
}

/* ---- reading the payload without parsing it ------------------------------ */

/* The end of the JSON string whose opening quote is at p[0] (the position
 * after its closing quote); *escaped tells whether it holds a backslash.
 * `p` is inside a valid JSON text, so the closing quote exists. */
static const char *skip_string(const char *p, const char *end, int *escaped)
{
    *escaped = 0;
    for (++p; p < end;) {
        /* memchr is libc's vector scan: a long string costs a fraction of a
         * byte-at-a-time loop. */
        const char *quote = memchr(p, '"', (size_t)(end - p));
        const char *backslash;
        if (!quote)
            return end;
        backslash = memchr(p, '\\', (size_t)(quote - p));
        if (!backslash)
            return quote + 1;
        *escaped = 1;
        p = backslash + 2; /* past the escaped character (a \uXXXX's digits need no care) */
    }
    return end;
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        ++p;
    return p;
}

/* The end of the JSON value that starts at p (valid JSON: no error cases). */
static const char *skip_value(const char *p, const char *end)
{
    int depth = 0, escaped;
    while (p < end) {
        const char c = *p;
        if (c == '"') {
            p = skip_string(p, end, &escaped);
            if (depth == 0)
                return p;
            continue;
        }
        if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return p; /* the enclosing object ends: so did a number or literal */
            if (--depth == 0)
                return p + 1;
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            return p;
        }
        ++p;
    }
    return p;
}

enum member_found { MEMBER_ABSENT, MEMBER_FOUND, MEMBER_NEEDS_PARSE };

/* Finds top-level member `name` of `obj` (one valid JSON object, as the host
 * guarantees for req->payload). MEMBER_FOUND: *value and *value_len span its raw
 * value text, *escaped tells whether that is a string with escapes.
 * MEMBER_NEEDS_PARSE: a key written with escapes came first, which only a
 * decoder can compare. The first of duplicate keys wins, as with cJSON. */
static enum member_found find_member(wsh_str obj, const char *name, const char **value, size_t *value_len,
                                     int *escaped)
{
    const char *p = obj.ptr, *end = obj.ptr + obj.len;
    const size_t name_len = strlen(name);
    p = skip_space(p, end);
    if (p == end || *p != '{')
        return MEMBER_ABSENT;
    p = skip_space(p + 1, end);
    while (p < end && *p == '"') {
        int key_escaped;
        const char *key = p + 1, *after_key = skip_string(p, end, &key_escaped);
        const size_t key_len = (size_t)(after_key - 1 - key);
        const char *v = skip_space(skip_space(after_key, end) + 1, end); /* past the ':' */
        int v_escaped = 0;
        const char *v_end = *v == '"' ? skip_string(v, end, &v_escaped) : skip_value(v, end);
        if (key_escaped)
            return MEMBER_NEEDS_PARSE;
        if (key_len == name_len && memcmp(key, name, name_len) == 0) {
            *value = v;
            *value_len = (size_t)(v_end - v);
            *escaped = v_escaped;
            return MEMBER_FOUND;
        }
        p = skip_space(v_end, end);
        if (p < end && *p == ',')
            p = skip_space(p + 1, end);
    }
    return MEMBER_ABSENT;
}

/* Answers {"message":"<prefix><message>"} (mlen bytes of UTF-8 at msg).
 * The fastest correct answer: reply_members hands the host the member, and
 * it escapes the prefix and the message straight into the frame (plugin.h,
 * section 3). Nothing is built here, nothing is copied twice, and the host
 * does not re-validate a JSON text (what reply_success must do). */
static int reply_message(const wsh_request *req, const echo_state *st, const char *msg, size_t mlen)
{
    const wsh_str message = {msg, mlen};
    const wsh_member member = {{"message", 7}, WSH_VALUE_STRING, st->prefix, &message, 1, 0};
    return reply_status(req->api->reply_members(req->host, req->reply, &member, 1));
}

static int invalid_payload(const wsh_request *req, const char *why)
{
    return reply_status(
        req->api->reply_error(req->host, req->reply, WSH_STR("invalid_payload"), WSH_STR(why)));
}

/* The slow path, for a message (or a key before it) written with escapes:
 * cJSON decodes them. Its strings end at the first NUL, so a message
 * containing \u0000 is cut there (documented in README.md). */
static int echo_decoded(const wsh_request *req, const echo_state *st)
{
    /* The host hands over exactly one validated JSON object, so the lenient
     * length-bounded parse needs no NUL-terminated copy. */
    cJSON *payload = cJSON_ParseWithLength(req->payload.ptr, req->payload.len);
    const cJSON *message;
    int rc;
    if (!payload) /* out of memory, or a string cJSON cannot decode (a lone \ud800) */
        return invalid_payload(req, "payload could not be decoded");
    message = cJSON_GetObjectItemCaseSensitive(payload, "message");
    if (!cJSON_IsString(message))
        rc = invalid_payload(req, message ? "'message' must be a string" : "missing 'message' (a string)");
    else
        rc = reply_message(req, st, message->valuestring, strlen(message->valuestring));
    cJSON_Delete(payload);
    return rc;
}

static int echo_handler(const wsh_request *req, void *user_data)
{
    const echo_state *st = user_data;
    const char *value = NULL;
    size_t len = 0;
    int escaped = 0;
    switch (find_member(req->payload, "message", &value, &len, &escaped)) {
    case MEMBER_ABSENT:
        return invalid_payload(req, "missing 'message' (a string)");
    case MEMBER_FOUND:
        if (*value != '"')
            return invalid_payload(req, "'message' must be a string");
        if (!escaped) /* the string's own text is the message, byte for byte */
            return reply_message(req, st, value + 1, len - 2);
        break;
    case MEMBER_NEEDS_PARSE:
        break;
    }
    return echo_decoded(req, st);
}

/* Reads the config table. Every key is listed here; anything else is refused. */
static int read_config(const wsh_init_args *args, echo_state *st)
{
    const wsh_host_api *api = args->api;
    cJSON *cfg = parse_json(args->config_json);
    const cJSON *item;
    const char *prefix = ECHO_DEFAULT_PREFIX;
    char line[256];
    int rc = WSH_OK;

    if (!cJSON_IsObject(cfg)) {
        log_line(api, args->host, WSH_LOG_ERROR, "config is not a JSON object");
        cJSON_Delete(cfg);
        return WSH_E_INVALID;
    }
    cJSON_ArrayForEach(item, cfg)
    {
        if (strcmp(item->string, "prefix") == 0) {
            if (!cJSON_IsString(item)) {
                log_line(api, args->host, WSH_LOG_ERROR, "config key 'prefix' must be a string");
                rc = WSH_E_INVALID;
            } else {
                prefix = item->valuestring;
            }
        } else {
            snprintf(line, sizeof line, "unknown config key '%.100s' (valid keys: prefix)", item->string);
            log_line(api, args->host, WSH_LOG_ERROR, line);
            rc = WSH_E_INVALID;
        }
    }
    if (rc == WSH_OK) {
        const size_t len = strlen(prefix);
        char *copy = malloc(len + 1);
        if (copy) {
            memcpy(copy, prefix, len + 1);
            st->prefix = (wsh_str){copy, len};
        } else {
            rc = WSH_E_NOMEM;
        }
    }
    cJSON_Delete(cfg);
    return rc;
}

static int echo_init(const wsh_init_args *args, void **state)
{
    echo_state *st = calloc(1, sizeof *st);
    int rc;

    if (!st)
        return WSH_E_NOMEM;
    rc = read_config(args, st);
    if (rc == WSH_OK)
        rc = args->api->register_action(args->host, WSH_STR("echo"), echo_handler, st);
    if (rc != WSH_OK) {
        free((char *)st->prefix.ptr);
        free(st);
        return rc;
    }
    *state = st;
    return WSH_OK;
}

static void echo_fini(void *state)
{
    echo_state *st = state;
    if (st)
        free((char *)st->prefix.ptr);
    free(st);
}

static const wsh_plugin_def echo_def = WSH_PLUGIN_DEF_INIT("echo", "1.0.0", echo_init, echo_fini);

WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void)
{
    return &echo_def;
}

/*
 * echo — the smallest useful wshost plugin, in plain C99.
 *
 * Action `echo`: {"message":"Hello"} -> {"message":"Echo: Hello"}.
 * Config ([plugin.config]): prefix = "Echo: " (the default).
 *
 * Shows: the entry symbol and definition struct, parsing the config JSON in
 * init (unknown keys are errors that list the valid ones), per-instance state
 * freed in fini, reading the raw payload text, and answering with JSON built
 * by hand into one buffer (escaped as JSON requires), which costs a fraction
 * of building a cJSON tree and printing it.
 */
#include <wshost/plugin.h>

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_DEFAULT_PREFIX "Echo: "

typedef struct echo_state {
    char *prefix; /* NUL-terminated, owned */
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

/* 1 for the bytes a JSON string cannot carry as they are: '"', '\\' and the
 * control characters; DEL too, which stays readable in logs. */
static const unsigned char escaped_byte[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,          1,          1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1,
};

/* Writes `s` (n bytes) as the inside of a JSON string: the bytes above
 * escaped (\n, \t, ... where JSON has a short form, else \u00XX), everything
 * else (UTF-8 included) copied as is, a run at a time. `out` needs room for
 * 6 * n bytes. Returns the end of what was written. */
static char *put_json_chars(char *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        unsigned char c;
        const char *short_form = NULL;
        while (run < n && !escaped_byte[(unsigned char)s[run]])
            ++run;
        memcpy(out, s + i, run - i);
        out += run - i;
        if (run == n)
            break;
        c = (unsigned char)s[run];
        switch (c) {
        case '"':
            short_form = "\\\"";
            break;
        case '\\':
            short_form = "\\\\";
            break;
        case '\b':
            short_form = "\\b";
            break;
        case '\f':
            short_form = "\\f";
            break;
        case '\n':
            short_form = "\\n";
            break;
        case '\r':
            short_form = "\\r";
            break;
        case '\t':
            short_form = "\\t";
            break;
        default:
            break;
        }
        if (short_form) {
            *out++ = short_form[0];
            *out++ = short_form[1];
        } else {
            *out++ = '\\';
            *out++ = 'u';
            *out++ = '0';
            *out++ = '0';
            *out++ = hex[c >> 4];
            *out++ = hex[c & 0xf];
        }
        i = run + 1;
    }
    return out;
}

static int echo_handler(const wsh_request *req, void *user_data)
{
    static const char head[] = "{\"message\":\"", tail[] = "\"}";
    const echo_state *st = user_data;
    const wsh_host_api *api = req->api;
    cJSON *payload;
    const cJSON *message;
    char *out, *end;
    size_t plen, mlen;
    int rc;

    /* The host hands over exactly one validated JSON object, so the lenient
     * length-bounded parse needs no NUL-terminated copy. */
    payload = cJSON_ParseWithLength(req->payload.ptr, req->payload.len);
    if (!payload) /* out of memory, or a string cJSON cannot decode (a lone \ud800) */
        return reply_status(api->reply_error(req->host, req->reply, WSH_STR("invalid_payload"),
                                             WSH_STR("payload could not be decoded")));
    message = cJSON_GetObjectItemCaseSensitive(payload, "message");
    if (!cJSON_IsString(message)) {
        rc = api->reply_error(req->host, req->reply, WSH_STR("invalid_payload"),
                              message ? WSH_STR("'message' must be a string")
                                      : WSH_STR("missing 'message' (a string)"));
        cJSON_Delete(payload);
        return reply_status(rc);
    }

    /* {"message":"<prefix><message>"}. cJSON strings end at the first NUL, so
     * a message containing \u0000 is cut there (documented in README.md). */
    plen = strlen(st->prefix);
    mlen = strlen(message->valuestring);
    out = malloc(sizeof head + 6 * (plen + mlen) + sizeof tail);
    if (!out) {
        cJSON_Delete(payload);
        return WSH_E_NOMEM; /* the host answers handler_failed */
    }
    memcpy(out, head, sizeof head - 1);
    end = put_json_chars(out + sizeof head - 1, st->prefix, plen);
    end = put_json_chars(end, message->valuestring, mlen);
    memcpy(end, tail, sizeof tail - 1);
    end += sizeof tail - 1;
    cJSON_Delete(payload);

    rc = api->reply_success(req->host, req->reply, (wsh_str){out, (size_t)(end - out)});
    free(out);
    return reply_status(rc);
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
        st->prefix = malloc(strlen(prefix) + 1);
        if (st->prefix)
            strcpy(st->prefix, prefix);
        else
            rc = WSH_E_NOMEM;
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
        free(st->prefix);
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
        free(st->prefix);
    free(st);
}

static const wsh_plugin_def echo_def = WSH_PLUGIN_DEF_INIT("echo", "1.0.0", echo_init, echo_fini);

WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void)
{
    return &echo_def;
}

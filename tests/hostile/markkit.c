/*
 * markkit: a fixture plugin for the hostile-client tests (C99, inline).
 *
 * It records what reached it, so a test can prove on a second connection
 * that a frame sent on the first was never dispatched (a marker round trip,
 * never a timeout).
 *
 * Actions:
 *   mk_note    records its payload text (byte-exact) and answers {"noted":N},
 *              N = how many notes are recorded now
 *   mk_notes   answers {"notes":[<payload>,...]}: every recorded payload in
 *              the order it arrived (each is a JSON object text)
 *   mk_reset   forgets every note, answers {}
 * Inline handlers run on the service thread only, so no lock is needed.
 */
#include <wshost/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MK_MAX_NOTES 256

static struct {
    char *text[MK_MAX_NOTES];
    size_t len[MK_MAX_NOTES];
    size_t count;
} notes;

static void forget(void)
{
    for (size_t i = 0; i < notes.count; ++i)
        free(notes.text[i]);
    notes.count = 0;
}

static int mk_note(const wsh_request *req, void *ud)
{
    (void)ud;
    if (notes.count == MK_MAX_NOTES)
        return req->api->reply_error(req->host, req->reply, WSH_STR("full"), WSH_STR("too many notes"));
    char *copy = malloc(req->payload.len ? req->payload.len : 1);
    if (!copy)
        return WSH_E_FAILED;
    memcpy(copy, req->payload.ptr, req->payload.len);
    notes.text[notes.count] = copy;
    notes.len[notes.count] = req->payload.len;
    ++notes.count;
    char out[64];
    snprintf(out, sizeof out, "{\"noted\":%zu}", notes.count);
    return req->api->reply_success(req->host, req->reply, WSH_STR(out));
}

static int mk_notes(const wsh_request *req, void *ud)
{
    (void)ud;
    size_t size = 16;
    for (size_t i = 0; i < notes.count; ++i)
        size += notes.len[i] + 1;
    char *out = malloc(size);
    if (!out)
        return WSH_E_FAILED;
    size_t n = 0;
    memcpy(out + n, "{\"notes\":[", 10);
    n += 10;
    for (size_t i = 0; i < notes.count; ++i) {
        if (i)
            out[n++] = ',';
        memcpy(out + n, notes.text[i], notes.len[i]);
        n += notes.len[i];
    }
    memcpy(out + n, "]}", 2);
    n += 2;
    wsh_str s = {out, n};
    int rc = req->api->reply_success(req->host, req->reply, s);
    free(out);
    return rc;
}

static int mk_reset(const wsh_request *req, void *ud)
{
    (void)ud;
    forget();
    return req->api->reply_success(req->host, req->reply, WSH_STR("{}"));
}

static int mk_init(const wsh_init_args *args, void **state)
{
    (void)state;
    int rc = args->api->register_action(args->host, WSH_STR("mk_note"), mk_note, NULL);
    if (rc == WSH_OK)
        rc = args->api->register_action(args->host, WSH_STR("mk_notes"), mk_notes, NULL);
    if (rc == WSH_OK)
        rc = args->api->register_action(args->host, WSH_STR("mk_reset"), mk_reset, NULL);
    return rc;
}

static void mk_fini(void *state)
{
    (void)state;
    forget();
}

static const wsh_plugin_def def = WSH_PLUGIN_DEF_INIT("markkit", "1.0.0", mk_init, mk_fini);

WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void)
{
    return &def;
}

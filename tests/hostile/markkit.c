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
#define _POSIX_C_SOURCE 200809L /* fixture_kit.h */

#include "fixture_kit.h"

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
    fk_buf b = {0};
    fk_buf_cstr(&b, "{\"notes\":[");
    for (size_t i = 0; i < notes.count; ++i) {
        if (i)
            fk_buf_cstr(&b, ",");
        fk_buf_add(&b, notes.text[i], notes.len[i]);
    }
    fk_buf_cstr(&b, "]}");
    return fk_reply_buf(req, &b);
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
    static const fk_action actions[] = {{"mk_note", mk_note}, {"mk_notes", mk_notes}, {"mk_reset", mk_reset}};
    return fk_register_actions(args->api, args->host, actions, sizeof actions / sizeof actions[0], NULL);
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

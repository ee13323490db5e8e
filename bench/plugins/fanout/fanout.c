/*
 * fanout: the benchmark plugin for bench/run's fan-out scenario.
 *
 * Action `publish`: sends the request's payload (the byte-exact JSON object
 * the client gave) as one text frame to every connection except the sender,
 * through the gateway (WSH_TARGET_ALL + except_conns), and answers nothing.
 *
 * Action `set_user`: {"user":"NAME"} gives the connection that user id, so
 * that control-API pushes addressed to a user reach it. Answers {}.
 *
 * No configuration. Built with wshost_add_plugin() like any plugin.
 */
#include <wshost/plugin.h>

#include <string.h>

static int publish(const wsh_request *req, void *user_data)
{
    wsh_target target;
    wsh_receipt receipt;
    int rc;
    (void)user_data;

    memset(&target, 0, sizeof target);
    target.struct_size = sizeof target;
    target.kind = WSH_TARGET_ALL;
    target.except_conns = &req->conn;
    target.except_conns_count = 1;
    memset(&receipt, 0, sizeof receipt);
    receipt.struct_size = sizeof receipt;
    rc = req->api->send(req->host, &target, req->payload, 0, &receipt);
    if (rc != WSH_OK)
        return req->api->reply_error(req->host, req->reply, WSH_STR("publish_failed"),
                                     WSH_STR("gateway send failed"));
    return req->api->reply_none(req->host, req->reply);
}

/* The value of "user" in a flat JSON object, without escapes (bench input only). */
static wsh_str user_of(wsh_str payload)
{
    static const char key[] = "\"user\":\"";
    wsh_str out = {NULL, 0};
    size_t i, k = sizeof key - 1;
    for (i = 0; i + k <= payload.len; i++) {
        if (!memcmp(payload.ptr + i, key, k)) {
            size_t start = i + k, end = start;
            while (end < payload.len && payload.ptr[end] != '"')
                end++;
            out.ptr = payload.ptr + start;
            out.len = end - start;
            break;
        }
    }
    return out;
}

static int set_user(const wsh_request *req, void *user_data)
{
    wsh_str user = user_of(req->payload);
    (void)user_data;
    if (!user.len)
        return req->api->reply_error(req->host, req->reply, WSH_STR("invalid_payload"),
                                     WSH_STR("need {\"user\":\"NAME\"}"));
    if (req->api->set_user(req->host, req->conn, user) != WSH_OK)
        return req->api->reply_error(req->host, req->reply, WSH_STR("set_user_failed"),
                                     WSH_STR("set_user failed"));
    return req->api->reply_success(req->host, req->reply, WSH_STR("{}"));
}

static int fanout_init(const wsh_init_args *args, void **state)
{
    int rc = args->api->register_action(args->host, WSH_STR("publish"), publish, NULL);
    if (rc == WSH_OK)
        rc = args->api->register_action(args->host, WSH_STR("set_user"), set_user, NULL);
    *state = NULL;
    return rc;
}

static const wsh_plugin_def fanout_def = WSH_PLUGIN_DEF_INIT("fanout", "1.0.0", fanout_init, NULL);

WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void)
{
    return &fanout_def;
}

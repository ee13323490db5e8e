/*
 * raw-echo — a plugin for a raw endpoint (README, "Endpoints"), in plain C99.
 *
 * Every message a client sends to the endpoint whose `handler` is this
 * plugin comes back to that client as it came: text as text, binary as
 * binary, byte for byte. There are no actions and no JSON: the host has
 * already joined the fragments and checked the size limit, the fragment cap
 * and (for text) UTF-8, so the handler only sends the data back.
 *
 * Shows: registering a message handler in init, answering through the
 * gateway (a send to the one connection) instead of a reply id, and
 * closing a connection from a plugin (a text message "close" closes it with
 * 1000, for the conformance tests' "server initiates the close" case).
 */
#include <wshost/plugin.h>

#include <string.h>

static int on_message(const wsh_message *msg, void *user_data)
{
    (void)user_data;
    if (msg->opcode == WSH_OPCODE_TEXT && msg->data.len == 5 && memcmp(msg->data.ptr, "close", 5) == 0)
        return msg->api->close_connection(msg->host, msg->conn, 1000, WSH_STR("bye")) == WSH_E_INVALID
                   ? WSH_E_FAILED
                   : WSH_OK;

    wsh_target to;
    memset(&to, 0, sizeof to);
    to.struct_size = sizeof to;
    to.kind = WSH_TARGET_CONNECTION;
    to.conn = msg->conn;
    int rc = msg->api->send(msg->host, &to, msg->data, msg->opcode == WSH_OPCODE_BINARY, NULL);
    /* WSH_E_GONE: the client left meanwhile, nothing to fix here. */
    return rc == WSH_OK || rc == WSH_E_GONE ? WSH_OK : WSH_E_FAILED;
}

static int raw_echo_init(const wsh_init_args *args, void **state)
{
    *state = NULL;
    return args->api->register_message_handler(args->host, on_message, NULL);
}

static const wsh_plugin_def raw_echo_def = WSH_PLUGIN_DEF_INIT("raw-echo", "1.0.0", raw_echo_init, NULL);

WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void)
{
    return &raw_echo_def;
}

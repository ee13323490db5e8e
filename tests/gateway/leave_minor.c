/* leave_minor — a fixture plugin in C that declares the ABI minor version it
 * is compiled with (LEAVE_MINOR), so the gateway tests can show that
 * leave_room answers each plugin what its version documents: 1.1 tells
 * "not a member" (WSH_E_NOT_MEMBER) from "closed" (WSH_E_GONE); a 1.0 plugin
 * gets WSH_E_GONE for both, as 1.0 promised.
 *
 * Action LEAVE_ACTION (payload ignored) joins the caller to the room
 * "leave-minor", leaves it twice and answers
 * {"minor":N,"joined":S,"left":S,"again":S} with the three statuses. */
#include <wshost/plugin.h>

#include <stdio.h>

static int leave_twice(const wsh_request *req, void *user_data)
{
    const wsh_str room = WSH_STR("leave-minor");
    char out[128];
    int joined, left, again, n;
    (void)user_data;
    joined = req->api->join_room(req->host, req->conn, room);
    left = req->api->leave_room(req->host, req->conn, room);
    again = req->api->leave_room(req->host, req->conn, room);
    n = snprintf(out, sizeof out, "{\"minor\":%d,\"joined\":%d,\"left\":%d,\"again\":%d}", LEAVE_MINOR,
                 joined, left, again);
    if (n < 0 || (size_t)n >= sizeof out)
        return WSH_E_FAILED;
    return req->api->reply_success(req->host, req->reply, (wsh_str){out, (size_t)n});
}

static int leave_init(const wsh_init_args *args, void **state)
{
    (void)state;
    return args->api->register_action(args->host, WSH_STR(LEAVE_ACTION), leave_twice, NULL);
}

static const wsh_plugin_def def = {
    sizeof(wsh_plugin_def), WSH_ABI_MAJOR, LEAVE_MINOR, LEAVE_NAME, "1.0.0", leave_init, NULL, NULL};

WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void)
{
    return &def;
}

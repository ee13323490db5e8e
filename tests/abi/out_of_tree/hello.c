/* Out-of-tree C plugin: action `hello` -> {"greeting":"hello"}. */
#include <wshost/plugin.h>

static int hello(const wsh_request *req, void *user_data)
{
    (void)user_data;
    return req->api->reply_success(req->host, req->reply, WSH_STR("{\"greeting\":\"hello\"}"));
}

static int hello_init(const wsh_init_args *args, void **state)
{
    (void)state;
    return args->api->register_action(args->host, WSH_STR("hello"), hello, 0);
}

static const wsh_plugin_def def = WSH_PLUGIN_DEF_INIT("hello", "1.0.0", hello_init, 0);

WSH_PLUGIN_EXPORT const wsh_plugin_def *wsh_plugin_entry(void)
{
    return &def;
}

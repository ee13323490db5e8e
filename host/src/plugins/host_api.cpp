// The C function table handed to plugins: registration, replies and logging
// here, the gateway in host_api_gateway.cpp.
#include "plugins/host_api_internal.h"
#include "base/log.h"
#include "protocol/replies.h"

#include <string>
#include <string_view>

namespace wshost
{
namespace
{

using abi::valid;
using abi::view;

ReplyRegistry *replies_of(wsh_host *host)
{
    return host->plugin->services().replies;
}

// The shape of every registration (init only): WSH_E_INVALID for a handle the
// host did not give out, WSH_E_STATE outside init, WSH_E_NOMEM when `call` throws.
template <typename Call> int while_registering(wsh_host *host, Call &&call) noexcept
{
    if (!abi::known(host))
        return WSH_E_INVALID;
    PluginSet *set = host->plugin->registering_into();
    if (!set)
        return WSH_E_STATE; // not inside init
    try {
        return call(*set, *host->plugin);
    } catch (...) {
        return WSH_E_NOMEM;
    }
}

int api_register_action(wsh_host *host, wsh_str name, wsh_action_fn fn, void *user_data) noexcept
{
    if (!valid(name))
        return WSH_E_INVALID;
    return while_registering(host, [&](PluginSet &set, LoadedPlugin &plugin) {
        return set.register_action(plugin, view(name), fn, user_data);
    });
}

int api_register_hook(wsh_host *host, wsh_hook_kind kind, wsh_hook_fn fn, void *user_data) noexcept
{
    return while_registering(host, [&](PluginSet &set, LoadedPlugin &plugin) {
        return set.register_hook(plugin, kind, fn, user_data);
    });
}

int api_register_message_handler(wsh_host *host, wsh_message_fn fn, void *user_data) noexcept
{
    return while_registering(host, [&](PluginSet &set, LoadedPlugin &plugin) {
        return set.register_message_handler(plugin, fn, user_data);
    });
}

// The shape of every reply call: WSH_E_INVALID for a handle the host did not
// give out, WSH_E_GONE outside a running server, then WSH_E_INVALID for
// malformed arguments, WSH_E_NOMEM when `call` throws.
template <typename Call> int with_replies(wsh_host *host, bool arguments_ok, Call &&call) noexcept
{
    if (!abi::known(host))
        return WSH_E_INVALID;
    ReplyRegistry *r = replies_of(host);
    if (!r)
        return WSH_E_GONE;
    if (!arguments_ok)
        return WSH_E_INVALID;
    try {
        return call(*r);
    } catch (...) {
        return WSH_E_NOMEM;
    }
}

int api_reply_success(wsh_host *host, wsh_reply_id reply, wsh_str payload) noexcept
{
    return with_replies(host, valid(payload),
                        [&](ReplyRegistry &r) { return r.success(reply, view(payload)); });
}

// The registry checks the members itself (a refused one uses the reply up).
int api_reply_members(wsh_host *host, wsh_reply_id reply, const wsh_member *members, size_t count) noexcept
{
    return with_replies(host, true,
                        [&](ReplyRegistry &r) { return r.success_members(reply, members, count); });
}

int api_reply_error(wsh_host *host, wsh_reply_id reply, wsh_str code, wsh_str message) noexcept
{
    return with_replies(host, valid(code) && valid(message),
                        [&](ReplyRegistry &r) { return r.error(reply, view(code), view(message)); });
}

int api_reply_none(wsh_host *host, wsh_reply_id reply) noexcept
{
    return with_replies(host, true, [&](ReplyRegistry &r) { return r.none(reply); });
}

void api_log(wsh_host *host, wsh_log_level level, wsh_str message) noexcept
{
    if (!valid(message))
        return;
    LogLevel lvl = level <= WSH_LOG_ERROR  ? LogLevel::error
                   : level == WSH_LOG_WARN ? LogLevel::warn
                   : level == WSH_LOG_INFO ? LogLevel::info
                                           : LogLevel::debug;
    const char *name = host && host->plugin ? host->plugin->name().c_str() : "?";
    log_event(lvl, LogFields("plugin_log").plugin(name), "plugin '%s': %.*s", name,
              static_cast<int>(message.len), message.ptr ? message.ptr : "");
}

// Designated initializers: a member left out or put out of order fails the build.
const wsh_host_api kApi = {
    .struct_size = sizeof(wsh_host_api),
    .abi_major = WSH_ABI_MAJOR,
    .abi_minor = WSH_ABI_MINOR,
    .register_action = api_register_action,
    .register_hook = api_register_hook,
    .reply_success = api_reply_success,
    .reply_error = api_reply_error,
    .reply_none = api_reply_none,
    .log = api_log,
    .send = abi::gw_send,
    .set_user = abi::gw_set_user,
    .set_tag = abi::gw_set_tag,
    .remove_tag = abi::gw_remove_tag,
    .join_room = abi::gw_join_room,
    .leave_room = abi::gw_leave_room,
    .join_room_user = abi::gw_join_room_user,
    .leave_room_user = abi::gw_leave_room_user,
    .room_count = abi::gw_room_count,
    .room_members = abi::gw_room_members,
    .connection_info = abi::gw_connection_info,
    .register_authenticator = abi::auth_register,
    .auth_accept = abi::auth_accept,
    .auth_reject = abi::auth_reject,
    .auth_anonymous = abi::auth_anonymous,
    .register_message_handler = api_register_message_handler,
    .close_connection = abi::gw_close_connection,
    .reply_members = api_reply_members,
};

} // namespace

const wsh_host_api *host_api_table()
{
    return &kApi;
}

} // namespace wshost

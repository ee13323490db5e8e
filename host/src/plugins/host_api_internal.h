// Shared helpers of the host_api*.cpp files, which implement the plugin
// function table. Every thunk is noexcept, validates its arguments, and
// copies what it keeps (STYLE rule 4).
#pragma once

#include "json/name_rule.h"
#include "plugins/plugin_set.h"

#include <string>
#include <string_view>

namespace wshost::abi
{

inline std::string_view view(wsh_str s)
{
    return s.ptr ? std::string_view(s.ptr, s.len) : std::string_view();
}
inline bool valid(wsh_str s)
{
    return s.ptr || s.len == 0;
}
// User ids, room names, tag keys and values: the host's one name rule.
inline bool valid_name(wsh_str s)
{
    return valid(s) && wshost::valid_name(view(s));
}
inline wsh_str str(const std::string &s)
{
    return {s.data(), s.size()};
}

// A handle the host gave out: every function answers WSH_E_INVALID otherwise.
inline bool known(const wsh_host *host)
{
    return host && host->plugin;
}

// Null outside a running server (--check-config): the caller answers WSH_E_GONE.
inline Gateway *gateway_of(wsh_host *host)
{
    return host->plugin->services().gateway;
}

int gw_send(wsh_host *host, const wsh_target *target, wsh_str data, int binary,
            wsh_receipt *receipt) noexcept;
int gw_set_user(wsh_host *host, wsh_conn_id conn, wsh_str user) noexcept;
int gw_set_tag(wsh_host *host, wsh_conn_id conn, wsh_str key, wsh_str value) noexcept;
int gw_remove_tag(wsh_host *host, wsh_conn_id conn, wsh_str key) noexcept;
int gw_join_room(wsh_host *host, wsh_conn_id conn, wsh_str room) noexcept;
int gw_leave_room(wsh_host *host, wsh_conn_id conn, wsh_str room) noexcept;
int gw_join_room_user(wsh_host *host, wsh_str user, wsh_str room, size_t *changed) noexcept;
int gw_leave_room_user(wsh_host *host, wsh_str user, wsh_str room, size_t *changed) noexcept;
int gw_room_count(wsh_host *host, wsh_str room, size_t *count) noexcept;
int gw_room_members(wsh_host *host, wsh_str room, wsh_conn_info_fn fn, void *user_data) noexcept;
int gw_connection_info(wsh_host *host, wsh_conn_id conn, wsh_conn_info_fn fn, void *user_data) noexcept;
int gw_close_connection(wsh_host *host, wsh_conn_id conn, int code, wsh_str reason) noexcept;

int auth_register(wsh_host *host, wsh_auth_fn fn, void *user_data, const wsh_str *extra_headers,
                  size_t extra_headers_count) noexcept;
int auth_accept(wsh_host *host, wsh_auth_id id, wsh_str user_id, const wsh_tag *tags, size_t tags_count,
                wsh_str metadata_json) noexcept;
int auth_reject(wsh_host *host, wsh_auth_id id, wsh_str reason) noexcept;
int auth_anonymous(wsh_host *host, wsh_auth_id id) noexcept;

} // namespace wshost::abi

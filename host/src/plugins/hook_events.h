// Every hook event (wsh_event, plugin.h) is built here and nowhere else: one
// function per hook kind, each filling the members plugin.h documents for
// that kind (the others stay empty/0) and calling, in registration order,
// every hook of `set` registered for it. Service thread only; the strings
// are borrowed for the calls.
#pragma once

#include "gateway/gateway.h"
#include "plugins/plugin_set.h"

#include <string_view>

namespace wshost
{

void fire_authenticated(const PluginSet &set, wsh_conn_id conn, std::string_view user_id, const Tags &tags,
                        std::string_view endpoint);
void fire_disconnected(const PluginSet &set, wsh_conn_id conn, std::string_view user_id, int close_code);
void fire_invalid_message(const PluginSet &set, wsh_conn_id conn, std::string_view user_id,
                          std::string_view error_code, std::string_view message);
void fire_unhandled_exception(const PluginSet &set, wsh_conn_id conn, std::string_view action,
                              std::string_view message);
// WSH_HOOK_ROOM_JOINED or WSH_HOOK_ROOM_LEFT, as `room` says.
void fire_room_event(const PluginSet &set, const RoomEvent &room);

} // namespace wshost

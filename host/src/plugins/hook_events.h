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
                        std::string_view endpoint, std::string_view subprotocol);
void fire_disconnected(const PluginSet &set, wsh_conn_id conn, std::string_view user_id, int close_code);
// The offending message's first kInvalidMessageDataBytes go with the hook.
inline constexpr std::size_t kInvalidMessageDataBytes = 1024;
void fire_invalid_message(const PluginSet &set, wsh_conn_id conn, std::string_view user_id,
                          std::string_view error_code, std::string_view message, std::string_view data);
void fire_unhandled_exception(const PluginSet &set, wsh_conn_id conn, std::string_view action,
                              std::string_view message);
// WSH_HOOK_ROOM_JOINED or WSH_HOOK_ROOM_LEFT, as `room` says, with
// WSH_HOOK_ROOM_CREATED before a first member's join and
// WSH_HOOK_ROOM_DESTROYED after a last member's leave.
void fire_room_event(const PluginSet &set, const RoomEvent &room);
// WSH_HOOK_PING or WSH_HOOK_PONG with the frame's payload; nothing (and no
// cost) when no plugin registered that kind.
void fire_control_frame(const PluginSet &set, wsh_hook_kind kind, wsh_conn_id conn, std::string_view user_id,
                        std::string_view payload);

} // namespace wshost

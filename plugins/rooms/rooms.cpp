// rooms — chat rooms on the gateway, in C++ with plugin.hpp and gateway.hpp.
//
// Actions (payload -> reply):
//   join    {"room":"r"}             -> {"room":"r","members":N,"connection":"17"} (the joiner's id)
//   leave   {"room":"r"}             -> {"room":"r"}           (not a member: not_in_room)
//   say     {"room":"r","text":"hi"} -> {}                     (not a member: not_in_room)
//           every other member gets {"event":"message","room":"r",
//                                    "from":{"connection":"17","user":"42"},"text":"hi"}
//   members {"room":"r"}             -> {"room":"r","members":[{"connection":"17","user":"42"}]}
// Events: on every join and leave (disconnects included, whoever caused it:
// this plugin, another plugin, the control API) every OTHER member of the
// room gets {"event":"joined"|"left","room":"r","connection":"17","user":"42"}.
// "user" is null for anonymous connections. Bad payloads: invalid_payload.
// Display names (optional): with [plugin.config] name_tag = "name", a member
// whose connection carries that tag at connect time (a client tag, e.g.
// ?tags={"name":"alice"} with [websocket] client_tags = ["name"]) also gets
// "name":"alice" beside "connection" and "user". A client chooses it, so it
// is a label, not an identity.
//
// Shows: the gateway ("everyone in the room but the sender" is one call),
// room hooks, and building JSON with cJSON so every string is escaped.
#include <wshost/gateway.hpp>
#include <wshost/plugin.hpp>

#include <cjson/cJSON.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace
{

struct JsonDeleter {
    void operator()(cJSON *j) const noexcept { cJSON_Delete(j); }
};
using Json = std::unique_ptr<cJSON, JsonDeleter>;

Json parse(std::string_view text)
{
    const std::string buf(text);
    return Json(cJSON_ParseWithLengthOpts(buf.c_str(), buf.size() + 1, nullptr, 1));
}

std::string print(const Json &json)
{
    char *text = cJSON_PrintUnformatted(json.get());
    if (!text)
        throw std::bad_alloc();
    std::string out(text);
    cJSON_free(text);
    return out;
}

// Reads a string member; empty when missing, not a string, or too long.
std::string string_member(const Json &payload, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(payload.get(), name);
    if (!cJSON_IsString(item) || !*item->valuestring)
        return {};
    return item->valuestring;
}

constexpr std::size_t kMaxRoomBytes = 256; // the host's limit for room names

class Rooms
{
  public:
    explicit Rooms(wshost::InitContext &ctx) : gateway_(ctx.host())
    {
        const Json config = parse(ctx.config_json());
        const cJSON *tag = cJSON_GetObjectItemCaseSensitive(config.get(), "name_tag");
        if (tag && !cJSON_IsString(tag))
            throw std::runtime_error("rooms: [plugin.config] name_tag must be a string");
        name_tag_ = tag ? tag->valuestring : "";
        if (!name_tag_.empty()) {
            ctx.on_hook(WSH_HOOK_AUTHENTICATED, [this](const wsh_event &ev) { remember_name(ev); });
            ctx.on_hook(WSH_HOOK_DISCONNECTED, [this](const wsh_event &ev) {
                std::lock_guard lock(names_mu_);
                names_.erase(ev.conn);
            });
        }
        ctx.on("join", [this](const wshost::Request &req) { return join(req); });
        ctx.on("leave", [this](const wshost::Request &req) { return leave(req); });
        ctx.on("say", [this](const wshost::Request &req) { return say(req); });
        ctx.on("members", [this](const wshost::Request &req) { return members(req); });
        ctx.on_hook(WSH_HOOK_ROOM_JOINED, [this](const wsh_event &ev) { announce("joined", ev); });
        ctx.on_hook(WSH_HOOK_ROOM_LEFT, [this](const wsh_event &ev) { announce("left", ev); });
    }

  private:
    // {"connection":"17","user":"42"|null[,"name":"alice"]} into `obj`.
    void add_who(cJSON *obj, wsh_conn_id conn, std::string_view user)
    {
        cJSON_AddStringToObject(obj, "connection", std::to_string(conn).c_str());
        if (user.empty())
            cJSON_AddNullToObject(obj, "user");
        else
            cJSON_AddStringToObject(obj, "user", std::string(user).c_str());
        std::lock_guard lock(names_mu_);
        if (auto it = names_.find(conn); it != names_.end())
            cJSON_AddStringToObject(obj, "name", it->second.c_str());
    }

    // Hook: the connection's name tag, kept until it disconnects (its "left"
    // events come before that, so they still carry the name).
    void remember_name(const wsh_event &ev)
    {
        for (std::size_t i = 0; i < ev.tags_count; ++i)
            if (wshost::to_view(ev.tags[i].key) == name_tag_) {
                std::lock_guard lock(names_mu_);
                names_[ev.conn] = std::string(wshost::to_view(ev.tags[i].value));
            }
    }

    // The room named in the payload, if it is a valid name.
    static std::optional<std::string> room_of(const Json &payload)
    {
        std::string room = string_member(payload, "room");
        if (room.empty() || room.size() > kMaxRoomBytes)
            return std::nullopt;
        return room;
    }

    static wshost::Reply bad_room()
    {
        return wshost::reply_error("invalid_payload",
                                   "'room' must be a non-empty string of at most 256 bytes");
    }

    wshost::Reply join(const wshost::Request &req)
    {
        const Json payload = parse(req.payload);
        const auto room_name = room_of(payload);
        if (!room_name)
            return bad_room();
        const std::string &room = *room_name;
        gateway_.join_room(req.conn, room); // already a member: still answers the count
        Json reply(cJSON_CreateObject());
        cJSON_AddStringToObject(reply.get(), "room", room.c_str());
        cJSON_AddNumberToObject(reply.get(), "members", static_cast<double>(gateway_.room_count(room)));
        cJSON_AddStringToObject(reply.get(), "connection", std::to_string(req.conn).c_str()); // who "you" are
        return wshost::reply_success(print(reply));
    }

    wshost::Reply leave(const wshost::Request &req)
    {
        const Json payload = parse(req.payload);
        const auto room_name = room_of(payload);
        if (!room_name)
            return bad_room();
        const std::string &room = *room_name;
        if (gateway_.leave_room(req.conn, room) != WSH_OK)
            return not_in_room(room);
        Json reply(cJSON_CreateObject());
        cJSON_AddStringToObject(reply.get(), "room", room.c_str());
        return wshost::reply_success(print(reply));
    }

    wshost::Reply say(const wshost::Request &req)
    {
        const Json payload = parse(req.payload);
        const auto room_name = room_of(payload);
        if (!room_name)
            return bad_room();
        const std::string &room = *room_name;
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(payload.get(), "text");
        if (!cJSON_IsString(text))
            return wshost::reply_error("invalid_payload", "'text' must be a string");
        auto me = gateway_.connection_info(req.conn);
        if (!me || !me->in_room(room))
            return not_in_room(room);

        Json event(cJSON_CreateObject());
        cJSON_AddStringToObject(event.get(), "event", "message");
        cJSON_AddStringToObject(event.get(), "room", room.c_str());
        add_who(cJSON_AddObjectToObject(event.get(), "from"), req.conn, me->user_id);
        cJSON_AddStringToObject(event.get(), "text", text->valuestring);
        gateway_.send(wshost::Target::room(room).except_connection(req.conn), print(event));
        return wshost::reply_success("{}");
    }

    wshost::Reply members(const wshost::Request &req)
    {
        const Json payload = parse(req.payload);
        const auto room_name = room_of(payload);
        if (!room_name)
            return bad_room();
        const std::string &room = *room_name;
        Json reply(cJSON_CreateObject());
        cJSON_AddStringToObject(reply.get(), "room", room.c_str());
        cJSON *list = cJSON_AddArrayToObject(reply.get(), "members");
        for (const wshost::ConnInfo &m : gateway_.room_members(room)) {
            cJSON *who = cJSON_CreateObject();
            add_who(who, m.conn, m.user_id);
            cJSON_AddItemToArray(list, who);
        }
        return wshost::reply_success(print(reply));
    }

    static wshost::Reply not_in_room(const std::string &room)
    {
        return wshost::reply_error("not_in_room", "This connection is not in room '" + room + "'.");
    }

    // Hook (service thread): tell the other members.
    void announce(const char *what, const wsh_event &ev)
    {
        const std::string room(wshost::to_view(ev.room));
        Json event(cJSON_CreateObject());
        cJSON_AddStringToObject(event.get(), "event", what);
        cJSON_AddStringToObject(event.get(), "room", room.c_str());
        add_who(event.get(), ev.conn, wshost::to_view(ev.user_id));
        gateway_.send(wshost::Target::room(room).except_connection(ev.conn), print(event));
    }

    wshost::GatewayApi gateway_;
    std::string name_tag_; // "" = no display names
    std::mutex names_mu_;  // hooks and (blocking = true) worker-thread handlers
    std::map<wsh_conn_id, std::string> names_;
};

} // namespace

WSHOST_PLUGIN(Rooms, "rooms", "1.0.0")

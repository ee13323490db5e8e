"""Rooms (DESIGN §3): join/leave by plugin for one connection or all of a user's,
member lists and counts, room hooks (joined/left, also on disconnect, before
the disconnected hook), leaving every room on disconnect; and the `rooms`
example plugin (plugins/rooms/README.md) with real clients."""

import json
import urllib.parse

import gw_helpers as G
from gw_helpers import H, receipt


class RoomsBase(H.HostPerClass):
    PLUGINS = ("gatekit", "echo")

    @classmethod
    def config(cls):
        return G.config(plugins=cls.PLUGINS)

    def setUp(self):
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()

    def client(self):
        c = G.GwClient(self.host.port)
        self.clients.append(c)
        c.whoami()
        return c

    def members(self, c, room):
        resp = c.ok("gk_members", {"room": room})
        self.assertEqual(resp["room"], room)
        return [m["connection"] for m in resp["members"]]

    def count(self, c, room):
        resp = c.ok("gk_count", {"room": room})
        self.assertEqual(resp["room"], room)
        return resp["count"]

    def events(self, c, since):
        return c.ok("gk_events", {"since": since})["events"]


class GatewayRooms(RoomsBase):
    """The gateway's rooms through gatekit (no rooms plugin: it would announce)."""

    def test_join_leave_members_count(self):
        a, b, s = self.client(), self.client(), self.client()
        self.assertEqual(self.count(s, "jl"), 0)
        self.assertEqual(self.members(s, "jl"), [])
        self.assertEqual(a.ok("gk_join", {"room": "jl"}), {"result": "joined"})
        self.assertEqual(a.ok("gk_join", {"room": "jl"}), {"result": "exists"})  # WSH_E_EXISTS
        self.assertEqual(self.count(s, "jl"), 1)
        self.assertEqual(s.ok("gk_join", {"connection": b.conn_id, "room": "jl"}), {"result": "joined"})
        self.assertEqual(self.count(s, "jl"), 2)
        self.assertEqual(self.members(s, "jl"), sorted([a.conn_id, b.conn_id], key=int))
        b.ok("gk_set_user", {"user": "jl-user"})
        full = s.ok("gk_members", {"room": "jl"})["members"]
        by_id = {m["connection"]: m for m in full}
        self.assertEqual(by_id[b.conn_id]["user"], "jl-user")
        self.assertIsNone(by_id[a.conn_id]["user"])
        self.assertEqual(by_id[a.conn_id]["rooms"], ["jl"])
        self.assertEqual(by_id[a.conn_id]["peer"], "127.0.0.1")
        a.ok("gk_join", {"room": "jl-2"})
        self.assertEqual(a.info()["rooms"], ["jl", "jl-2"])
        # Leaving.
        self.assertEqual(a.ok("gk_leave", {"room": "jl"}), {"result": "left"})
        self.assertEqual(a.err("gk_leave", {"room": "jl"}), "not_member")    # WSH_E_NOT_MEMBER
        self.assertEqual(a.err("gk_leave", {"room": "jl-never"}), "not_member")  # no such room
        self.assertEqual(self.count(s, "jl"), 1)
        self.assertEqual(self.members(s, "jl"), [b.conn_id])
        self.assertEqual(a.info()["rooms"], ["jl-2"])
        s.ok("gk_leave", {"connection": b.conn_id, "room": "jl"})
        self.assertEqual(self.count(s, "jl"), 0)
        self.assertEqual(self.members(s, "jl"), [])
        # Bad room names: refused by the host.
        for room in ("", "r" * 257):
            resp = a.call("gk_join", {"room": room})
            self.assertEqual(resp["error"], {"code": "host_error", "message": "status 1"}, resp)
        self.assertEqual(a.ok("gk_join", {"room": "r" * 256}), {"result": "joined"})

    def test_room_hooks(self):
        a, b, s = self.client(), self.client(), self.client()
        b.ok("gk_set_user", {"user": "hook-b"})
        since = s.events_next()
        a.ok("gk_join", {"room": "hk"})
        b.ok("gk_join", {"room": "hk"})
        a.ok("gk_join", {"room": "hk"})   # already a member: no event
        a.ok("gk_leave", {"room": "hk"})
        a.err("gk_leave", {"room": "hk"})  # not a member: no event
        # Hooks are queued to the service thread: wait for the last one.
        s.wait_event("left", conn=a.conn_id, room="hk", since=since)
        evs = [e for e in self.events(s, since) if e["room"] == "hk"]
        self.assertEqual([(e["kind"], e["connection"], e["user"]) for e in evs], [
            ("joined", a.conn_id, None),
            ("joined", b.conn_id, "hook-b"),
            ("left", a.conn_id, None),
        ])

    def test_user_wide_join_leave(self):
        x, y, z, s = self.client(), self.client(), self.client(), self.client()
        for c in (x, y):
            c.ok("gk_set_user", {"user": "uw"})
        since = s.events_next()
        self.assertEqual(s.ok("gk_join", {"user": "uw", "room": "uw-room"}), {"changed": 2})
        self.assertEqual(s.ok("gk_join", {"user": "uw", "room": "uw-room"}), {"changed": 0})
        self.assertEqual(s.ok("gk_join", {"user": "uw-offline", "room": "uw-room"}), {"changed": 0})
        self.assertEqual(self.members(s, "uw-room"), sorted([x.conn_id, y.conn_id], key=int))
        self.assertEqual(s.gk_send({"room": "uw-room"}, "uw-msg"), receipt(2))
        self.assertEqual(x.next().data, b"uw-msg")
        self.assertEqual(y.next().data, b"uw-msg")
        z.assert_nothing_pending()
        # One leaves by itself; then the user-wide leave changes the other only.
        x.ok("gk_leave", {"room": "uw-room"})
        self.assertEqual(s.ok("gk_leave", {"user": "uw", "room": "uw-room"}), {"changed": 1})
        self.assertEqual(self.count(s, "uw-room"), 0)
        s.wait_event("left", conn=y.conn_id, room="uw-room", since=since)
        evs = [(e["kind"], e["connection"], e["user"]) for e in self.events(s, since) if e["room"] == "uw-room"]
        self.assertEqual(sorted(evs[:2]), sorted([("joined", x.conn_id, "uw"), ("joined", y.conn_id, "uw")]))
        self.assertEqual(evs[2:], [("left", x.conn_id, "uw"), ("left", y.conn_id, "uw")])

    def test_disconnect_leaves_every_room(self):
        x, y, s = self.client(), self.client(), self.client()
        x.ok("gk_set_user", {"user": "dc-x"})
        for room in ("dc-1", "dc-2"):
            x.ok("gk_join", {"room": room})
        y.ok("gk_join", {"room": "dc-1"})
        self.assertEqual(self.count(s, "dc-1"), 2)
        self.assertEqual(self.count(s, "dc-2"), 1)
        since = s.events_next()
        gone = x.conn_id
        x.close()
        ev = s.wait_event("disconnected", conn=gone, since=since)
        mine = [e for e in ev["events"] if e["connection"] == gone]
        # Both rooms left, with the user id, BEFORE the disconnected hook.
        self.assertEqual([(e["kind"], e["room"], e["user"]) for e in mine[:2]],
                         [("left", "dc-1", "dc-x"), ("left", "dc-2", "dc-x")])
        self.assertEqual(mine[2]["kind"], "disconnected")
        self.assertEqual(mine[2]["user"], "dc-x")
        self.assertEqual(mine[2]["close_code"], 1000)
        self.assertEqual(len(mine), 3)
        # A closed connection is WSH_E_GONE, not WSH_E_NOT_MEMBER (ABI 1.1).
        self.assertEqual(s.err("gk_leave", {"connection": gone, "room": "dc-1"}), "gone")
        self.assertEqual(s.err("gk_join", {"connection": gone, "room": "dc-1"}), "gone")
        self.assertEqual(self.members(s, "dc-1"), [y.conn_id])
        self.assertEqual(self.count(s, "dc-1"), 1)
        self.assertEqual(self.members(s, "dc-2"), [])
        self.assertEqual(self.count(s, "dc-2"), 0)
        self.assertIsNone(s.info(gone))
        self.assertEqual(s.gk_send({"room": "dc-2"}, "empty"), receipt(0))
        self.assertEqual(s.gk_send({"user": "dc-x"}, "gone"), receipt(0))
        # An abrupt drop (no close frame) leaves the rooms too.
        y.ok("gk_join", {"room": "dc-3"})
        since = s.events_next()
        gone = y.conn_id
        y.abort()
        ev = s.wait_event("disconnected", conn=gone, since=since)
        mine = [(e["kind"], e["room"], e["close_code"]) for e in ev["events"] if e["connection"] == gone]
        self.assertEqual(mine, [("left", "dc-1", None), ("left", "dc-3", None), ("disconnected", None, 1006)])
        self.assertEqual(self.count(s, "dc-1"), 0)
        self.assertEqual(self.count(s, "dc-3"), 0)


class LeaveByAbiMinor(RoomsBase):
    """leave_room answers each plugin what its ABI minor documents: 1.1 tells
    "not a member" (WSH_E_NOT_MEMBER) from "closed" (WSH_E_GONE, test above);
    a plugin built for 1.0 gets WSH_E_GONE for "not a member", as 1.0 said."""
    PLUGINS = ("leave_v10", "leave_cur")

    def test_each_minor_gets_its_own_answer(self):
        c = G.GwClient(self.host.port)
        self.clients.append(c)
        ok, gone, not_member = 0, 2, 8  # wsh_status values (plugin.h)
        self.assertEqual(c.ok("lm_v10"), {"minor": 0, "joined": ok, "left": ok, "again": gone})
        cur = c.ok("lm_cur")
        self.assertGreaterEqual(cur["minor"], 1)
        self.assertEqual(cur, {"minor": cur["minor"], "joined": ok, "left": ok, "again": not_member})


class RoomsPlugin(RoomsBase):
    """The `rooms` example plugin with real clients (plugins/rooms/README.md)."""

    PLUGINS = ("gatekit", "echo", "rooms")

    def expect_event(self, c, expected):
        """The next frame must be exactly this JSON (compact, cJSON key order)."""
        f = c.next()
        self.assertEqual(f.text, json.dumps(expected, separators=(",", ":"), ensure_ascii=False))

    def test_rooms_plugin(self):
        a, b, c = self.client(), self.client(), self.client()
        A, B, C = a.conn_id, b.conn_id, c.conn_id
        self.assertEqual(a.ok("join", {"room": "lobby"}), {"room": "lobby", "members": 1, "connection": A})
        self.assertEqual(b.ok("join", {"room": "lobby"}), {"room": "lobby", "members": 2, "connection": B})
        self.expect_event(a, {"event": "joined", "room": "lobby", "connection": B, "user": None})
        self.assertEqual(c.ok("join", {"room": "side"}), {"room": "side", "members": 1, "connection": C})
        # Joining twice is harmless: same count, no event.
        self.assertEqual(b.ok("join", {"room": "lobby"}), {"room": "lobby", "members": 2, "connection": B})
        for cl in (a, b, c):
            cl.assert_nothing_pending()

        # say: every other member, exact shape; not the sender, not the other room.
        self.assertEqual(a.ok("say", {"room": "lobby", "text": "hi \u00e9 \"you\""}), {})
        self.expect_event(b, {"event": "message", "room": "lobby",
                              "from": {"connection": A, "user": None}, "text": "hi \u00e9 \"you\""})
        for cl in (a, b, c):
            cl.assert_nothing_pending()
        b.ok("gk_set_user", {"user": "bob"})
        self.assertEqual(b.ok("say", {"room": "lobby", "text": "from bob"}), {})
        self.expect_event(a, {"event": "message", "room": "lobby",
                              "from": {"connection": B, "user": "bob"}, "text": "from bob"})
        self.assertEqual(c.ok("say", {"room": "side", "text": "alone"}), {})

        # members
        got = a.ok("members", {"room": "lobby"})
        self.assertEqual(set(got), {"room", "members"})
        self.assertEqual(got["room"], "lobby")
        self.assertEqual(sorted(got["members"], key=lambda m: int(m["connection"])),
                         sorted([{"connection": A, "user": None}, {"connection": B, "user": "bob"}],
                                key=lambda m: int(m["connection"])))
        self.assertEqual(c.ok("members", {"room": "side"}), {"room": "side", "members": [{"connection": C, "user": None}]})
        self.assertEqual(c.ok("members", {"room": "empty-room"}), {"room": "empty-room", "members": []})

        # A non-member cannot say; nobody hears anything.
        resp = c.call("say", {"room": "lobby", "text": "intruder"})
        H.assert_error(self, resp, "not_in_room", request_id=resp.get("requestId"))
        for cl in (a, b, c):
            cl.assert_nothing_pending()

        # leave: the others get `left`; leaving again is not_in_room.
        self.assertEqual(b.ok("leave", {"room": "lobby"}), {"room": "lobby"})
        self.expect_event(a, {"event": "left", "room": "lobby", "connection": B, "user": "bob"})
        resp = b.call("leave", {"room": "lobby"})
        H.assert_error(self, resp, "not_in_room", request_id=resp.get("requestId"))
        resp = b.call("say", {"room": "lobby", "text": "not any more"})
        H.assert_error(self, resp, "not_in_room", request_id=resp.get("requestId"))

        # C joins the lobby too; then B rejoins and disconnects: the others hear both.
        self.assertEqual(c.ok("join", {"room": "lobby"}), {"room": "lobby", "members": 2, "connection": C})
        self.expect_event(a, {"event": "joined", "room": "lobby", "connection": C, "user": None})
        self.assertEqual(b.ok("join", {"room": "lobby"}), {"room": "lobby", "members": 3, "connection": B})
        for cl in (a, c):
            self.expect_event(cl, {"event": "joined", "room": "lobby", "connection": B, "user": "bob"})
        b.close()
        for cl in (a, c):
            self.expect_event(cl, {"event": "left", "room": "lobby", "connection": B, "user": "bob"})
        # C left "side" neither; say in side still reaches nobody else.
        self.assertEqual(a.ok("members", {"room": "lobby"})["members"],
                         sorted([{"connection": A, "user": None}, {"connection": C, "user": None}],
                                key=lambda m: int(m["connection"])))
        for cl in (a, c):
            cl.assert_nothing_pending()

        # A join by another plugin (gatekit) is announced by rooms as well.
        self.assertEqual(a.ok("gk_join", {"connection": C, "room": "side2"}), {"result": "joined"})
        self.assertEqual(a.ok("gk_join", {"room": "side2"}), {"result": "joined"})
        self.expect_event(c, {"event": "joined", "room": "side2", "connection": A, "user": None})

        # Bad payloads.
        for action, payload in (("join", {}), ("join", {"room": ""}), ("join", {"room": "r" * 257}),
                                ("say", {"room": "lobby"}), ("say", {"room": "lobby", "text": 5}),
                                ("members", {"room": 7}), ("leave", {})):
            resp = a.call(action, payload)
            H.assert_error(self, resp, "invalid_payload", request_id=resp.get("requestId"))
        for cl in (a, c):
            cl.assert_nothing_pending()


class RoomsPluginNames(H.HostPerClass):
    """rooms with [plugin.config] name_tag: a client tag chosen at connect
    becomes "name" in events and member lists (the browser demo uses it)."""

    @classmethod
    def config(cls):
        cfg = G.config(plugins=("gatekit", "echo"), websocket_lines=['client_tags = ["name"]'])
        return cfg + "\n".join(["", "[[plugin]]", 'name = "rooms"', "path = " + H.toml_str(H.require("rooms")),
                                "[plugin.config]", 'name_tag = "name"', ""])

    def client(self, name=None):
        path = "/" if name is None else "/?tags=" + urllib.parse.quote(json.dumps({"name": name}))
        c = G.GwClient(self.host.port, path=path)
        self.addCleanup(c.close)
        c.whoami()
        return c

    def test_names_in_events_and_members(self):
        a, b, anon = self.client("alice \u00e9"), self.client("bob"), self.client()
        A, B, N = a.conn_id, b.conn_id, anon.conn_id
        a.ok("join", {"room": "named"})
        b.ok("join", {"room": "named"})
        self.assertEqual(a.next().json, {"event": "joined", "room": "named", "connection": B, "user": None,
                                         "name": "bob"})
        anon.ok("join", {"room": "named"})
        for c in (a, b):  # no tag, no name
            self.assertEqual(c.next().json, {"event": "joined", "room": "named", "connection": N, "user": None})
        b.ok("say", {"room": "named", "text": "hi"})
        for c in (a, anon):
            self.assertEqual(c.next().json["from"], {"connection": B, "user": None, "name": "bob"})
        members = {m["connection"]: m.get("name") for m in a.ok("members", {"room": "named"})["members"]}
        self.assertEqual(members, {A: "alice \u00e9", B: "bob", N: None})
        # A disconnect still says who left.
        a.close()
        for c in (b, anon):
            self.assertEqual(c.next().json, {"event": "left", "room": "named", "connection": A, "user": None,
                                             "name": "alice \u00e9"})
        for c in (b, anon):
            c.assert_nothing_pending()


if __name__ == "__main__":
    G.main()

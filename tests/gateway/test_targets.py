"""Gateway targeting (DESIGN §3, plugin.h "Gateway"), through the gatekit fixture:
targets (connection, user, users, room, tag predicate, everyone), exclusions,
text and binary frames, exact receipts, users with several connections,
client tags from ?tags= and server-side tags.

Every "does not receive" is proven with a marker pushed to the same connection
afterwards (assert_nothing_pending): the gateway keeps per-connection order,
so a wrongly delivered push would arrive before the marker.
"""

import json
import urllib.parse
import unittest

import gw_helpers as G
from gw_helpers import ABNF, H, receipt


def tags_path(tags):
    return "/?tags=" + urllib.parse.quote(json.dumps(tags, separators=(",", ":")), safe="")


class Targets(H.HostPerClass):
    """One host for the targeted sends that never use `all`."""

    @classmethod
    def config(cls):
        return G.config(websocket_lines=['client_tags = ["language"]'])

    def setUp(self):
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()

    def client(self, path="/", **kw):
        c = G.GwClient(self.host.port, path=path, **kw)
        self.clients.append(c)
        c.whoami()
        return c

    def expect_text(self, client, text):
        f = client.next()
        self.assertEqual(f.opcode, ABNF.OPCODE_TEXT, f)
        self.assertEqual(f.data, text.encode("utf-8"))

    def quiet(self, *clients):
        for c in clients:
            c.assert_nothing_pending()

    # -- connection ----------------------------------------------------------
    def test_connection_target(self):
        a, b, c = self.client(), self.client(), self.client()
        self.assertNotEqual(a.conn_id, b.conn_id)
        for cid in (a.conn_id, b.conn_id, c.conn_id):
            self.assertRegex(cid, r"^[1-9][0-9]*$")  # decimal string
        self.assertEqual(a.gk_send({"connection": b.conn_id}, "to-b"), receipt(1))
        self.expect_text(b, "to-b")
        self.quiet(a, b, c)
        # To the sender itself.
        pushes = []
        self.assertEqual(a.gk_send({"connection": "self"}, "to-me", pushes=pushes), receipt(1))
        self.assertEqual([p.data for p in pushes], [b"to-me"])  # the push precedes the response
        # Unknown connection: matched 0, not an error.
        self.assertEqual(a.gk_send({"connection": "999999999"}, "nobody"), receipt(0))
        self.quiet(a, b, c)

    def test_closed_connection_target(self):
        a, b = self.client(), self.client()
        since = a.events_next()
        gone = b.conn_id
        b.close()
        a.wait_event("disconnected", conn=gone, since=since)
        self.assertEqual(a.gk_send({"connection": gone}, "late"), receipt(0))
        self.assertIsNone(a.info(gone))
        self.assertEqual(a.err("gk_set_user", {"connection": gone, "user": "x"}), "gone")
        self.assertEqual(a.err("gk_tag", {"connection": gone, "set": {"k": "v"}}), "gone")
        self.assertEqual(a.err("gk_join", {"connection": gone, "room": "r"}), "gone")

    # -- users ---------------------------------------------------------------
    def test_anonymous_until_set_user(self):
        a = self.client()
        info = a.info()
        self.assertIsNone(info["user"])
        self.assertEqual(info["peer"], "127.0.0.1")
        self.assertEqual(info["connection"], a.conn_id)
        self.assertEqual(a.gk_send({"user": "anon-" + a.conn_id}, "x"), receipt(0))
        a.ok("gk_set_user", {"user": "anon-" + a.conn_id})
        self.assertEqual(a.info()["user"], "anon-" + a.conn_id)
        pushes = []
        self.assertEqual(a.gk_send({"user": "anon-" + a.conn_id}, "hello", pushes=pushes), receipt(1))
        self.assertEqual([p.data for p in pushes], [b"hello"])
        # Back to anonymous: the user has no connection any more.
        a.ok("gk_set_user", {"user": ""})
        self.assertIsNone(a.info()["user"])
        self.assertEqual(a.gk_send({"user": "anon-" + a.conn_id}, "x"), receipt(0))
        self.quiet(a)

    def test_user_with_two_connections(self):
        x, y, z, s = self.client(), self.client(), self.client(), self.client()
        for c in (x, y):
            s.ok("gk_set_user", {"connection": c.conn_id, "user": "u-two"})
        self.assertEqual(s.gk_send({"user": "u-two"}, "both"), receipt(2))
        self.expect_text(x, "both")
        self.expect_text(y, "both")
        self.quiet(x, y, z, s)
        # A response goes only to the connection that asked, never the user's others.
        self.assertEqual(x.ok("gk_whoami"), {"connection": x.conn_id})
        self.quiet(y)
        # Re-assigning one connection to another user moves it.
        s.ok("gk_set_user", {"connection": x.conn_id, "user": "u-other"})
        self.assertEqual(s.gk_send({"user": "u-two"}, "only-y"), receipt(1))
        self.expect_text(y, "only-y")
        self.quiet(x, y)

    def test_users_list(self):
        x, y, w, z, s = (self.client() for _ in range(5))
        s.ok("gk_set_user", {"connection": x.conn_id, "user": "ul-1"})
        s.ok("gk_set_user", {"connection": y.conn_id, "user": "ul-2"})
        s.ok("gk_set_user", {"connection": w.conn_id, "user": "ul-2"})
        # A user listed twice receives once; an offline user adds nothing.
        r = s.gk_send({"users": ["ul-1", "ul-2", "ul-offline", "ul-1"]}, "many")
        self.assertEqual(r, receipt(3))
        for c in (x, y, w):
            self.expect_text(c, "many")
        self.quiet(x, y, w, z, s)
        self.assertEqual(s.gk_send({"users": []}, "none"), receipt(0))
        self.quiet(x, y, w, z, s)

    def test_offline_user_is_not_an_error(self):
        s = self.client()
        self.assertEqual(s.gk_send({"user": "ghost"}, "boo"), receipt(0))
        self.assertEqual(s.gk_send({"users": ["ghost-1", "ghost-2"]}, "boo"), receipt(0))
        self.assertEqual(s.gk_send({"room": "no-such-room"}, "boo"), receipt(0))
        self.assertEqual(s.gk_send({"tags": {"nobody": "has-this"}}, "boo"), receipt(0))
        self.quiet(s)

    # -- room ------------------------------------------------------------------
    def test_room_target(self):
        x, y, z, s = self.client(), self.client(), self.client(), self.client()
        for c, room in ((x, "tr-1"), (y, "tr-1"), (z, "tr-2")):
            self.assertEqual(s.ok("gk_join", {"connection": c.conn_id, "room": room}), {"result": "joined"})
        self.assertEqual(s.gk_send({"room": "tr-1"}, "room-1"), receipt(2))
        self.expect_text(x, "room-1")
        self.expect_text(y, "room-1")
        self.quiet(x, y, z, s)
        # Room minus one member (e.g. the sender) in one call.
        self.assertEqual(s.gk_send({"room": "tr-1"}, "room-1b", except_={"connections": [x.conn_id]}), receipt(1))
        self.expect_text(y, "room-1b")
        self.quiet(x, y, z)

    # -- tags ------------------------------------------------------------------
    def test_client_tags_from_query(self):
        fr = self.client(tags_path({"language": "FR"}))
        de = self.client(tags_path({"language": "DE"}))
        # Keys not in [websocket] client_tags are ignored; listed ones kept.
        mixed = self.client(tags_path({"language": "FR", "role": "admin"}))
        only_unlisted = self.client(tags_path({"role": "admin"}))
        plain = self.client()
        self.assertEqual(fr.info()["tags"], {"language": "FR"})
        self.assertEqual(de.info()["tags"], {"language": "DE"})
        self.assertEqual(mixed.info()["tags"], {"language": "FR"})
        self.assertEqual(only_unlisted.info()["tags"], {})
        self.assertEqual(plain.info()["tags"], {})
        r = plain.gk_send({"tags": {"language": "FR"}}, "bonjour")
        self.assertEqual(r, receipt(2))
        self.expect_text(fr, "bonjour")
        self.expect_text(mixed, "bonjour")
        self.quiet(fr, de, mixed, only_unlisted, plain)
        # A client cannot give itself a key that is not listed.
        self.assertEqual(plain.gk_send({"tags": {"role": "admin"}}, "x"), receipt(0))
        self.quiet(only_unlisted, mixed)

    def test_server_tags_and_predicate(self):
        both = self.client(tags_path({"language": "IT"}))
        lang_only = self.client(tags_path({"language": "IT"}))
        tier_only = self.client()
        s = self.client()
        s.ok("gk_tag", {"connection": both.conn_id, "set": {"tier": "gold"}})
        s.ok("gk_tag", {"connection": tier_only.conn_id, "set": {"tier": "gold"}})
        self.assertEqual(both.info()["tags"], {"language": "IT", "tier": "gold"})
        pred = {"language": "IT", "tier": "gold"}
        # AND: only the connection carrying both pairs.
        self.assertEqual(s.gk_send({"tags": pred}, "and"), receipt(1))
        self.expect_text(both, "and")
        self.quiet(both, lang_only, tier_only, s)
        # Single pair: both holders.
        self.assertEqual(s.gk_send({"tags": {"tier": "gold"}}, "gold"), receipt(2))
        self.expect_text(both, "gold")
        self.expect_text(tier_only, "gold")
        self.quiet(both, lang_only, tier_only)
        # Setting the missing pair makes lang_only match; replacing a value unmatches.
        s.ok("gk_tag", {"connection": lang_only.conn_id, "set": {"tier": "gold"}})
        s.ok("gk_tag", {"connection": both.conn_id, "set": {"tier": "silver"}})
        self.assertEqual(both.info()["tags"], {"language": "IT", "tier": "silver"})
        self.assertEqual(s.gk_send({"tags": pred}, "and-2"), receipt(1))
        self.expect_text(lang_only, "and-2")
        self.quiet(both, lang_only, tier_only)
        # Removing a tag (the caller's own by default; a missing key is fine).
        lang_only.ok("gk_tag", {"remove": ["tier", "never-set"]})
        self.assertEqual(lang_only.info()["tags"], {"language": "IT"})
        self.assertEqual(s.gk_send({"tags": pred}, "and-3"), receipt(0))
        # A client tag can be removed by the server too.
        s.ok("gk_tag", {"connection": both.conn_id, "remove": ["language"]})
        self.assertEqual(s.gk_send({"tags": {"language": "IT"}}, "it"), receipt(1))
        self.expect_text(lang_only, "it")
        self.quiet(both, lang_only, tier_only, s)
        # Predicate plus exclusion.
        self.assertEqual(s.gk_send({"tags": {"tier": "silver"}}, "x", except_={"connections": [both.conn_id]}),
                         receipt(0))
        self.quiet(both)

    def test_tags_sorted_and_rooms_sorted_in_info(self):
        c = self.client()
        c.ok("gk_tag", {"set": {"zeta": "1", "alpha": "2", "mid": "3"}})
        for room in ("ts-c", "ts-a", "ts-b"):
            c.ok("gk_join", {"room": room})
        info = c.info()
        self.assertEqual(info["tags"], {"alpha": "2", "mid": "3", "zeta": "1"})
        self.assertEqual(list(info["tags"]), ["alpha", "mid", "zeta"])  # sorted by key
        self.assertEqual(info["rooms"], ["ts-a", "ts-b", "ts-c"])       # sorted
        for key in ("queued_messages", "queued_bytes", "queued_bytes_peak", "dropped"):
            self.assertIsInstance(info[key], int)
        self.assertEqual(info["dropped"], 0)

    # -- frames ------------------------------------------------------------------
    def test_text_and_binary_frames_exact(self):
        a, b = self.client(), self.client()
        text = "h\u00e9llo \u2603 \U0001F389 \"quoted\" \\ end"
        self.assertEqual(a.gk_send({"connection": b.conn_id}, text), receipt(1))
        self.expect_text(b, text)
        blob = bytes(range(256)) * 3 + b"\x00\xff"
        self.assertEqual(a.gk_send({"connection": b.conn_id}, binary=blob), receipt(1))
        f = b.next()
        self.assertEqual(f.opcode, ABNF.OPCODE_BINARY, f)
        self.assertEqual(f.data, blob)
        # Empty frames, both kinds.
        self.assertEqual(a.gk_send({"connection": b.conn_id}, ""), receipt(1))
        f = b.next()
        self.assertEqual((f.opcode, f.data), (ABNF.OPCODE_TEXT, b""))
        self.assertEqual(a.gk_send({"connection": b.conn_id}, binary=b""), receipt(1))
        f = b.next()
        self.assertEqual((f.opcode, f.data), (ABNF.OPCODE_BINARY, b""))
        # A large binary frame (bigger than lws's buffers).
        big = bytes((i * 7) & 0xff for i in range(300000))
        self.assertEqual(a.gk_send({"connection": b.conn_id}, binary=big), receipt(1))
        f = b.next()
        self.assertEqual((f.opcode, f.data), (ABNF.OPCODE_BINARY, big))
        self.quiet(a, b)

    def test_invalid_text_is_refused(self):
        a, b = self.client(), self.client()
        import base64
        bad = base64.b64encode(b"ok \xc3\x28 not utf-8").decode()
        resp = a.call("gk_send", {"to": {"connection": b.conn_id}, "text_base64": bad})
        self.assertEqual(resp["status"], "error", resp)
        self.assertEqual(resp["error"], {"code": "host_error", "message": "status 1"})  # WSH_E_INVALID
        # The same bytes as binary are fine.
        resp = a.ok("gk_send", {"to": {"connection": b.conn_id}, "binary": bad})
        self.assertEqual(resp, receipt(1))
        f = b.next()
        self.assertEqual((f.opcode, f.data), (ABNF.OPCODE_BINARY, b"ok \xc3\x28 not utf-8"))
        self.quiet(a, b)

    def test_malformed_targets_refused(self):
        a = self.client()
        cases = [
            {"to": {"tags": {}}, "text": "x"},                          # empty predicate
            {"to": {"tags": [["k", "1"], ["k", "2"]]}, "text": "x"},    # k=1 AND k=2
            {"to": {"user": ""}, "text": "x"},
            {"to": {"room": ""}, "text": "x"},
            {"to": {"users": ["ok", ""]}, "text": "x"},
            {"to": {"room": "r" * 257}, "text": "x"},                   # over 256 bytes
        ]
        for payload in cases:
            resp = a.call("gk_send", payload)
            self.assertEqual(resp["status"], "error", (payload, resp))
            self.assertEqual(resp["error"], {"code": "host_error", "message": "status 1"}, payload)
        # Same pair twice is one pair, not a conflict.
        self.assertEqual(a.ok("gk_send", {"to": {"tags": [["k", "1"], ["k", "1"]]}, "text": "x"}), receipt(0))
        # gatekit's own validation: never a crash, always invalid_payload.
        for payload in ({}, {"to": {}}, {"to": {"all": True, "user": "x"}, "text": "x"},
                        {"to": {"connection": "12abc"}, "text": "x"}, {"to": {"all": True}},
                        {"to": {"all": True}, "text": 5}, {"to": {"all": True}, "binary": "@@@"}):
            self.assertEqual(a.err("gk_send", payload), "invalid_payload", payload)
        self.quiet(a)

    def test_gatekit_refuses_bad_payloads(self):
        """The fixture itself: every malformed payload is invalid_payload, never a crash."""
        a = self.client()
        bad_conn = [{"connection": -1}, {"connection": {}}, {"connection": "1e3"},
                    {"connection": "99999999999999999999999"}, {"connection": ""}]
        cases = {
            "gk_send": [{}, {"to": None}, {"to": []}, {"to": {"users": "u"}, "text": "x"},
                        {"to": {"users": [1]}, "text": "x"}, {"to": {"tags": {"k": 1}}, "text": "x"},
                        {"to": {"tags": [["k"]]}, "text": "x"}, {"to": {"all": False}, "text": "x"},
                        {"to": {"room": 5}, "text": "x"}, {"to": {"nowhere": 1}, "text": "x"},
                        {"to": {"all": True}, "except": [], "text": "x"},
                        {"to": {"all": True}, "except": {"connections": "x"}, "text": "x"},
                        {"to": {"all": True}, "except": {"hosts": []}, "text": "x"},
                        {"to": {"all": True}, "text": "x", "binary": ""}],
            "gk_set_user": [{}, {"user": 5}] + [dict(c, user="u") for c in bad_conn],
            "gk_tag": [{"set": []}, {"set": {"k": 1}}, {"remove": "k"}, {"remove": [1]}]
                      + [dict(c, set={"k": "v"}) for c in bad_conn],
            "gk_join": [{}, {"room": 5}, {"room": "r", "user": 5}] + [dict(c, room="r") for c in bad_conn],
            "gk_leave": [{}, {"room": None}] + [dict(c, room="r") for c in bad_conn],
            "gk_info": bad_conn,
            "gk_members": [{}, {"room": []}],
            "gk_count": [{}, {"room": 1.5}],
            "gk_hammer": [{}, {"to": {"all": True}, "threads": 0}, {"to": {"all": True}, "threads": 65},
                          {"to": {"all": True}, "count": -1}, {"to": {"all": True}, "count": 2.5},
                          {"to": {"all": True}, "count": "many"}, {"to": {"all": True}, "count": 1e300}],
            "gk_flood": [{}, {"to": {"all": True}}, {"to": {"all": True}, "total_bytes": 10, "size": 1},
                         {"to": {"all": True}, "total_bytes": "x", "size": 64},
                         {"to": {"all": True}, "total_bytes": 10, "size": 64, "watch": "w"},
                         {"to": {"all": True}, "total_bytes": 10, "size": 64, "binary": 1},
                         {"to": {"all": True}, "total_bytes": 10, "size": 64, "hold_service_thread": -1}],
            "gk_events": [{"since": -1}, {"since": "x"}, {"wait": 5}, {"wait": {}}, {"wait": {"kind": 7}},
                          {"wait": {"kind": "nope"}}, {"wait": {"kind": "left", "room": 3}},
                          {"wait": {"kind": "left", "connection": []}}],
        }
        for action, payloads in cases.items():
            for payload in payloads:
                resp = a.call(action, payload)
                self.assertEqual(resp["status"], "error", (action, payload, resp))
                self.assertEqual(resp["error"]["code"], "invalid_payload", (action, payload, resp))
        # "0" is never a valid id: gone, not invalid.
        self.assertEqual(a.err("gk_info", {"connection": "0"}), "gone")
        H.echo_roundtrip(self, a)
        self.quiet(a)


class Everyone(unittest.TestCase):
    """`all` needs a host whose connections are exactly the test's."""

    def test_everyone_and_exclusions(self):
        with G.host(G.config(), "everyone") as h:
            a, b, c, d = (G.GwClient(h.port) for _ in range(4))
            try:
                for cl in (a, b, c, d):
                    cl.whoami()
                a.ok("gk_set_user", {"user": "eu-a"})
                b.ok("gk_set_user", {"user": "eu-b"})
                d.ok("gk_set_user", {"user": "eu-b"})  # eu-b has two connections
                # Everyone, the sender included (its push precedes its response).
                pushes = []
                self.assertEqual(a.gk_send({"all": True}, "all", pushes=pushes), receipt(4))
                self.assertEqual([p.data for p in pushes], [b"all"])
                for cl in (b, c, d):
                    self.assertEqual(cl.next().data, b"all")
                # Everyone but the sender: one call.
                self.assertEqual(a.gk_send({"all": True}, "not-a", except_={"connections": ["self"]}),
                                 receipt(3))
                for cl in (b, c, d):
                    self.assertEqual(cl.next().data, b"not-a")
                a.assert_nothing_pending()
                # Excluding a user removes all its connections; and the sender.
                r = a.gk_send({"all": True}, "only-c",
                              except_={"users": ["eu-b"], "connections": [a.conn_id]})
                self.assertEqual(r, receipt(1))
                self.assertEqual(c.next().data, b"only-c")
                # Excluding by user only (the sender's own user).
                r = a.gk_send({"all": True}, "no-eu-a", except_={"users": ["eu-a", "eu-unknown"]})
                self.assertEqual(r, receipt(3))
                for cl in (b, c, d):
                    self.assertEqual(cl.next().data, b"no-eu-a")
                # Exclusions apply to the other target kinds too.
                r = a.gk_send({"users": ["eu-a", "eu-b"]}, "users-but-d",
                              except_={"connections": [d.conn_id, a.conn_id]})
                self.assertEqual(r, receipt(1))
                self.assertEqual(b.next().data, b"users-but-d")
                # Excluding everyone: matched 0.
                r = a.gk_send({"all": True}, "nobody",
                              except_={"connections": [a.conn_id, b.conn_id, c.conn_id, d.conn_id]})
                self.assertEqual(r, receipt(0))
                for cl in (a, b, c, d):
                    cl.assert_nothing_pending()
            finally:
                for cl in (a, b, c, d):
                    cl.close()


if __name__ == "__main__":
    G.main()

"""What survives a reload (DESIGN §7): connections, user ids, tags and room
membership belong to the host; messages already queued for a client are
delivered; no connection is closed. The new generation's actions and hooks
work on connections opened before it.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reloadlib as rl  # noqa: E402

import unittest  # noqa: E402

QUEUED = 400
QUEUED_BYTES = 16000  # 6.4 MB: more than the kernel buffers hold for a reader that waits


def until_response(client, rid, timeout=None):
    """Reads frames until the response with `rid`; returns (response, other frames)."""
    others = []
    while True:
        _, value = client.recv_json(timeout)
        if value.get("requestId") == rid and "status" in value:
            return value, others
        others.append(value)


def call(test, client, action, rid, payload=None):
    client.send_text(rl.req(action, rid, payload))
    resp, others = until_response(client, rid)
    test.assertEqual(resp.get("status"), "success", resp)
    return resp["payload"], others


def identity(who):
    """whoami without the queue figures (they move with traffic)."""
    return {k: v for k, v in who.items() if not k.startswith("queued_")}


class SurvivalTest(unittest.TestCase):
    def test_identity_tags_rooms_and_queues_survive(self):
        plugins = [("verkit", "verkit.so", []), ("rooms", "rooms.so", [])]
        # Room for everything dave is sent while he does not read.
        ws = ["send_queue_max_messages = 4096", "send_queue_max_bytes = 67108864"]
        with rl.ReloadHost("survival", initial="v1", plugins=plugins, websocket_lines=ws) as host:
            a, b, c = (host.client() for _ in range(3))
            d = rl.small_buffer_client(host, rcvbuf=16384)
            try:
                self.run_scenario(host, a, b, c, d)
            finally:
                for cl in (a, b, c, d):
                    cl.close()
            host.check_no_sanitizer_reports()

    def run_scenario(self, host, a, b, c, d):
        # Identities and tags, set through a plugin of the first generation.
        call(self, a, "set_identity", "a-id", {"user": "alice", "tags": {"team": "red", "lang": "fr"}})
        call(self, b, "set_identity", "b-id", {"user": "bob", "tags": {"team": "blue"}})
        call(self, d, "set_identity", "d-id", {"user": "dave"})
        # Rooms, through the rooms plugin of the first generation.
        joined, _ = call(self, a, "join", "a-join", {"room": "lobby"})
        self.assertEqual((joined["room"], joined["members"]), ("lobby", 1), joined)
        joined, _ = call(self, b, "join", "b-join", {"room": "lobby"})
        self.assertEqual((joined["room"], joined["members"]), ("lobby", 2), joined)
        _, ev = a.recv_json()
        self.assertEqual((ev.get("event"), ev.get("user")), ("joined", "bob"), ev)
        call(self, c, "join", "c-join", {"room": "other"})

        before = {name: identity(call(self, cl, "whoami", name + "-who0")[0])
                  for name, cl in (("a", a), ("b", b), ("c", c), ("d", d))}
        self.assertEqual(before["a"]["tags"], {"team": "red", "lang": "fr"})
        self.assertEqual(before["a"]["rooms"], ["lobby"])

        # Queued state: dave does not read while pushes pile up for him (part in
        # the kernel, the rest in the host's send queue), across the reload.
        blob = "x" * QUEUED_BYTES
        for i in range(QUEUED):
            receipt, _ = call(self, c, "push_user", "q%d" % i,
                              {"user": "dave", "text": json.dumps({"n": i, "blob": blob})})
            self.assertEqual(receipt, {"matched": 1, "enqueued": 1, "dropped": 0})
        # What the host still holds for dave (the kernel took the rest), asked by c.
        queued_before, _ = call(self, c, "whoami", "c-qd0", {"conn": before["d"]["conn"]})
        self.assertGreater(queued_before["queued_messages"], 0,
                           "nothing left in dave's send queue: the test proves less than it should")

        host.deploy("v2")
        gen, _, rest, text = host.reload(expect="ok")
        self.assertEqual(gen, 2)
        self.assertIn("plugin 'rooms'", text)  # rooms reloaded too (a fresh copy)
        # Still queued after the swap (nothing dropped or reset; the kernel may
        # have taken a few more meanwhile), and delivered in full below.
        queued_after, _ = call(self, c, "whoami", "c-qd1", {"conn": before["d"]["conn"]})
        self.assertEqual(identity(queued_after), identity(queued_before))
        self.assertGreater(queued_after["queued_messages"], 0, queued_after)
        self.assertLessEqual(queued_after["queued_messages"], queued_before["queued_messages"])

        # The new generation answers, on every old connection.
        for name, cl in (("a", a), ("b", b), ("c", c)):
            self.assertEqual(rl.version_of(self, cl, name + "-ver"), "v2")
        # Same connection ids, users, tags and rooms.
        for name, cl in (("a", a), ("b", b), ("c", c)):
            self.assertEqual(identity(call(self, cl, "whoami", name + "-who1")[0]), before[name], name)

        # Room membership seen by the new rooms plugin; `say` reaches the others.
        members, _ = call(self, c, "members", "c-mem", {"room": "lobby"})
        self.assertEqual(sorted((m["connection"], m["user"]) for m in members["members"]),
                         sorted([(before["a"]["conn"], "alice"), (before["b"]["conn"], "bob")]))
        said, _ = call(self, b, "say", "b-say", {"room": "lobby", "text": "after reload"})
        self.assertEqual(said, {})
        _, ev = a.recv_json()
        self.assertEqual(ev, {"event": "message", "room": "lobby",
                              "from": {"connection": before["b"]["conn"], "user": "bob"},
                              "text": "after reload"})

        # User and tag targeting still finds them.
        receipt, _ = call(self, c, "push_user", "c-pu", {"user": "alice", "text": "to alice"})
        self.assertEqual(receipt["matched"], 1)
        self.assertEqual(a.recv_frame()[1], b"to alice")
        receipt, _ = call(self, c, "push_tags", "c-pt", {"tags": {"team": "blue"}, "text": "to blue"})
        self.assertEqual(receipt["matched"], 1)
        self.assertEqual(b.recv_frame()[1], b"to blue")
        receipt, _ = call(self, c, "push_tags", "c-pt2",
                          {"tags": {"team": "red", "lang": "fr"}, "text": "to red fr"})
        self.assertEqual(receipt["matched"], 1)
        self.assertEqual(a.recv_frame()[1], b"to red fr")

        # Dave gets every queued push, in order, then the new version.
        for i in range(QUEUED):
            _, msg = d.recv_json(timeout=30)
            self.assertEqual(msg.get("n"), i)
        self.assertEqual(rl.version_of(self, d, "d-ver"), "v2")
        self.assertEqual(identity(call(self, d, "whoami", "d-who1")[0]), before["d"])

        # The new generation's hooks fire for connections older than it: b leaves.
        b.close()
        _, ev = a.recv_json()
        self.assertEqual((ev.get("event"), ev.get("room"), ev.get("user")), ("left", "lobby", "bob"), ev)

        # Nobody else was closed or sent anything stray.
        for cl in (a, c, d):
            cl.marker_roundtrip("version", expect={"version": "v2"})


if __name__ == "__main__":
    rl.main()

"""The ABI 1.2 hooks (DESIGN §9; plugin.h): room_created before a room's first
member's joined and room_destroyed after its last member's left, whatever the
cause (a plugin's join and leave, a disconnect); ping (host frame reader only)
and pong with their payloads; invalid_message with the refused bytes, capped.
rawkit records them in the order they ran; every wait is a round trip.
"""

from websocket import ABNF

import endpoints_lib as el
from endpoints_lib import Client, HostPerClass, endpoint_config


class Events(HostPerClass):
    @classmethod
    def config(cls):
        return endpoint_config()

    def events(self, since=0):
        with Client(self.port) as c:
            reply = c.request({"action": "rk_events", "requestId": "e"})
        self.assertEqual(reply["status"], "success", reply)
        return reply["payload"]["events"][since:]

    def rk(self, client, action, room):
        reply = client.request({"action": action, "payload": {"room": room}})
        self.assertEqual(reply["status"], "success", reply)
        return reply["payload"]["rc"]

    def test_room_lifecycle_whatever_the_cause(self):
        since = len(self.events())
        a, b = Client(self.port), Client(self.port)
        try:
            self.assertEqual(self.rk(a, "rk_join", "life"), 0)
            self.assertEqual(self.rk(b, "rk_join", "life"), 0)
            self.assertEqual(self.rk(a, "rk_leave", "life"), 0)
            self.assertEqual(self.rk(a, "rk_join", "other"), 0)
        finally:
            b.close()
            a.close()
        # b's disconnect emptied "life"; a's emptied "other". Wait for both.
        el.wait_until(lambda: sum(e["kind"] == "room_destroyed" for e in self.events(since)) == 2, 10,
                      "both rooms destroyed")
        got = [(e["kind"], e["room"]) for e in self.events(since) if e["kind"].startswith("room_")]
        life = [k for k, r in got if r == "life"]
        self.assertEqual(life, ["room_created", "room_joined", "room_joined", "room_left", "room_left",
                                "room_destroyed"])
        other = [k for k, r in got if r == "other"]
        self.assertEqual(other, ["room_created", "room_joined", "room_left", "room_destroyed"])

    def test_ping_and_pong_hooks_carry_the_payload(self):
        since = len(self.events())
        with Client(self.port) as c:
            c.ws.send_frame(ABNF.create_frame(b"ping-data", ABNF.OPCODE_PING))
            c.ws.send_frame(ABNF.create_frame(b"pong-data", ABNF.OPCODE_PONG))
            c.marker_roundtrip()  # both frames were read before this answer
        el.wait_until(lambda: any(e["kind"] == "pong" for e in self.events(since)), 10, "the pong hook")
        got = [(e["kind"], e["data"]) for e in self.events(since) if e["kind"] in ("ping", "pong")]
        if el.wh.TEST_FRAME_READER == "lws":
            # lws answers pings on its own path, with no callback (plugin.h, WSH_HOOK_PING).
            self.assertEqual(got, [("pong", "pong-data")])
        else:
            self.assertEqual(got, [("ping", "ping-data"), ("pong", "pong-data")])

    def test_invalid_message_carries_the_bytes_capped(self):
        since = len(self.events())
        with Client(self.port) as c:
            c.send_text("not json")
            self.assertEqual(c.recv_json()[1]["error"]["code"], "invalid_json")
            c.send_text("x" * 3000)
            self.assertEqual(c.recv_json()[1]["error"]["code"], "invalid_json")
            c.send_binary(b"binary!")
            self.assertEqual(c.recv_json()[1]["error"]["code"], "invalid_message")
        got = [e for e in self.events(since) if e["kind"] == "invalid_message"]
        self.assertEqual([(e["error_code"], e["data"]) for e in got],
                         [("invalid_json", "not json"), ("invalid_json", "x" * 1024),
                          ("invalid_message", "binary!")])


if __name__ == "__main__":
    el.main()

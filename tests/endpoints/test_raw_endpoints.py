"""Raw endpoints (DESIGN §9): every message of a raw endpoint, text or binary,
reaches its handler plugin whole and byte-exact, under the JSON endpoint's
limits; a blocking handler sees one connection's messages one at a time and in
order; the JSON endpoint beside them is unchanged; the connection's endpoint
is in its info and in the authenticated hook; a plugin can close a connection.
"""

import http.client
import json
import os
import socket
import threading

from websocket import ABNF

import endpoints_lib as el
from endpoints_lib import Client, HostPerClass, ServerClosed, endpoint, endpoint_config

WSH_E_INVALID = 1  # plugin.h

MAX = 65536


class RawEndpoints(HostPerClass):
    @classmethod
    def config(cls):
        return endpoint_config(websocket_lines=["max_message_bytes = %d" % MAX, "max_fragments = 8"],
                               rawkit_extra=["blocking = true", "[plugin.config]", "sleep_max_ms = 2"])

    def client(self, path):
        return Client(self.port, path=path)

    def stats(self):
        with self.client("/") as c:
            reply = c.request({"action": "rk_stats", "requestId": "s"})
        self.assertEqual(reply["status"], "success", reply)
        return reply["payload"]

    def test_text_and_binary_come_back_byte_exact(self):
        with self.client("/raw") as c:
            for text in ("hello", "", "not json {", "ünïcødé ✓ \U0001F600"):
                c.send_text(text)
                self.assertEqual(c.recv_frame(), (ABNF.OPCODE_TEXT, text.encode("utf-8")))
            for data in (b"\x00\xff\x80binary", b"", os.urandom(4096)):
                c.send_binary(data)
                self.assertEqual(c.recv_frame(), (ABNF.OPCODE_BINARY, data))

    def test_fragments_are_joined(self):
        with self.client("/raw") as c:
            c.send_fragments(["frag", "ment", "ed"])
            self.assertEqual(c.recv_frame(), (ABNF.OPCODE_TEXT, b"fragmented"))
            c.send_fragments([b"\x01", b"\x02", b"\x03"], opcode=ABNF.OPCODE_BINARY)
            self.assertEqual(c.recv_frame(), (ABNF.OPCODE_BINARY, b"\x01\x02\x03"))

    def test_size_limit_at_the_limit(self):
        with self.client("/raw") as c:
            data = os.urandom(MAX)
            c.send_binary(data)
            self.assertEqual(c.recv_frame(timeout=20), (ABNF.OPCODE_BINARY, data))
        with self.client("/raw") as c:
            c.send_binary(b"x" * (MAX + 1))
            self.assertEqual(c.expect_close()[0], 1009)

    def test_fragment_cap(self):
        with self.client("/raw") as c:
            c.send_fragments(["a"] * 8)
            self.assertEqual(c.recv_frame(), (ABNF.OPCODE_TEXT, b"a" * 8))
            c.send_fragments(["a"] * 9)
            if el.wh.TEST_FRAME_READER == "lws":  # the cap is the host reader's (README, max_fragments)
                self.assertEqual(c.recv_frame(), (ABNF.OPCODE_TEXT, b"a" * 9))
            else:
                self.assertEqual(c.expect_close()[0], 1009)

    def test_invalid_utf8_text_is_1007(self):
        with self.client("/raw") as c:
            c.ws.send_frame(ABNF.create_frame(b"ok\xc3\x28", ABNF.OPCODE_TEXT, 1))
            self.assertEqual(c.expect_close()[0], 1007)

    def test_blocking_handler_sees_one_message_at_a_time_in_order(self):
        before = self.stats()
        clients = [self.client("/rawb") for _ in range(3)]
        n = 150
        try:
            def send_all(c):
                for i in range(n):
                    c.send_text("seq:%d" % i)
            threads = [threading.Thread(target=send_all, args=(c,)) for c in clients]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for c in clients:
                got = [c.recv_frame(timeout=30)[1] for _ in range(n)]
                self.assertEqual(got, [b"seq:%d" % i for i in range(n)])
        finally:
            for c in clients:
                c.close()
        after = self.stats()
        self.assertGreaterEqual(after["messages"] - before["messages"], 3 * n)
        self.assertEqual(after["overlaps"], before["overlaps"], "two messages of one connection ran at once")
        self.assertEqual(after["out_of_order"], before["out_of_order"])

    def test_endpoint_in_connection_info_and_authenticated_hook(self):
        with self.client("/rawb") as c:
            c.send_text("info")
            self.assertEqual(c.recv_frame(), (ABNF.OPCODE_TEXT, b"endpoint=/rawb"))
        with self.client("/") as c:
            c.marker_roundtrip()
        auth = self.stats()["auth_endpoints"]
        self.assertIn("/rawb", auth)
        self.assertIn("/", auth)

    def test_a_target_kind_out_of_the_enum_is_invalid(self):
        # C stores any number in an enum; the host reads it as one (UBSan in
        # the ASan tree would report a load of an invalid enum value).
        with self.client("/rawb") as c:
            c.send_text("badkind")
            self.assertEqual(c.recv_frame(), (ABNF.OPCODE_TEXT, b"rc=%d" % WSH_E_INVALID))

    def test_a_failing_handler_fires_the_hook_and_keeps_the_connection(self):
        with self.client("/rawb") as c:
            c.send_text("fail")
            c.send_text("after")
            self.assertEqual(c.recv_frame(), (ABNF.OPCODE_TEXT, b"after"))
        el.wait_until(lambda: any(f["action"] == "" for f in self.stats()["failures"]), 10,
                      "the unhandled_exception hook of the failed message handler")

    def test_plugin_closes_the_connection(self):
        with self.client("/raw") as c:
            c.send_text("before")
            c.send_text("close")
            self.assertEqual(c.recv_frame(), (ABNF.OPCODE_TEXT, b"before"))
            self.assertEqual(c.expect_close(), (1000, "bye"))

    def test_json_endpoint_unchanged_beside_raw_ones(self):
        with self.client("/") as c:
            c.marker_roundtrip()
            c.send_text("not json")
            reply = c.recv_json()[1]
            self.assertEqual(reply["error"]["code"], "invalid_json")
            c.send_binary(b"\x00")
            self.assertEqual(c.recv_json()[1]["error"]["code"], "invalid_message")

    def test_unknown_path_is_404(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        try:
            s.sendall(b"GET /nowhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            head = s.recv(1024)
        finally:
            s.close()
        self.assertTrue(head.startswith(b"HTTP/1.1 404"), head[:80])


class RawEndpointAtServerPath(HostPerClass):
    """An [[endpoint]] with [server] path's path replaces that JSON endpoint."""

    @classmethod
    def config(cls):
        return endpoint_config(endpoints=[endpoint("/", "raw", "raw-echo")])

    def test_the_server_path_is_raw(self):
        with Client(self.port, path="/") as c:
            c.send_text(json.dumps({"action": "echo", "payload": {"message": "x"}}))
            self.assertEqual(c.recv_frame()[1], b'{"action": "echo", "payload": {"message": "x"}}')


class ControlApiShowsTheEndpoint(HostPerClass):
    @classmethod
    def config(cls):
        return endpoint_config(control=True)

    def test_connection_resource_has_endpoint_and_subprotocol(self):
        with Client(self.port, path="/rawb") as c:
            c.send_text("info")
            c.recv_frame()
            conn = http.client.HTTPConnection("127.0.0.1", self.host.info["control"], timeout=10)
            conn.request("GET", "/v1/connections", headers={"Authorization": "Bearer endpoints-token"})
            body = json.loads(conn.getresponse().read())
            conn.close()
        listed = body["connections"]
        mine = [x for x in listed if x["endpoint"] == "/rawb"]
        self.assertEqual(len(mine), 1, listed)
        self.assertIsNone(mine[0]["subprotocol"])


if __name__ == "__main__":
    el.main()

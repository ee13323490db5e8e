"""A refused handshake gets an HTTP status wherever libwebsockets lets the host
choose, instead of a bare TCP close:
  400  no Host, no "upgrade" in Connection, no or a malformed
       Sec-WebSocket-Key, no Sec-WebSocket-Version, a Sec-WebSocket-Protocol
       list lws would drop (too long, malformed, a name too long, a first name
       lws reads as a number);
  426  with Sec-WebSocket-Version: 13, for any other version (lws 4.1.6 would
       upgrade it as 13);
  431  request headers past [server] max_header_bytes;
and on the control listener an oversized body without a valid token gets 401,
not 413. Past lws's own header buffer (max_header_bytes + 8 KiB) the
connection is still dropped without an answer (documented); the server keeps
serving.
"""

import json

import hostile_lib as hl
from hostile_lib import HostCase, hostile_config, wait_until

MAX_HEADER_BYTES = 4096


class HandshakeStatus(HostCase):
    @classmethod
    def config(cls):
        return hostile_config(server_lines=["max_header_bytes = %d" % MAX_HEADER_BYTES],
                              websocket_lines=["max_connections = 4"],
                              control_lines=["max_body_bytes = 1024"])

    def status(self, lines):
        status, headers, _ = hl.raw_exchange(self.port, hl.request_bytes(lines))
        return status, headers

    def assert_status(self, lines, expected):
        status, headers = self.status(lines)
        self.assertEqual(status, expected, "for %r: %r" % (lines, headers))
        return headers

    def assert_still_serving(self):
        sock, _ = hl.websocket_upgrade(self.port)
        sock.close()

    def test_good_upgrade(self):
        self.assert_status(hl.upgrade_lines(), 101)
        headers = self.assert_status(hl.upgrade_lines(extra=["Sec-WebSocket-Protocol: chat, wshost"]), 101)
        self.assertEqual(headers.get("sec-websocket-protocol"), "wshost")
        # [server] path's endpoint speaks "wshost" if asked, and serves a client
        # that offers only names it does not know without one (RFC 6455 §4.2.2:
        # no Sec-WebSocket-Protocol in the answer).
        headers = self.assert_status(hl.upgrade_lines(extra=["Sec-WebSocket-Protocol: chat"]), 101)
        self.assertNotIn("sec-websocket-protocol", headers)
        headers = self.assert_status(hl.upgrade_lines(), 101)
        self.assertNotIn("sec-websocket-protocol", headers)
        self.assert_status(["GET / HTTP/1.1", "Host: x", "Upgrade: WebSocket",
                            "Connection: keep-alive, Upgrade", "Sec-WebSocket-Key: " + hl.KEY,
                            "Sec-WebSocket-Version: 13"], 101)

    def test_400_for_malformed_requests(self):
        cases = {
            "no key": hl.upgrade_lines(key=None),
            "short key": hl.upgrade_lines(key="c2hvcnQ="),
            "key not base64": hl.upgrade_lines(key="!!!!!!!!!!!!!!!!!!!!!!=="),
            "no version": hl.upgrade_lines(version=None),
            "no host": hl.upgrade_lines(host=False),
            "no connection upgrade": [l for l in hl.upgrade_lines() if not l.startswith("Connection")],
            "connection close": [("Connection: close" if l.startswith("Connection") else l)
                                 for l in hl.upgrade_lines()],
            "subprotocol list too long": hl.upgrade_lines(
                extra=["Sec-WebSocket-Protocol: " + ", ".join("p%03d" % i for i in range(30)) + ", wshost"]),
            "subprotocol name too long": hl.upgrade_lines(extra=["Sec-WebSocket-Protocol: " + "a" * 70]),
            "malformed subprotocol list": hl.upgrade_lines(extra=['Sec-WebSocket-Protocol: "wshost"']),
            "subprotocol list starting empty": hl.upgrade_lines(extra=["Sec-WebSocket-Protocol: , wshost"]),
            "first subprotocol a number": hl.upgrade_lines(extra=["Sec-WebSocket-Protocol: 1.0, wshost"]),
            "subprotocol name 63 bytes": hl.upgrade_lines(extra=["Sec-WebSocket-Protocol: " + "a" * 63]),
        }
        for name, lines in cases.items():
            with self.subTest(name):
                self.assert_status(lines, 400)
        self.assert_still_serving()

    def test_internal_protocols_cannot_be_named(self):
        # lws binds an upgrade to the vhost protocol the client names first.
        # Were that the HTTP or signal protocol, it would pass the admission
        # filter unseen: no cap, no authentication. Their names are not tokens,
        # so every upgrade lands on the WebSocket protocol and is served as one.
        for offered in ("http-only", "http only", "wshost-signal", "chat, http-only, wshost"):
            with self.subTest(offered):
                sock = hl.connect(self.port)
                try:
                    sock.sendall(hl.request_bytes(hl.upgrade_lines(extra=["Sec-WebSocket-Protocol: " + offered])))
                    status, headers, rest = hl.read_head(sock)
                    if offered == "http only":
                        self.assertEqual(status, 400) # not a token list
                        continue
                    self.assertEqual(status, 101, headers)
                    self.assertEqual(headers.get("sec-websocket-protocol"),
                                     "wshost" if "wshost" in offered.split(", ") else None)
                    sock.sendall(hl.frame(0x1, '{"action":"mk_notes"}'))
                    data = rest
                    while not hl.read_frames(data):
                        chunk = sock.recv(65536)
                        self.assertTrue(chunk, "closed before mk_notes answered")
                        data += chunk
                    self.assertEqual(json.loads(hl.read_frames(data)[0][1])["status"], "success")
                finally:
                    sock.close()

    def test_subprotocol_name_at_lws_limit(self):
        headers = self.assert_status(hl.upgrade_lines(extra=["Sec-WebSocket-Protocol: " + "a" * 62]), 101)
        self.assertNotIn("sec-websocket-protocol", headers)
        headers = self.assert_status(
            hl.upgrade_lines(extra=["Sec-WebSocket-Protocol: " + ", ".join("p%03d" % i for i in range(20)) + ", wshost"]),
            101)
        self.assertEqual(headers.get("sec-websocket-protocol"), "wshost")
        # Names lws could misread, after a first one it reads as a name.
        headers = self.assert_status(
            hl.upgrade_lines(extra=["Sec-WebSocket-Protocol: v1, 1, 1.5, a+b!#$%&'*^_`|~, wshost"]), 101)
        self.assertEqual(headers.get("sec-websocket-protocol"), "wshost")
        for first in ("1a", "a+b", "x!y", "#x", "a*b", "'q'", "v1.0.0", "`~|^"):
            with self.subTest(first):
                headers = self.assert_status(hl.upgrade_lines(extra=["Sec-WebSocket-Protocol: " + first]), 101)
                self.assertNotIn("sec-websocket-protocol", headers)
        self.assert_still_serving()

    def test_426_for_other_versions(self):
        for version in ("8", "12", "14", "13, 8", "abc"):
            with self.subTest(version):
                headers = self.assert_status(hl.upgrade_lines(version=version), 426)
                self.assertEqual(headers.get("sec-websocket-version"), "13")
        self.assert_still_serving()

    def test_431_for_oversized_headers(self):
        big = "a" * (MAX_HEADER_BYTES + 100)
        for name, extra in (("cookie", ["Cookie: c=" + big]),
                            ("authorization", ["Authorization: Bearer " + big]),
                            ("many headers", ["Cookie: c%d=%s" % (i, "b" * 200) for i in range(25)])):
            with self.subTest(name):
                self.assert_status(hl.upgrade_lines(extra=extra), 431)
        self.assert_status(hl.upgrade_lines(path="/?q=" + big), 431)
        # Just under the limit is fine.
        self.assert_status(hl.upgrade_lines(extra=["Cookie: c=" + "a" * (MAX_HEADER_BYTES - 400)]), 101)
        self.assert_still_serving()

    def test_past_the_lws_buffer_the_connection_is_dropped(self):
        status, _ = self.status(hl.upgrade_lines(extra=["Cookie: c=" + "a" * (MAX_HEADER_BYTES + 9000)]))
        self.assertIsNone(status)
        self.assert_still_serving()
        wait_until(lambda: hl.admission_counts(self.control_port)["wshost_handshakes_in_progress"] == 0,
                   20.0, "the dropped connection released")

    def test_refusals_are_counted(self):
        before = hl.metrics(self.control_port)
        self.assert_status(hl.upgrade_lines(key=None), 400)
        self.assert_status(hl.upgrade_lines(version="7"), 426)
        after = hl.metrics(self.control_port)
        for status in ("400", "426"):
            key = 'wshost_handshakes_refused_total{status="%s"}' % status
            self.assertEqual(after.get(key, 0) - before.get(key, 0), 1, key)

    def control_exchange(self, head_lines, body=b""):
        s = hl.connect(self.control_port)
        try:
            s.sendall(hl.request_bytes(head_lines) + body)
            status, headers, rest = hl.read_head(s)
            return status, headers
        finally:
            s.close()

    def test_control_401_before_413(self):
        big = "2048"
        for auth in ([], ["Authorization: Bearer wrong-token"]):
            with self.subTest(auth=auth):
                status, headers = self.control_exchange(
                    ["POST /v1/send HTTP/1.1", "Host: x", "Content-Type: application/json",
                     "Content-Length: " + big] + auth)
                self.assertEqual(status, 401, headers)
                self.assertEqual(headers.get("www-authenticate"), "Bearer")
        # Chunked without a token: 401 too, not 411.
        status, _ = self.control_exchange(["POST /v1/send HTTP/1.1", "Host: x", "Transfer-Encoding: chunked"])
        self.assertEqual(status, 401)
        # With the token the size is what is wrong.
        status, _ = self.control_exchange(["POST /v1/send HTTP/1.1", "Host: x", "Content-Length: " + big,
                                           "Authorization: Bearer " + hl.TOKEN])
        self.assertEqual(status, 413)
        status, body = hl.control_get(self.control_port, "/healthz", token=None)
        self.assertEqual((status, json.loads(body)["status"]), (200, "ok"))


if __name__ == "__main__":
    hl.main()

"""Only the protocols the server means to speak: HTTP/1.1 and WebSocket. No
HTTP/2 on either listener (LWS-NOTES T33): an `Upgrade: h2c` request is
refused with an HTTP/1 status, never switched with 101, and the HTTP/2
connection preface (prior knowledge) gets no HTTP/2 frame back. (Over TLS,
ALPN offers http/1.1 only: test_tls.py.)
"""

import shutil
import subprocess

import hostile_lib as hl
from hostile_lib import HostCase, hostile_config

H2C_SETTINGS = "AAMAAABkAARAAAAAAAIAAAAA"  # curl's HTTP2-Settings
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000000040000000000")  # + empty SETTINGS


def h2c_lines(path="/", upgrade="h2c", websocket=False):
    lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1", "Upgrade: " + upgrade,
             "Connection: Upgrade, HTTP2-Settings", "HTTP2-Settings: " + H2C_SETTINGS]
    if websocket:
        lines += ["Sec-WebSocket-Key: " + hl.KEY, "Sec-WebSocket-Version: 13"]
    return lines


class NoHttp2(HostCase):
    @classmethod
    def config(cls):
        return hostile_config()

    def assert_refused(self, port, lines, expected):
        status, headers, rest = hl.raw_exchange(port, hl.request_bytes(lines))
        self.assertEqual(status, expected, "for %r: %r %r" % (lines, headers, rest[:100]))

    def test_h2c_on_the_websocket_port(self):
        # 404: what a plain request gets here, as if the header were absent.
        self.assert_refused(self.port, h2c_lines(), 404)
        self.assert_refused(self.port, h2c_lines(upgrade="H2C"), 404)
        self.assert_refused(self.port, h2c_lines(path="/other"), 404)
        # Upgrade lists lws does not take as one protocol: it refuses them itself.
        for upgrade in ("h2c, websocket", "websocket, h2c"):
            with self.subTest(upgrade):
                status, _, _ = hl.raw_exchange(self.port, hl.request_bytes(h2c_lines(upgrade=upgrade,
                                                                                     websocket=True)))
                self.assertIn(status, (400, 403, 404))
        sock, _ = hl.websocket_upgrade(self.port)  # still serving WebSockets
        sock.close()

    def test_h2c_on_the_control_port(self):
        self.assert_refused(self.control_port, h2c_lines("/healthz"), 403)
        status, _ = hl.control_get(self.control_port, "/healthz", token=None)
        self.assertEqual(status, 200)

    def test_prior_knowledge_preface(self):
        for port in (self.port, self.control_port):
            with self.subTest(port=port):
                s = hl.connect(port)
                try:
                    s.sendall(PREFACE)
                    data = hl.wait_closed(s)
                finally:
                    s.close()
                # An HTTP/2 server answers with a SETTINGS frame (type 4 at byte 3).
                self.assertFalse(len(data) >= 9 and data[3] == 4 and not data.startswith(b"HTTP/"),
                                 "HTTP/2 frames in reply to the preface: %r" % data[:40])
                self.assertTrue(data == b"" or data.startswith(b"HTTP/1."), data[:60])

    def test_curl_http2_gets_http11(self):
        curl = shutil.which("curl")
        if not curl:
            self.skipTest("no curl")
        for url in ("http://127.0.0.1:%d/" % self.port, "http://127.0.0.1:%d/healthz" % self.control_port):
            for mode in ("--http2", "--http2-prior-knowledge"):
                with self.subTest(url=url, mode=mode):
                    p = subprocess.run([curl, "-sv", "-o", "/dev/null", "--max-time", "10", mode, url],
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
                    out = p.stdout.decode("utf-8", "replace")
                    self.assertNotIn("< HTTP/2", out, out)
                    self.assertNotIn("101 Switching", out, out)


if __name__ == "__main__":
    hl.main()

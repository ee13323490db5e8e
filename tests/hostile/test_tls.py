"""TLS on both listeners, with a self-signed certificate generated for the test
(openssl req): [server.tls] serves wss://, [control.tls] serves https://. On
both, ALPN selects http/1.1 even when the client offers h2 first (no HTTP/2,
LWS-NOTES T21), and a plaintext request gets no plaintext answer (T2).
"""

import json
import os
import shutil
import socket
import ssl
import tempfile
import unittest

import websocket  # Debian's python3-websocket

import hostile_lib as hl
from hostile_lib import Host, hostile_config, toml_str


class TlsListeners(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        base = hl.wh.Paths.workdir or None
        if base:
            os.makedirs(base, exist_ok=True)
        cls.tls_dir = tempfile.mkdtemp(prefix="wshost-tls-", dir=base)
        cls.cert, cls.key = hl.make_self_signed(cls.tls_dir)
        config = hostile_config(server_lines=["", "[server.tls]", "enabled = true",
                                              "cert_file = " + toml_str(cls.cert),
                                              "key_file = " + toml_str(cls.key)],
                                control_tls=(cls.cert, cls.key))
        cls.host = Host(config, name="tls").start()
        cls.port = cls.host.port
        cls.control_port = cls.host.info["control"]
        cls.ctx = hl.tls_client_context(cls.cert)

    @classmethod
    def tearDownClass(cls):
        h, cls.host = cls.host, None
        if h is not None:
            h.stop()
            h.check_clean_exit()
            h.cleanup_dir()
        shutil.rmtree(cls.tls_dir, ignore_errors=True)

    def alpn(self, port):
        ctx = hl.tls_client_context(self.cert)
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                return s.selected_alpn_protocol(), s.version()

    def test_wss(self):
        ws = websocket.create_connection("wss://localhost:%d/" % self.port, timeout=10,
                                         sslopt={"ca_certs": self.cert, "cert_reqs": ssl.CERT_REQUIRED})
        try:
            ws.send('{"action":"mk_note","payload":{"m":"tls"},"requestId":"t1"}')
            reply = json.loads(ws.recv())
            self.assertEqual(reply, {"status": "success", "payload": {"noted": 1}, "requestId": "t1"})
        finally:
            ws.close()

    def test_wss_subprotocol_negotiation(self):
        # The host picks the subprotocol from the decrypted headers: the same
        # answers as on ws:// ("wshost" if offered, else none and still served).
        for offered, selected in ((["chat", "wshost"], "wshost"), (["chat"], None)):
            with self.subTest(offered):
                ctx = hl.tls_client_context(self.cert)
                with socket.create_connection(("127.0.0.1", self.port), timeout=10) as raw:
                    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                        s.sendall(hl.request_bytes(hl.upgrade_lines(
                            extra=["Sec-WebSocket-Protocol: " + ", ".join(offered)])))
                        status, headers, _ = hl.read_head(s)
                self.assertEqual(status, 101, headers)
                self.assertEqual(headers.get("sec-websocket-protocol"), selected)

    def test_https_control(self):
        status, body = hl.control_get(self.control_port, "/healthz", token=None, tls_context=self.ctx)
        self.assertEqual((status, json.loads(body)["status"]), (200, "ok"))
        status, body = hl.control_get(self.control_port, "/metrics", tls_context=self.ctx)
        self.assertEqual(status, 200)
        self.assertIn("wshost_handshakes_in_progress", body)
        status, _ = hl.control_get(self.control_port, "/metrics", token="wrong", tls_context=self.ctx)
        self.assertEqual(status, 401)

    def test_alpn_is_http11_only(self):
        for port in (self.port, self.control_port):
            with self.subTest(port=port):
                protocol, version = self.alpn(port)
                self.assertEqual(protocol, "http/1.1")
                self.assertIn(version, ("TLSv1.2", "TLSv1.3"))

    def test_no_plaintext(self):
        for port, path in ((self.port, "/"), (self.control_port, "/healthz")):
            with self.subTest(port=port):
                s = hl.connect(port)
                try:
                    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
                    data = hl.wait_closed(s)
                finally:
                    s.close()
                self.assertFalse(data.startswith(b"HTTP/"), "plaintext answer on a TLS port: %r" % data[:80])


if __name__ == "__main__":
    hl.main()

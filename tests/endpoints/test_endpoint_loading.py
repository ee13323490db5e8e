"""Endpoints at load and reload (DESIGN §9, §7): a raw endpoint whose handler
plugin registers no message handler fails the load with its position; a
reload adds and removes endpoints for new connections, while an open raw
connection whose handler plugin a reload took away is closed with 1011 at its
next message.
"""

import os
import re
import signal

from websocket import ABNF

import endpoints_lib as el
from endpoints_lib import Client, Host, endpoint, endpoint_config

import unittest


def rewrite(host, text):
    """Replaces the config file (temp file + rename) and reloads; returns the reload's log line."""
    tmp = host.config_path + ".new"
    with open(tmp, "w") as f:
        f.write(el.wh.with_test_settings(text))
    os.replace(tmp, host.config_path)
    since = os.path.getsize(host.log_path)
    host.send_signal(signal.SIGHUP)
    text = el.wh.wait_for_log(host, r"reload generation=\d+ (ok|failed)", since=since)
    return re.search(r"reload generation=\d+ (ok|failed).*", text).group(0)


def upgrade_status(port, path):
    import socket
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                   % path).encode())
        return int(s.recv(1024).split(b" ")[1])
    finally:
        s.close()


class Loading(unittest.TestCase):
    def test_handler_without_message_handler_fails_the_load(self):
        text = endpoint_config(endpoints=[endpoint("/r", "raw", "echo")])
        rc, out, path = el.check_config(text)
        self.assertEqual(rc, 1, out)
        line = text.splitlines().index("[[endpoint]]") + 1
        self.assertIn("%s:%d:1: [[endpoint]] '/r': plugin 'echo' registers no message handler" % (path, line),
                      out)

    def test_development_style_config_checks(self):
        rc, out, _ = el.check_config(endpoint_config())
        self.assertEqual(rc, 0, out)

    def test_reload_adds_and_removes_endpoints(self):
        with Host(endpoint_config(endpoints=[]), name="endpoint-reload") as host:
            self.assertEqual(upgrade_status(host.port, "/raw"), 404)
            self.assertIn("ok", rewrite(host, endpoint_config(endpoints=[endpoint("/raw", "raw", "raw-echo")])))
            with Client(host.port, path="/raw") as kept:
                kept.send_binary(b"\x01\x02")
                self.assertEqual(kept.recv_frame(), (ABNF.OPCODE_BINARY, b"\x01\x02"))
                # The endpoint goes for new connections; the open one keeps it
                # while its handler plugin stays loaded.
                self.assertIn("ok", rewrite(host, endpoint_config(endpoints=[])))
                self.assertEqual(upgrade_status(host.port, "/raw"), 404)
                kept.send_text("still here")
                self.assertEqual(kept.recv_frame(), (ABNF.OPCODE_TEXT, b"still here"))
                # Now the plugin goes too: its next message closes it (1011).
                self.assertIn("ok", rewrite(host, endpoint_config(endpoints=[], plugins=("echo", "rawkit"))))
                kept.send_text("orphan")
                self.assertEqual(kept.expect_close()[0], 1011)
            with Client(host.port, path="/") as c:
                c.marker_roundtrip()


if __name__ == "__main__":
    el.main()

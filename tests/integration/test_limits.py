"""Message size limits (DESIGN §1, close 1009): a host with
[websocket] max_message_bytes = 1024, single frames and fragmented messages;
plus the 1 MiB default on a default-config host.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wshost_harness as h  # noqa: E402
from wshost_harness import assert_success, echo_roundtrip  # noqa: E402

import unittest  # noqa: E402

import websocket  # noqa: E402  (Debian's python3-websocket)
from websocket import ABNF  # noqa: E402

LIMIT = 1024


def frame_of_size(size, rid):
    """A valid tk_echo_raw request of exactly `size` bytes; returns (frame, payload)."""
    head = '{"action":"tk_echo_raw","requestId":"%s","payload":{"p":"' % rid
    tail = '"}}'
    pad = size - len(head) - len(tail)
    assert pad >= 0
    frame = head + "x" * pad + tail
    assert len(frame.encode()) == size
    return frame, '{"p":"%s"}' % ("x" * pad)


class SizeLimitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cfg = h.config_text(plugins=("echo", "testkit"),
                            websocket_lines=("max_message_bytes = %d" % LIMIT,))
        cls.host = h.Host(cfg, name="limits").start()
        # A bystander connected throughout: oversize clients must not disturb it.
        cls.bystander = cls.host.client()

    @classmethod
    def tearDownClass(cls):
        cls.bystander.close()
        cls.host.stop()
        cls.host.check_clean_exit()
        cls.host.cleanup_dir()

    def tearDown(self):
        echo_roundtrip(self, self.bystander, "still here", "bystander")
        new = self.host.client()
        try:
            echo_roundtrip(self, new, "new client", "new")
        finally:
            new.close()

    def assert_echoed(self, client, payload, rid):
        _, resp = client.recv_json()
        assert_success(self, resp, json.loads(payload), rid)

    def test_exact_limit_single_frame_is_accepted(self):
        frame, payload = frame_of_size(LIMIT, "exact")
        with self.host.client() as c:
            c.send_text(frame)
            self.assert_echoed(c, payload, "exact")

    def test_exact_limit_fragmented_is_accepted(self):
        frame, payload = frame_of_size(LIMIT, "exact-frag")
        with self.host.client() as c:
            c.send_fragments([frame[:300], frame[300:600], frame[600:900], frame[900:]])
            self.assert_echoed(c, payload, "exact-frag")

    def test_one_byte_over_single_frame_closes_1009(self):
        frame, _ = frame_of_size(LIMIT + 1, "over")
        c = self.host.client()
        try:
            c.send_text(frame)
            code, _ = c.expect_close()
            self.assertEqual(code, 1009)
        finally:
            c.abort()

    def test_one_byte_over_fragmented_closes_1009(self):
        frame, _ = frame_of_size(LIMIT + 1, "over-frag")
        c = self.host.client()
        try:
            # each fragment is far below the limit; only the message is over it
            c.send_fragments([frame[:300], frame[300:600], frame[600:900], frame[900:]])
            code, _ = c.expect_close()
            self.assertEqual(code, 1009)
        finally:
            c.abort()

    def test_far_over_limit_in_many_fragments_closes_1009(self):
        c = self.host.client()
        try:
            # The message never ends: the host must close once the total passes
            # the limit instead of buffering it.
            c.ws.send_frame(ABNF.create_frame(b'{"action":"tk_echo_raw","payload":{"p":"',
                                                ABNF.OPCODE_TEXT, 0))
            for _ in range(40):
                try:
                    c.ws.send_frame(ABNF.create_frame(b"y" * 100, ABNF.OPCODE_CONT, 0))
                except (BrokenPipeError, ConnectionResetError, websocket.WebSocketException):
                    break  # the host has closed; read its close frame below
            code, _ = c.expect_close()
            self.assertEqual(code, 1009)
        finally:
            c.abort()

    def test_binary_over_limit_closes_1009(self):
        c = self.host.client()
        try:
            c.send_binary(b"z" * (LIMIT + 1))
            code, _ = c.expect_close()
            self.assertEqual(code, 1009)
        finally:
            c.abort()


class DefaultLimitTest(h.SharedHostMixin, unittest.TestCase):
    """The default max_message_bytes is 1 MiB (host/src/config/config.h)."""

    def test_default_limit(self):
        frame, payload = frame_of_size(1 << 20, "mib")
        with self.host.client() as c:
            c.send_text(frame)
            _, resp = c.recv_json(timeout=60)
            assert_success(self, resp, json.loads(payload), "mib")
        frame, _ = frame_of_size((1 << 20) + 1, "mib1")
        c = self.host.client()
        try:
            # The host closes as soon as the frame header says 1 MiB + 1 and lws
            # then drops the socket with the rest of the frame unread
            # (docs/CONFORMANCE.md D9): a client still writing may be reset. The
            # close frame was sent before that and is read all the same.
            try:
                c.send_text(frame)
            except (BrokenPipeError, ConnectionResetError):
                pass
            code, _ = c.expect_close(timeout=60)
            self.assertEqual(code, 1009)
        finally:
            c.abort()


if __name__ == "__main__":
    h.main()

"""Shared parts of the conformance tests (tests/conformance, docs/CONFORMANCE.md).

A host on 127.0.0.1 port 0 (its ready file gives the port) with the example
raw-echo plugin on /raw and no subprotocols, as in the development profile
(etc/wshost.toml); wshost_harness and endpoints_lib do the process work
(start, stop, the clean-exit and sanitizer check). The client is
conformance_client.Peer (python3-websockets' sans-I/O layer).

ConformanceCase adds, per test: a bystander connection opened before the
case that must still echo after it (the server keeps serving others), and
assertions on a whole transcript.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "endpoints"))

import endpoints_lib as el  # noqa: E402
from conformance_client import BINARY, CLOSE, Peer, short, TEXT  # noqa: E402

MAX_MESSAGE = 1 << 20  # the development profile's max_message_bytes
MAX_FRAGMENTS = 16384  # and max_fragments

main = el.main


def reader():
    """Who reads the client's frames in this run: "host" (the default) or "lws"
    (WSHOST_TEST_FRAME_READER=lws, as scripts/test reruns the suite)."""
    return el.wh.TEST_FRAME_READER or "host"


def raw_echo_config(websocket_lines=()):
    lines = ["max_message_bytes = %d" % MAX_MESSAGE, "max_fragments = %d" % MAX_FRAGMENTS]
    return el.endpoint_config(endpoints=[el.endpoint("/raw", "raw", "raw-echo")],
                              websocket_lines=lines + list(websocket_lines), plugins=("raw-echo",))


def codes(events):
    """A transcript with close reasons dropped: ("close", code)."""
    return [e[:2] if isinstance(e, tuple) and e[0] == "close" else e for e in events]


class ConformanceCase(el.HostPerClass):
    deflate = None  # Peer's deflate argument for every connection of the class

    def peer(self, path="/raw"):
        return Peer(self.port, path=path, deflate=self.deflate)

    def setUp(self):
        self.bystander = self.peer()

    def tearDown(self):
        # The case's connection is gone; one opened before it still works.
        b = self.bystander
        b.send(TEXT, "still here")
        b.send(BINARY, b"\x00\x01")
        self.assertEqual(b.wait_for(2), [("text", b"still here"), ("binary", b"\x00\x01")])
        b.send_close(1000)
        self.assertEqual(codes(b.transcript())[2:], [("close", 1000), "eof"])

    def assertTranscript(self, peer, expected, reasons=False):
        got = peer.transcript()
        if not reasons:
            got = codes(got)
        self.assertEqual(got, expected, "transcript %s" % short(got))

    def echo_then_close(self, peer, expected):
        """After frames were sent: the answers `expected` come, then (as
        Autobahn's client does, only once they have come) a clean close."""
        peer.wait_for(len(expected))
        peer.send_close(1000)
        self.assertTranscript(peer, list(expected) + [("close", 1000), "eof"])

    def fails_with(self, peer, code, before=()):
        """The server answers with `before` (if anything), then closes with `code`."""
        self.assertTranscript(peer, list(before) + [("close", code), "eof"])


__all__ = ["BINARY", "CLOSE", "TEXT", "ConformanceCase", "MAX_FRAGMENTS", "MAX_MESSAGE", "Peer", "codes",
           "main", "raw_echo_config", "reader"]

"""permessage-deflate (RFC 7692) on a raw endpoint with [websocket]
compression = true, after Autobahn|Testsuite's categories 12 and 13
(docs/CONFORMANCE.md): the client is python3-websockets' sans-I/O layer with
its ClientPerMessageDeflateFactory, so every client message is compressed
and every server message inflated by websockets itself. Connections that
negotiate the extension are always read by libwebsockets (README, Security),
whatever [server] frame_reader says.
"""

import os
import random
import zlib

import conformance_lib as cl
from conformance_client import BINARY, CONT, PING, TEXT, Peer, bad_frame
from conformance_lib import ConformanceCase, MAX_MESSAGE

SIZES = (16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072)


def corpus(n, seed):
    """n bytes of compressible text (words drawn from a small vocabulary)."""
    rng = random.Random(seed)
    words = ["lorem", "ipsum", "dolor", "sit", "amet", "\u00e9t\u00e9", "\u03ba\u03cc\u03c3\u03bc\u03b5", "wshost"]
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words).encode() + b" "
    data = bytes(out[:n])
    while True:  # do not cut a multi-byte sequence at the end
        try:
            data.decode("utf-8")
            return data
        except UnicodeDecodeError:
            data = data[:-1] + b"x"


def raw_deflate(data):
    """RFC 7692 §7.2.1: a raw DEFLATE stream with its final empty block's
    0x00 0x00 0xff 0xff removed."""
    c = zlib.compressobj(wbits=-15)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


class Deflate(ConformanceCase):
    deflate = {}  # websockets' defaults: client_max_window_bits offered, context takeover

    @classmethod
    def config(cls):
        return cl.raw_echo_config(websocket_lines=["compression = true"])

    def test_12_0_the_extension_is_negotiated(self):
        p = self.peer()
        self.assertEqual([e.name for e in p.conn.extensions], ["permessage-deflate"])
        self.assertIn("permessage-deflate", p.response.headers["Sec-WebSocket-Extensions"])
        p.send(TEXT, "x")
        self.echo_then_close(p, [("text", b"x")])

    def test_12_1_to_12_5_echo_of_many_messages_per_size(self):
        # Autobahn sends 1000 messages per size; 20 here keep the run short,
        # enough for the inflater's context to carry across messages.
        for size in SIZES:
            for opcode, kind in ((TEXT, "text"), (BINARY, "binary")):
                with self.subTest(size=size, kind=kind):
                    p = self.peer()
                    if opcode == TEXT:
                        messages = [corpus(size, i) for i in range(20)]
                    else:
                        messages = [os.urandom(size // 2) + corpus(size - size // 2, i) for i in range(20)]
                    for m in messages:
                        p.send(opcode, m)
                    self.echo_then_close(p, [(kind, m) for m in messages])

    def test_12_6_compressed_message_in_fragments(self):
        data = corpus(65536, 7)
        p = self.peer()
        compressed = raw_deflate(data)
        pieces = [compressed[i:i + 1000] for i in range(0, len(compressed), 1000)]
        frames = [bad_frame(TEXT, pieces[0], fin=False, rsv=4)]
        frames += [bad_frame(CONT, c, fin=i == len(pieces) - 1) for i, c in enumerate(pieces[1:], 1)]
        p.send_raw(b"".join(frames))
        self.echo_then_close(p, [("text", data)])

    def test_12_7_uncompressed_message_on_a_deflate_connection(self):
        p = self.peer()
        p.send_raw(bad_frame(TEXT, b"plain, RSV1 clear"))
        self.echo_then_close(p, [("text", b"plain, RSV1 clear")])

    def test_12_8_ping_between_compressed_fragments(self):
        data = corpus(4096, 3)
        compressed = raw_deflate(data)
        half = len(compressed) // 2
        p = self.peer()
        p.send_raw(bad_frame(TEXT, compressed[:half], fin=False, rsv=4) + p.serialize(PING, b"between")
                   + bad_frame(CONT, compressed[half:]))
        self.echo_then_close(p, [("pong", b"between"), ("text", data)])

    def test_12_9_rsv1_on_a_continuation_is_1002(self):
        # RFC 7692 §6.1: RSV1 only on a message's first frame.
        compressed = raw_deflate(corpus(256, 1))
        p = self.peer()
        p.send_raw(bad_frame(TEXT, compressed[:10], fin=False, rsv=4) + bad_frame(CONT, compressed[10:], rsv=4))
        # D7: lws ignores RSV1 there and completes the message.
        self.echo_then_close(p, [("text", corpus(256, 1))])

    def test_12_10_rsv1_on_a_control_frame_is_1002(self):
        p = self.peer()
        p.send_raw(bad_frame(PING, raw_deflate(b"ping"), rsv=4))
        # D7: lws ignores RSV1 there and answers the ping, payload as it came.
        self.echo_then_close(p, [("pong", raw_deflate(b"ping"))])

    def test_12_11_inflated_over_the_limit_is_1009(self):
        # About 1 KiB on the wire, one byte over max_message_bytes inflated.
        p = self.peer()
        p.send_raw(bad_frame(BINARY, raw_deflate(b"\x00" * (MAX_MESSAGE + 1)), rsv=4))
        self.fails_with(p, 1009)

    def test_12_12_inflated_text_not_utf8_is_1007(self):
        p = self.peer()
        p.send_raw(bad_frame(TEXT, raw_deflate(b"ok \xed\xa0\x80 surrogate"), rsv=4))
        self.fails_with(p, 1007)

    def test_12_13_message_of_exactly_the_limit_inflated(self):
        data = corpus(MAX_MESSAGE, 11)
        p = self.peer()
        p.send(TEXT, data)
        self.echo_then_close(p, [("text", data)])


class DeflateParameters(ConformanceCase):
    """Autobahn 13.x: the same echo under each offer of parameters."""

    OFFERS = {
        "13.1 client_max_window_bits offered": {},
        "13.2 client_no_context_takeover": {"client_no_context_takeover": True},
        "13.3 client_max_window_bits=9": {"client_max_window_bits": 9},
        "13.4 client_max_window_bits=15": {"client_max_window_bits": 15},
        "13.5 server_no_context_takeover": {"server_no_context_takeover": True},
        "13.7 both no_context_takeover, client 9": {"client_no_context_takeover": True,
                                                    "server_no_context_takeover": True,
                                                    "client_max_window_bits": 9},
    }

    @classmethod
    def config(cls):
        return cl.raw_echo_config(websocket_lines=["compression = true"])

    def test_13_offers(self):
        for name, offer in self.OFFERS.items():
            with self.subTest(offer=name):
                p = Peer(self.port, deflate=offer)
                self.assertEqual([e.name for e in p.conn.extensions], ["permessage-deflate"])
                messages = [corpus(n, n) for n in (64, 4096, 65536)] * 3
                for m in messages:
                    p.send(TEXT, m)
                self.echo_then_close(p, [("text", m) for m in messages])

    def test_13_6_server_max_window_bits_is_dropped_from_the_answer(self):
        # D8: lws accepts the offer but leaves the parameter out of its
        # answer; RFC 7692 §7.1.2.1 makes websockets refuse that handshake.
        for bits in (9, 15):
            with self.subTest(bits=bits):
                p = Peer(self.port, deflate={"server_max_window_bits": bits}, check=False)
                p.close()
                self.assertEqual(p.response.status_code, 101)
                self.assertEqual(p.response.headers["Sec-WebSocket-Extensions"], "permessage-deflate")
                self.assertIn("Unsupported extension", str(p.conn.handshake_exc))


if __name__ == "__main__":
    cl.main()

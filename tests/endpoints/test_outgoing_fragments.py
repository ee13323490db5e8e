"""Outgoing fragmentation (DESIGN §9): with [websocket] max_frame_bytes = N a
message longer than N bytes leaves as frames of at most N payload bytes (the
first with the message's opcode, then continuations, FIN on the last); one of
N bytes or fewer goes whole; control frames are never split (RFC 6455 §5.5).
With permessage-deflate lws compresses the fragments (RSV1 on the first only,
RFC 7692 §6.1). Read off the wire with a raw socket; raw-echo answers on /raw,
echo on the JSON endpoint.
"""

import json
import os
import socket
import struct
import zlib

import endpoints_lib as el
from endpoints_lib import HostPerClass, endpoint_config

MAX_FRAME = 1000
KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def masked(opcode, payload, fin=True):
    mask = os.urandom(4)
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n <= 0xffff:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Wire:
    """A raw WebSocket client that reads frames as they are (FIN, RSV1, opcode)."""

    def __init__(self, port, path, extensions=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Key: " + KEY, "Sec-WebSocket-Version: 13"]
        if extensions:
            lines.append("Sec-WebSocket-Extensions: " + extensions)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            assert chunk, "closed during the handshake"
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head
        self.head = head.decode("latin-1").lower()

    def need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            assert chunk, "closed while a frame was expected"
            self.buf += chunk

    def frame(self):
        """(fin, rsv1, opcode, payload) of the next frame."""
        self.need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n, at = b1 & 0x7f, 2
        if n == 126:
            self.need(4)
            n, at = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self.need(10)
            n, at = struct.unpack("!Q", self.buf[2:10])[0], 10
        assert not b1 & 0x80, "a server frame is never masked"
        self.need(at + n)
        payload, self.buf = self.buf[at:at + n], self.buf[at + n:]
        return bool(b0 & 0x80), bool(b0 & 0x40), b0 & 0x0f, payload

    def message(self):
        """The frames of the next data message, as a list."""
        frames = [self.frame()]
        while not frames[-1][0]:
            frames.append(self.frame())
        return frames

    def close(self):
        self.sock.close()


class Fragments(HostPerClass):
    @classmethod
    def config(cls):
        return endpoint_config(websocket_lines=["max_frame_bytes = %d" % MAX_FRAME])

    def test_raw_messages_leave_in_frames_of_at_most_max_frame_bytes(self):
        w = Wire(self.port, "/raw")
        try:
            for size, opcode in ((2500, 0x1), (2000, 0x2), (MAX_FRAME, 0x1), (MAX_FRAME + 1, 0x2), (0, 0x1)):
                with self.subTest(size=size, opcode=opcode):
                    data = (b"x" * size) if opcode == 0x1 else os.urandom(size)
                    w.sock.sendall(masked(opcode, data))
                    frames = w.message()
                    sizes = [len(f[3]) for f in frames]
                    expected = [MAX_FRAME] * (size // MAX_FRAME) + ([size % MAX_FRAME] if size % MAX_FRAME else [])
                    self.assertEqual(sizes, expected or [0])
                    self.assertEqual([f[2] for f in frames], [opcode] + [0x0] * (len(frames) - 1))
                    self.assertEqual([f[0] for f in frames], [False] * (len(frames) - 1) + [True])
                    self.assertEqual(b"".join(f[3] for f in frames), data)
            # A ping's pong is a control frame: never split.
            w.sock.sendall(masked(0x9, b"p" * 125))
            self.assertEqual(w.frame(), (True, False, 0xA, b"p" * 125))
        finally:
            w.close()

    def test_json_replies_are_fragmented_too(self):
        w = Wire(self.port, "/")
        try:
            text = "y" * 3000
            w.sock.sendall(masked(0x1, json.dumps({"action": "echo", "payload": {"message": text},
                                                  "requestId": "f"}).encode()))
            frames = w.message()
            self.assertGreater(len(frames), 3)
            self.assertTrue(all(len(f[3]) <= MAX_FRAME for f in frames))
            reply = json.loads(b"".join(f[3] for f in frames))
            self.assertEqual(reply["requestId"], "f")
            self.assertIn(text, json.dumps(reply))
        finally:
            w.close()


class DeflatedFragments(HostPerClass):
    @classmethod
    def config(cls):
        return endpoint_config(websocket_lines=["max_frame_bytes = %d" % MAX_FRAME, "compression = true"])

    def test_lws_compresses_the_fragments(self):
        w = Wire(self.port, "/raw", extensions="permessage-deflate; client_no_context_takeover")
        try:
            self.assertIn("permessage-deflate", w.head)
            data = os.urandom(3500)
            w.sock.sendall(masked(0x2, data))  # uncompressed in (RSV1 clear), allowed
            frames = w.message()
            # The limit counts bytes before compression: one fragment per
            # max_frame_bytes of the message.
            self.assertEqual(len(frames), 4, [len(f[3]) for f in frames])
            self.assertEqual([f[2] for f in frames], [0x2] + [0x0] * (len(frames) - 1))
            self.assertEqual([f[1] for f in frames], [True] + [False] * (len(frames) - 1))  # RSV1: first only
            inflated = zlib.decompressobj(-15).decompress(b"".join(f[3] for f in frames) + b"\x00\x00\xff\xff")
            self.assertEqual(inflated, data)
            # The next message still arrives whole and in order after it.
            w.sock.sendall(masked(0x1, b"after"))
            frames = w.message()
            inflated = zlib.decompressobj(-15).decompress(b"".join(f[3] for f in frames) + b"\x00\x00\xff\xff")
            self.assertEqual(inflated, b"after")
        finally:
            w.close()


if __name__ == "__main__":
    el.main()

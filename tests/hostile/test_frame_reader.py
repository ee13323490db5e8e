"""The host frame reader ([server] frame_reader = "host", issue 15) against
clients that break RFC 6455, through raw sockets: each rule the reader checks
at the frame header closes with its code, and nothing of the offending frame
reaches a plugin (markkit's record, read on a second connection, shows what
was dispatched: a marker round trip, not a wait).
"""

import socket
import struct

import hostile_lib as hl
from hostile_lib import HostCase, hostile_config


def note(marker):
    return '{"action":"mk_note","payload":{"m":"%s"}}' % marker


def unmasked(opcode, payload):
    payload = payload.encode("utf-8") if isinstance(payload, str) else payload
    return struct.pack("!BB", 0x80 | opcode, len(payload)) + payload


def header(opcode, length, fin=True):
    """A masked frame header declaring `length` payload bytes (none follow)."""
    b0 = (0x80 if fin else 0) | opcode
    return struct.pack("!BBQ", b0, 0x80 | 127, length) + b"\x11\x22\x33\x44"


class FrameReaderRules(HostCase):
    @classmethod
    def config(cls):
        return hostile_config(websocket_lines=["max_fragments = 4", "max_message_bytes = 65536"],
                              server_lines=['frame_reader = "host"'])

    def frames_until_close(self, data, sock_and_rest=None):
        """Sends `data` on a new connection; the server's frames up to and
        including its close frame."""
        sock, rest = sock_and_rest or hl.websocket_upgrade(self.port)
        try:
            sock.settimeout(10)
            sock.sendall(data)
            got = rest
            while True:
                frames = hl.read_frames(got)
                if frames and frames[-1][0] == 0x8:
                    return frames
                chunk = sock.recv(65536)
                if not chunk:
                    return hl.read_frames(got)
                got += chunk
        finally:
            sock.close()

    def close_code(self, frames):
        self.assertTrue(frames and frames[-1][0] == 0x8, "no close frame: %r" % frames)
        return struct.unpack("!H", frames[-1][1][:2])[0]

    def notes(self):
        return hl.markkit_notes(self, self.port)

    def test_unmasked_frame_is_1002_and_never_dispatched(self):
        frames = self.frames_until_close(unmasked(0x1, note("unmasked")))
        self.assertEqual(self.close_code(frames), 1002)
        self.assertNotIn("unmasked", self.notes())

    def test_declared_length_over_the_limit_is_1009_at_the_header(self):
        # 2^40 bytes declared, none sent: the answer cannot wait for them.
        frames = self.frames_until_close(header(0x1, 1 << 40))
        self.assertEqual(self.close_code(frames), 1009)

    def test_fragment_cap_is_1009(self):
        data = hl.frame(0x1, '{"action":"mk_note",', fin=False)
        data += b"".join(hl.frame(0x0, " ", fin=False) for _ in range(4))
        data += hl.frame(0x0, '"payload":{"m":"fragments"}}')
        frames = self.frames_until_close(data)
        self.assertEqual(self.close_code(frames), 1009)
        self.assertNotIn("fragments", self.notes())

    def test_invalid_utf8_split_across_fragments_is_1007(self):
        # U+20AC is E2 82 AC; the second fragment breaks the sequence.
        data = hl.frame(0x1, b'{"action":"mk_note","payload":{"m":"\xe2', fin=False)
        data += hl.frame(0x0, b'\x41utf8"}}')
        frames = self.frames_until_close(data)
        self.assertEqual(self.close_code(frames), 1007)
        self.assertNotIn("Autf8", self.notes())

    def test_pong_comes_before_later_answers(self):
        data = hl.frame(0x1, note("p1")) + hl.frame(0x9, b"ping!") + hl.frame(0x1, note("p2"))
        data += hl.close_frame(1000)
        frames = self.frames_until_close(data)
        self.assertEqual([f[0] for f in frames], [0x1, 0xA, 0x1, 0x8], frames)
        self.assertEqual(frames[1][1], b"ping!")
        self.assertEqual(self.close_code(frames), 1000)  # the peer's code, echoed

    def test_data_after_close_is_ignored(self):
        frames = self.frames_until_close(hl.close_frame(4001) + hl.frame(0x1, note("after")))
        self.assertEqual(self.close_code(frames), 4001)
        self.assertNotIn("after", self.notes())

    def test_frames_pipelined_behind_the_upgrade_come_first_in_order(self):
        sock = hl.connect(self.port)
        request = hl.request_bytes(hl.upgrade_lines())
        sock.sendall(request + hl.frame(0x1, note("pipe1")) + unmasked(0x1, note("pipe2")))
        status, _headers, rest = hl.read_head(sock)
        self.assertEqual(status, 101)
        frames = self.frames_until_close(b"", (sock, rest))
        # A broken rule closes at once (queued answers are not waited for).
        self.assertEqual(self.close_code(frames), 1002)  # the rules hold for those bytes too
        notes = self.notes()
        self.assertIn("pipe1", notes)
        self.assertNotIn("pipe2", notes)

    def test_bare_lf_request_lines_still_end_the_headers(self):
        # A lenient parser (lws's) takes "\n" for "\r\n": the host must find the
        # end of such headers too, and read the frames behind them itself.
        sock = hl.connect(self.port)
        request = ("\n".join(hl.upgrade_lines()) + "\n\n").encode("latin-1")
        sock.sendall(request + hl.frame(0x1, note("lf1")) + unmasked(0x1, note("lf2")))
        status, _headers, rest = hl.read_head(sock)
        self.assertEqual(status, 101)
        frames = self.frames_until_close(b"", (sock, rest))
        self.assertEqual(self.close_code(frames), 1002)  # the host's rule: it read those frames
        notes = self.notes()
        self.assertIn("lf1", notes)
        self.assertNotIn("lf2", notes)

    def test_one_byte_at_a_time(self):
        data = hl.frame(0x1, note("b1")) + hl.frame(0x9, b"x" * 125)
        data += hl.frame(0x1, '{"action":"mk_note",', fin=False) + hl.frame(0x0, '"payload":{"m":"b2"}}')
        data += hl.frame(0x1, note("b3" + "y" * 300)) + hl.close_frame(1000)
        sock, rest = hl.websocket_upgrade(self.port)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(data)):
            sock.send(data[i:i + 1])
        frames = self.frames_until_close(b"", (sock, rest))
        self.assertEqual([f[0] for f in frames], [0x1, 0xA, 0x1, 0x1, 0x8], frames)
        self.assertEqual(self.close_code(frames), 1000)


if __name__ == "__main__":
    hl.main()

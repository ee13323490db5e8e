"""Nothing after a client's close frame reaches a plugin (RFC 6455 §5.5.1).

libwebsockets 4.1.6 goes on delivering frames that were read behind a close
frame (LWS-NOTES T32). Each case sends everything in one write, so lws reads
the frames behind the close in the same pass as the close itself; then, on a
second connection, markkit's record shows what was dispatched (a marker round
trip, not a wait):
  - a request before the close frame is dispatched (its answer goes out if it
    is written before lws's close reply; the README says so);
  - a request behind the close frame is not;
  - a message whose first fragment came before the close frame and whose last
    came after it is never completed.
"""

import json

import hostile_lib as hl
from hostile_lib import HostCase, hostile_config


def note(marker):
    return '{"action":"mk_note","payload":{"m":"%s"}}' % marker


class AfterClose(HostCase):
    @classmethod
    def config(cls):
        return hostile_config()

    def notes(self):
        return hl.markkit_notes(self, self.port)

    def send_and_wait_for_close(self, data):
        """Sends `data` in one write on a new connection; returns the server's
        frames up to its close (and the end of the connection)."""
        sock, rest = hl.websocket_upgrade(self.port)
        try:
            sock.sendall(data)
            frames = hl.read_frames(rest + hl.wait_closed(sock))
        finally:
            sock.close()
        self.assertTrue(frames and frames[-1][0] == 0x8, "no close frame from the server: %r" % frames)
        return frames

    def test_frame_behind_the_close_is_not_dispatched(self):
        frames = self.send_and_wait_for_close(
            hl.frame(0x1, note("before")) + hl.close_frame(1000) + hl.frame(0x1, note("behind")))
        self.assertEqual(frames[-1][1][:2], b"\x03\xe8")  # lws answers the close with 1000
        for opcode, payload in frames[:-1]:
            # Only the answer to the request before the close may come.
            self.assertEqual(opcode, 0x1)
            self.assertEqual(json.loads(payload)["payload"], {"noted": 1}, payload)
        notes = self.notes()
        self.assertIn("before", notes)
        self.assertNotIn("behind", notes)

    def test_message_is_never_completed_across_a_close(self):
        first, last = note("split")[:20], note("split")[20:]
        self.send_and_wait_for_close(
            hl.frame(0x1, first, fin=False) + hl.close_frame(1000) + hl.frame(0x0, last, fin=True))
        self.assertNotIn("split", self.notes())

    def test_close_without_status_code(self):
        self.send_and_wait_for_close(hl.frame(0x8, b"") + hl.frame(0x1, note("after-empty-close")))
        self.assertNotIn("after-empty-close", self.notes())

    def test_several_frames_behind_the_close(self):
        tail = b"".join(hl.frame(0x1, note("flood-%d" % i)) for i in range(20))
        self.send_and_wait_for_close(hl.close_frame(1001) + tail)
        self.assertEqual([n for n in self.notes() if n.startswith("flood-")], [])


if __name__ == "__main__":
    hl.main()

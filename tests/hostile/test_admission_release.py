"""Admission resources (connection-cap slots, per-IP counts, handshakes in
progress, captured requests) are released on every path a handshake can end
on, so malformed and abandoned upgrades never lock anyone out.

Each kind of bad upgrade is sent three times the connection cap, from several
source addresses (127.0.0.2-5): missing Sec-WebSocket-Key, a wrong
Sec-WebSocket-Version, headers never finished (the client leaves), a complete
request whose client resets the connection at once, an upgrade past the
per-IP cap. Afterwards the admission gauges of /metrics are back where they
started and the whole cap can be filled by well-behaved clients again.

The release happens from LWS_CALLBACK_WSI_DESTROY, which lws 4.1.6 sends to
the vhost's protocols[0] for every wsi (LWS-NOTES T34); the ASan build's
LeakSanitizer report at exit (checked when the host stops) covers the
captured requests, and the release build checks RSS.
"""

import socket
import struct

import hostile_lib as hl
from hostile_lib import HostCase, hostile_config, wait_until

CAP = 6          # max_connections
PER_IP = 2       # max_connections_per_ip
HANDSHAKES = 4   # max_handshakes_per_ip
SOURCES = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]


def sources_usable(port):
    try:
        hl.connect(port, SOURCES[-1]).close()
        return True
    except OSError:
        return False


def reset_close(sock):
    """Closes with a TCP reset (SO_LINGER 0): the client is gone at once."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class ReleaseOnEveryPath(HostCase):
    @classmethod
    def config(cls):
        return hostile_config(websocket_lines=["max_connections = %d" % CAP,
                                               "max_connections_per_ip = %d" % PER_IP,
                                               "max_handshakes_per_ip = %d" % HANDSHAKES])

    def setUp(self):
        if not sources_usable(self.port):
            self.skipTest("cannot bind client sockets to 127.0.0.x")
        self.baseline = self.settled()

    def settled(self, expected=None, timeout=20.0):
        """The admission gauges once nothing is in progress (and, with
        `expected`, once they equal it)."""
        def check():
            counts = hl.admission_counts(self.control_port)
            if expected is not None:
                return counts if counts == expected else None
            return counts if counts["wshost_handshakes_in_progress"] == 0 else None
        return wait_until(check, timeout, "admission gauges %s" % ("== %r" % expected if expected else "settled"))

    def source(self, i):
        return SOURCES[i % len(SOURCES)]

    def assert_cap_fills_again(self):
        """Exactly CAP well-behaved clients get in (PER_IP from each address),
        the next one gets 503, and each answers a request: no slot leaked."""
        clients = []
        try:
            for i in range(CAP):
                sock, rest = hl.websocket_upgrade(self.port, self.source(i // PER_IP))
                clients.append(sock)
            status, headers, _ = hl.raw_exchange(self.port, hl.request_bytes(hl.upgrade_lines()),
                                                 source=SOURCES[-1])
            self.assertEqual(status, 503, headers)
            self.assertEqual(headers.get("retry-after"), "1")
            for i, sock in enumerate(clients):
                sock.sendall(hl.frame(0x1, '{"action":"mk_note","payload":{"n":%d}}' % i))
                data = b""
                while not hl.read_frames(data):
                    chunk = sock.recv(4096)
                    self.assertTrue(chunk, "client %d closed before its answer" % i)
                    data += chunk
                self.assertIn(b'"status":"success"', hl.read_frames(data)[0][1])
        finally:
            for sock in clients:
                sock.close()
        self.settled(self.baseline)

    def test_missing_key(self):
        for i in range(3 * CAP):
            status, _, _ = hl.raw_exchange(self.port, hl.request_bytes(hl.upgrade_lines(key=None)),
                                           source=self.source(i))
            self.assertEqual(status, 400)
        self.assertEqual(self.settled(), self.baseline)
        self.assert_cap_fills_again()

    def test_bad_version(self):
        for i in range(3 * CAP):
            status, headers, _ = hl.raw_exchange(self.port, hl.request_bytes(hl.upgrade_lines(version="8")),
                                                 source=self.source(i))
            self.assertEqual((status, headers.get("sec-websocket-version")), (426, "13"))
        self.assertEqual(self.settled(), self.baseline)
        self.assert_cap_fills_again()

    def test_half_sent_headers_then_gone(self):
        head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        for i in range(3 * CAP):
            s = hl.connect(self.port, self.source(i))
            s.sendall(head)
            if i % 2:
                reset_close(s)
            else:
                s.close()
        self.assertEqual(self.settled(), self.baseline)
        self.assert_cap_fills_again()

    def test_client_gone_right_after_the_request(self):
        for i in range(3 * CAP):
            s = hl.connect(self.port, self.source(i))
            s.sendall(hl.request_bytes(hl.upgrade_lines()))
            reset_close(s)
        self.assertEqual(self.settled(), self.baseline)
        self.assert_cap_fills_again()

    def test_refused_past_the_caps(self):
        # Fill the cap, then 3x the cap of upgrades that must be refused.
        clients = [hl.websocket_upgrade(self.port, self.source(i // PER_IP))[0] for i in range(CAP)]
        try:
            for i in range(3 * CAP):
                status, headers, _ = hl.raw_exchange(self.port, hl.request_bytes(hl.upgrade_lines()),
                                                     source=self.source(i))
                self.assertEqual(status, 503, headers)
        finally:
            for c in clients:
                c.close()
        self.assertEqual(self.settled(), self.baseline)
        self.assert_cap_fills_again()

    def test_handshakes_in_progress_are_capped_per_address(self):
        # HANDSHAKES unfinished requests from one address are held; more from
        # it are closed at accept, other addresses are still served.
        head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        held = []
        try:
            for _ in range(HANDSHAKES):
                s = hl.connect(self.port, SOURCES[0])
                s.sendall(head)
                held.append(s)
            counts = wait_until(
                lambda: (lambda c: c if c["wshost_handshakes_in_progress"] == HANDSHAKES else None)(
                    hl.admission_counts(self.control_port)), 20.0, "the held handshakes counted")
            self.assertEqual(counts["wshost_handshake_addresses"], 1)
            for _ in range(3):
                s = hl.connect(self.port, SOURCES[0])
                try:
                    s.sendall(hl.request_bytes(hl.upgrade_lines()))
                except OSError:
                    pass  # already closed by the server
                self.assertEqual(hl.wait_closed(s), b"", "an upgrade past max_handshakes_per_ip was answered")
                s.close()
            m = hl.metrics(self.control_port)
            self.assertGreaterEqual(m.get('wshost_handshakes_refused_total{status="closed"}', 0), 3)
            # Another address is not affected.
            sock, _ = hl.websocket_upgrade(self.port, SOURCES[1])
            sock.close()
        finally:
            for s in held:
                s.close()
        self.assertEqual(self.settled(), self.baseline)
        self.assert_cap_fills_again()

    def test_unfinished_headers_time_out(self):
        # lws closes a client that has not finished its headers (10 s for
        # 4.1.6's header table); what it held goes with it.
        s = hl.connect(self.port, SOURCES[2])
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        wait_until(lambda: hl.admission_counts(self.control_port)["wshost_handshakes_in_progress"] == 1,
                   20.0, "the unfinished handshake counted")
        self.assertEqual(hl.wait_closed(s, timeout=60.0), b"")
        s.close()
        self.assertEqual(self.settled(), self.baseline)


class MemoryOfAbandonedUpgrades(HostCase):
    """Release build: thousands of abandoned and refused upgrades leave RSS
    where it was. (Under ASan, LeakSanitizer at exit does this job.)"""

    @classmethod
    def config(cls):
        return hostile_config(websocket_lines=["max_connections = %d" % CAP,
                                               "max_handshakes_per_ip = 0"])

    def round(self, n):
        for i in range(n):
            kind = i % 3
            s = hl.connect(self.port)
            if kind == 0:
                s.sendall(hl.request_bytes(hl.upgrade_lines(key=None)))
                self.assertEqual(hl.read_head(s)[0], 400)
                s.close()
            elif kind == 1:
                s.sendall(hl.request_bytes(hl.upgrade_lines()))
                reset_close(s)
            else:
                s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
                s.close()
        wait_until(lambda: hl.admission_counts(self.control_port)["wshost_handshakes_in_progress"] == 0
                   and hl.admission_counts(self.control_port)["wshost_admission_slots"] == 0,
                   30.0, "every abandoned upgrade released")

    def test_rss_stays_flat(self):
        if hl.sanitized(hl.wh.require("wshost")):
            self.skipTest("sanitizer build: LeakSanitizer checks this at exit")
        self.round(600)  # warm up the allocator
        before = hl.rss_kb(self.host.proc.pid)
        self.round(4500)
        after = hl.rss_kb(self.host.proc.pid)
        print("RSS %d kB -> %d kB after 4500 abandoned or refused upgrades" % (before, after))
        # 4500 leaked captured requests of ~430 bytes would be ~1.9 MB.
        self.assertLess(after - before, 768, "RSS grew from %d kB to %d kB" % (before, after))
        sock, _ = hl.websocket_upgrade(self.port)
        sock.close()


if __name__ == "__main__":
    hl.main()

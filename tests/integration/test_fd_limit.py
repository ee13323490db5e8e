"""Behaviour at the fd limit (LWS-NOTES T19): the host stops accepting a margin
below RLIMIT_NOFILE instead of spinning on EMFILE; excess clients wait in the
listen backlog, without log spam, and are served once connections close.

The host runs with RLIMIT_NOFILE = 200 (soft = hard), so it keeps 200 - 64
lws connections (the signalfd counts as one) and leaves 64 fds for the rest.
"""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wshost_harness as h  # noqa: E402

NOFILE = 200
MARGIN = 64  # kFdMargin in host/src/server.cpp
CAPACITY = NOFILE - MARGIN - 1  # WebSocket clients: the signalfd is one lws connection
EXCESS = 80  # more than the margin: without a gate, accept() would hit EMFILE

UPGRADE = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Pending:
    """A raw client that has sent its upgrade request and waits for the 101."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(UPGRADE)
        self.sock.setblocking(False)
        self.head = b""

    def upgraded(self):
        """True once the whole 101 head arrived; raises if the server refused."""
        try:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise AssertionError("server closed a waiting client: %r" % self.head)
            self.head += chunk
        except BlockingIOError:
            pass
        if b"\r\n\r\n" in self.head:
            if not self.head.startswith(b"HTTP/1.1 101"):
                raise AssertionError("refused: %r" % self.head[:200])
            return True
        return False


def wait_upgraded(clients, want, timeout):
    """Polls until `want` clients are upgraded (or the deadline); returns them."""
    deadline = time.monotonic() + timeout
    done = []
    while True:
        for c in clients:
            if c not in done and c.upgraded():
                done.append(c)
        if len(done) >= want or time.monotonic() > deadline:
            return done
        time.sleep(0.02)


class FdLimitTest(unittest.TestCase):
    def test_excess_clients_wait_and_are_served_later(self):
        # All clients come from 127.0.0.1 at once: no per-IP handshake cap here.
        cfg = h.config_text(plugins=("echo",), websocket_lines=["max_handshakes_per_ip = 0"])
        with h.Host(cfg, name="fdlimit", nofile=NOFILE) as host:
            clients = []
            try:
                for _ in range(CAPACITY + EXCESS):
                    clients.append(Pending(host.port))
                served = wait_upgraded(clients, CAPACITY, 30)
                self.assertEqual(len(served), CAPACITY, host.log())
                waiting = [c for c in clients if c not in served]
                # No more upgrades: the excess is not accepted (it stays in the backlog).
                self.assertEqual(wait_upgraded(waiting, 1, 1.0), [])

                # No spin: an EMFILE retry loop burns a whole core.
                before = cpu_seconds(host.proc.pid)
                time.sleep(1.0)
                self.assertLess(cpu_seconds(host.proc.pid) - before, 0.2)
                log = host.log_text()
                self.assertNotIn("accept", log.lower().replace("accepting", ""), log[-3000:])
                self.assertEqual(log.count("at the fd limit"), 1, log[-3000:])

                # Room frees: exactly as many waiting clients are served, in a while.
                for c in served[:5]:
                    c.sock.close()
                later = wait_upgraded(waiting, 5, 20)
                self.assertEqual(len(later), 5, host.log())
                self.assertEqual(wait_upgraded([c for c in waiting if c not in later], 1, 0.5), [])

                # And every one of them when the others leave.
                for c in served[5:]:
                    c.sock.close()
                self.assertEqual(len(wait_upgraded(waiting, EXCESS, 20)), EXCESS, host.log())
            finally:
                for c in clients:
                    c.sock.close()


if __name__ == "__main__":
    h.main()

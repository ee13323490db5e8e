"""systemd readiness and reload notification (README, "Running as a
service"): the host is started under a fake NOTIFY_SOCKET, a datagram
socket this test reads, and every message is checked in order:

  READY=1 + STATUS            once every listener is bound
  STATUS                      the connection count changed
  RELOADING=1 + MONOTONIC_USEC, then READY=1 + STATUS   a reload that worked
  the same pair               a reload that failed (STATUS says so)
  STOPPING=1 + STATUS         the SIGTERM drain
"""

import os
import re
import signal
import socket
import time
import unittest

import wshost_harness as h

WAIT_S = 15.0  # a STATUS change is sent within 2 s; the ASan build is slower


class FakeNotifySocket:
    def __init__(self, directory, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            self.name = "@wshost-notify-test-%d-%d" % (os.getpid(), time.monotonic_ns())
            self.sock.bind("\0" + self.name[1:])
        else:
            self.name = os.path.join(directory, "notify.sock")
            self.sock.bind(self.name)

    def next(self, timeout=WAIT_S):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            raise AssertionError("no notify message within %.0f s" % timeout) from None
        text = data.decode("utf-8")
        assert text.endswith("\n"), text
        return dict(line.split("=", 1) for line in text.rstrip("\n").split("\n"))

    def expect_nothing(self, seconds=0.3):
        self.sock.settimeout(seconds)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return
        raise AssertionError("unexpected notify message %r" % data)

    def close(self):
        self.sock.close()


class SdNotify(unittest.TestCase):
    def start(self, abstract=False):
        base = h.Paths.workdir or None
        if base:
            os.makedirs(base, exist_ok=True)
        import tempfile
        d = tempfile.mkdtemp(prefix="wshost-notify-", dir=base)
        self.notify = FakeNotifySocket(d, abstract)
        self.addCleanup(self.notify.close)
        host = h.Host(h.config_text(plugins=("echo",)), name="notify", env={"NOTIFY_SOCKET": self.notify.name})
        host.start()
        self.addCleanup(host.kill)
        return host

    def test_every_message_in_order(self):
        host = self.start()
        self.assertEqual(self.notify.next(), {"READY": "1", "STATUS": "generation 1, 0 connections"})

        c = host.client()
        h.echo_roundtrip(self, c)
        self.assertEqual(self.notify.next(), {"STATUS": "generation 1, 1 connection"})

        # A reload that works: RELOADING=1 with the monotonic clock, then READY=1.
        before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        host.send_signal(signal.SIGHUP)
        msg = self.notify.next()
        after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        self.assertEqual(set(msg), {"RELOADING", "MONOTONIC_USEC"}, msg)
        self.assertEqual(msg["RELOADING"], "1")
        self.assertTrue(before <= int(msg["MONOTONIC_USEC"]) <= after, (before, msg, after))
        self.assertEqual(self.notify.next(), {"READY": "1", "STATUS": "generation 2, 1 connection"})

        # A reload that fails: the same pair; the generation stays, STATUS says so.
        with open(host.config_path, "a") as f:
            f.write("\n[server]\nno_such_key = 1\n")
        host.send_signal(signal.SIGHUP)
        self.assertEqual(set(self.notify.next()), {"RELOADING", "MONOTONIC_USEC"})
        self.assertEqual(self.notify.next(),
                         {"READY": "1", "STATUS": "generation 2, 1 connection, last reload failed"})
        h.echo_roundtrip(self, c)  # still serving
        self.notify.expect_nothing()

        host.send_signal(signal.SIGTERM)
        self.assertEqual(self.notify.next(), {"STOPPING": "1", "STATUS": "draining 1 connection"})
        self.assertEqual(c.expect_close()[0], 1001)
        c.close()
        self.assertEqual(host.wait(), 0)
        host.check_clean_exit()
        self.notify.expect_nothing()
        host.cleanup_dir()

    def test_back_to_back_reloads_alternate(self):
        # Signals during a reload are merged into one more attempt: 1 to 3
        # attempts for 3 SIGHUPs, and each RELOADING=1 gets its READY=1 before
        # the next one begins.
        host = self.start()
        self.assertEqual(self.notify.next()["READY"], "1")
        for _ in range(3):
            host.send_signal(signal.SIGHUP)
        h.wait_for_log(host, r"reload generation=2 ok")
        host.stop()  # STOPPING=1 is the last message
        kinds = []
        while True:
            msg = self.notify.next()
            if "STOPPING" in msg:
                break
            kinds += [k for k in ("RELOADING", "READY") if k in msg]
        host.check_clean_exit()
        if kinds[-1:] == ["RELOADING"]:
            kinds.pop()  # an attempt the stop cut short: its swap never runs, no READY, no log line
        attempts = len(re.findall(r"reload generation=\d+ (?:ok|failed)", host.log_text()))
        self.assertTrue(1 <= attempts <= 3, attempts)
        self.assertEqual(kinds, ["RELOADING", "READY"] * attempts)
        host.cleanup_dir()

    def test_abstract_socket_name(self):
        host = self.start(abstract=True)
        self.assertEqual(self.notify.next(), {"READY": "1", "STATUS": "generation 1, 0 connections"})
        host.stop()
        self.assertEqual(self.notify.next(), {"STOPPING": "1", "STATUS": "draining 0 connections"})
        host.check_clean_exit()
        host.cleanup_dir()

    def test_no_notify_socket_no_messages(self):
        # Without NOTIFY_SOCKET nothing is sent and nothing is logged about it.
        host = h.Host(h.config_text(plugins=("echo",)), name="no-notify").start()
        host.stop()
        host.check_clean_exit()
        self.assertNotIn("notify", host.log_text().lower())
        host.cleanup_dir()


if __name__ == "__main__":
    h.main()

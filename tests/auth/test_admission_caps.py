"""Connection caps and trusted proxies (DESIGN §2): past `[websocket]
max_connections` or `max_connections_per_ip` the handshake gets HTTP 503 with
`Retry-After`, the server keeps serving the others, and a slot freed by a close
admits a new client. Behind trusted proxies the per-IP count (and the logged
address, and the peer plugins see) is the right-most X-Forwarded-For entry that
is not a trusted proxy; from an untrusted peer X-Forwarded-For is ignored.
"""

import time

import authlib
from authlib import (AuthClient, HostCase, auth_config, bound_socket, connect_admitted,
                     expect_rejected, expect_status, handshake, log_size, poll,
                     rejection_reason, wait_for_log)


def assert_busy(test, port, **kw):
    headers, _ = expect_status(test, port, 503, **kw)
    test.assertIn("retry-after", headers, "503 without Retry-After: %r" % (headers,))
    test.assertRegex(headers["retry-after"].strip(), r"^\d+$")
    return headers


def admitted_after_release(test, port, timeout=20.0, **kw):
    """Retries the handshake until a freed slot admits it (the server learns of
    the close asynchronously). Returns (client, whoami)."""
    result = {}

    def attempt():
        status, headers, client = handshake(port, **kw)
        if status == 101:
            result["client"] = client
            return True
        test.assertEqual(status, 503, "unexpected status while waiting for a slot: %r" % headers)
        return False

    poll(attempt, timeout, "a freed connection slot")
    c = result["client"]
    return c, c.whoami()


class TotalCap(HostCase):
    @classmethod
    def config(cls):
        return auth_config(auth=['authenticator = "none"'],
                           websocket_lines=["max_connections = 2", "max_connections_per_ip = 0"])

    def test_total_cap(self):
        c1, _ = connect_admitted(self, self.port)
        c2, _ = connect_admitted(self, self.port)
        try:
            for _ in range(3):
                assert_busy(self, self.port)
            # The others are still served.
            self.assertEqual(c1.whoami("still-1")["user"], "")
            self.assertEqual(c2.whoami("still-2")["user"], "")
            c1.close()
            c3, _ = admitted_after_release(self, self.port)
            try:
                assert_busy(self, self.port)
                self.assertEqual(c2.whoami("still-2b")["user"], "")
                self.assertEqual(c3.whoami("new-3")["user"], "")
            finally:
                c3.close()
        finally:
            c2.close()
        # Refused handshakes took no slot: two fit again.
        a, _ = admitted_after_release(self, self.port)
        b, _ = admitted_after_release(self, self.port)
        try:
            assert_busy(self, self.port)
        finally:
            a.close()
            b.close()

    def test_abrupt_disconnect_frees_the_slot(self):
        c1, _ = admitted_after_release(self, self.port)
        c2, _ = admitted_after_release(self, self.port)
        c1.abort()  # no close handshake
        c3, _ = admitted_after_release(self, self.port)
        c2.close()
        c3.close()


class PerIpCap(HostCase):
    @classmethod
    def config(cls):
        return auth_config(auth=['authenticator = "none"'],
                           websocket_lines=["max_connections = 100", "max_connections_per_ip = 1"])

    def test_per_ip_cap(self):
        c1, who = connect_admitted(self, self.port)
        self.assertEqual(who["peer"], "127.0.0.1")
        try:
            since = log_size(self.host)
            assert_busy(self, self.port)
            self.assertIn("127.0.0.1", self.log_since(since))
            self.assertEqual(c1.whoami("still")["user"], "")
            # Another address is counted on its own.
            sock = bound_socket("127.0.0.2", self.port)
            if sock is None:
                self.skipTest("cannot bind a client socket to 127.0.0.2")
            other = AuthClient(self.port, sock=sock)
            try:
                self.assertEqual(other.whoami()["peer"], "127.0.0.2")
                sock2 = bound_socket("127.0.0.2", self.port)
                assert_busy(self, self.port, sock=sock2)
            finally:
                other.close()
        finally:
            c1.close()
        c2, _ = admitted_after_release(self, self.port)
        c2.close()


class TrustedProxy(HostCase):
    """127.0.0.1 is a trusted proxy; per-IP cap 1; authkit decides (its
    ak_auths shows the peer it was given; a reject logs the address)."""

    @classmethod
    def config(cls):
        return auth_config(plugins=("authkit",),
                           auth=['authenticator = "plugin:authkit"', "allow_anonymous = false"],
                           websocket_lines=["max_connections = 100", "max_connections_per_ip = 1",
                                            'trusted_proxies = ["127.0.0.1", "10.0.0.1"]'])

    def connect(self, xff=None, verdict="accept:u", **kw):
        header = ["x-test-verdict: " + verdict]
        if xff is not None:
            header.append("X-Forwarded-For: " + xff)
        return handshake(self.port, header=header, **kw)

    def test_forwarded_addresses_counted_separately(self):
        s1, h1, a = self.connect("10.1.2.3, 10.9.9.9", "accept:a")
        s2, h2, b = self.connect("10.1.2.3, 10.9.9.8", "accept:b")
        clients = [x for x in (a, b) if x]
        try:
            self.assertEqual((s1, s2), (101, 101), "%r %r" % (h1, h2))
            self.assertEqual(a.whoami()["peer"], "10.9.9.9")
            self.assertEqual(b.whoami()["peer"], "10.9.9.8")
            # Same right-most untrusted address as `a` -> over the per-IP cap.
            since = log_size(self.host)
            assert_busy(self, self.port, header=["x-test-verdict: accept:c",
                                                 "X-Forwarded-For: 10.7.7.7, 10.9.9.9"])
            self.assertIn("10.9.9.9", self.log_since(since))
            # Trusted hops are skipped from the right.
            s3, _h, c = self.connect("10.5.5.5, 10.0.0.1, 127.0.0.1", "accept:c")
            if c:
                clients.append(c)
            self.assertEqual(s3, 101)
            self.assertEqual(c.whoami()["peer"], "10.5.5.5")
            # No X-Forwarded-For: the real peer.
            s4, _h, d = self.connect(None, "accept:d")
            if d:
                clients.append(d)
            self.assertEqual(s4, 101)
            self.assertEqual(d.whoami()["peer"], "127.0.0.1")
            assert_busy(self, self.port, header=["x-test-verdict: accept:e"])
            # The others keep being served.
            self.assertEqual(a.whoami("again")["user"], "a")
        finally:
            for x in clients:
                x.close()

    def test_authenticator_and_log_see_the_forwarded_address(self):
        since = log_size(self.host)
        expect_rejected(self, self.port, header=["x-test-verdict: reject",
                                                 "X-Forwarded-For: 192.0.2.1, 198.51.100.7"])
        _conn, addr, reason = rejection_reason(self.host, since)
        self.assertEqual(addr, "198.51.100.7")
        c, who = admitted_after_release(self, self.port, header=["x-test-verdict: accept:obs",
                                                                  "X-Forwarded-For: 203.0.113.9"])
        try:
            auths = c.request({"action": "ak_auths"})["payload"]["auths"]
        finally:
            c.close()
        peers = [a["peer"] for a in auths if a["verdict"] == "reject"]
        self.assertIn("198.51.100.7", peers)
        self.assertEqual(who["peer"], "203.0.113.9")

    def test_rejected_client_releases_its_slot(self):
        # Same forwarded address three times in a row: each rejected client
        # must give its per-IP slot back.
        for i in range(3):
            with self.subTest(i=i):
                status, headers, c = None, None, None

                def attempt():
                    nonlocal status, headers, c
                    status, headers, c = self.connect("10.44.44.44", "reject")
                    return status == 101

                poll(attempt, 20.0, "a slot for 10.44.44.44")
                code, reason = c.expect_close()
                c.abort()
                self.assertEqual((code, reason), (1008, "authentication_failed"))
        c, who = admitted_after_release(self, self.port, header=["x-test-verdict: accept:z",
                                                                  "X-Forwarded-For: 10.44.44.44"])
        self.assertEqual(who["user"], "z")
        c.close()


class UntrustedPeer(HostCase):
    """trusted_proxies does not list our peer (127.0.0.1): X-Forwarded-For is
    ignored; the cap counts the real peer."""

    @classmethod
    def config(cls):
        return auth_config(plugins=("authkit",),
                           auth=['authenticator = "plugin:authkit"', "allow_anonymous = false"],
                           websocket_lines=["max_connections_per_ip = 1",
                                            'trusted_proxies = ["10.0.0.1"]'])

    def test_forwarded_for_ignored(self):
        s1, h1, a = handshake(self.port, header=["x-test-verdict: accept:a",
                                                 "X-Forwarded-For: 10.1.2.3, 10.9.9.9"])
        self.assertEqual(s1, 101, h1)
        try:
            self.assertEqual(a.whoami()["peer"], "127.0.0.1")
            assert_busy(self, self.port, header=["x-test-verdict: accept:b",
                                                 "X-Forwarded-For: 10.1.2.3, 10.9.9.8"])
        finally:
            a.close()
        since = log_size(self.host)

        def attempt():
            s, _h, c = handshake(self.port, header=["x-test-verdict: reject",
                                                    "X-Forwarded-For: 10.9.9.7"])
            if s == 101:
                c.expect_close()
                c.abort()
                return True
            return False

        poll(attempt, 20.0, "the slot of the first client")
        _conn, addr, _reason = rejection_reason(self.host, since)
        self.assertEqual(addr, "127.0.0.1")

    def test_untrusted_source_address(self):
        # Trusted proxy list holds 127.0.0.1 on another host; here a peer
        # 127.0.0.2 is untrusted in any case.
        sock = bound_socket("127.0.0.2", self.port)
        if sock is None:
            self.skipTest("cannot bind a client socket to 127.0.0.2")
        c = AuthClient(self.port, sock=sock, header=["x-test-verdict: accept:q",
                                                     "X-Forwarded-For: 10.3.3.3"])
        try:
            self.assertEqual(c.whoami()["peer"], "127.0.0.2")
        finally:
            c.close()


class CapWithPendingAuthentication(HostCase):
    """A client waiting for its verdict holds a slot; the timeout frees it."""

    @classmethod
    def config(cls):
        return auth_config(plugins=("authkit",),
                           auth=['authenticator = "plugin:authkit"', "allow_anonymous = false",
                                 "timeout_ms = 2000"],
                           websocket_lines=["max_connections = 1"])

    def test_pending_holds_slot_until_timeout(self):
        s, h, pending = handshake(self.port, header=["x-test-verdict: never"])
        self.assertEqual(s, 101, h)
        try:
            assert_busy(self, self.port, header=["x-test-verdict: accept:x"])
            code, reason = pending.expect_close()
            self.assertEqual((code, reason), (1008, "authentication_failed"))
        finally:
            pending.abort()
        c, who = admitted_after_release(self, self.port, header=["x-test-verdict: accept:x"])
        self.assertEqual(who["user"], "x")
        c.close()


if __name__ == "__main__":
    authlib.main()

"""A plugin authenticator through the ABI (DESIGN §2, plugin.h "Authenticators"),
driven by the authkit fixture: x-test-verdict = accept:USER[:k=v,...] | reject |
anon | never | fail, x-test-delay-ms = N (verdict from a plugin thread after N
ms; 0 = inside the call).

Sync and async accept / reject / anonymous; frames sent before an async verdict
are processed in order after an accept (carrying the user) and never reach a
handler after a reject; the [auth] timeout_ms; an authenticator returning an
error; a verdict given after the client left or after the timeout returns
WSH_E_GONE (2).
"""

import json
import time
import unittest

import authlib
from authlib import (AuthClient, HostCase, auth_config, connect_admitted, expect_rejected,
                     handshake, log_size, poll, rejection_reason)

WSH_OK = 0
WSH_E_GONE = 2


def verdict(v, delay_ms=None):
    h = ["x-test-verdict: " + v]
    if delay_ms is not None:
        h.append("x-test-delay-ms: %d" % delay_ms)
    return {"header": h}


def authkit_config(allow_anonymous=False, timeout_ms=10000):
    return auth_config(plugins=("authkit",),
                       auth=['authenticator = "plugin:authkit"',
                             "allow_anonymous = " + ("true" if allow_anonymous else "false"),
                             "timeout_ms = %d" % timeout_ms])


class PluginAuthBase(HostCase):
    def observer(self):
        c, _ = connect_admitted(self, self.port, **verdict("accept:observer"))
        return c

    def auths(self):
        c = self.observer()
        try:
            return c.request({"action": "ak_auths"})["payload"]["auths"]
        finally:
            c.close()

    def calls(self):
        c = self.observer()
        try:
            return c.request({"action": "ak_calls"})["payload"]["calls"]
        finally:
            c.close()

    def auth_record(self, verdict_text):
        recs = [a for a in self.auths() if a["verdict"] == verdict_text]
        self.assertEqual(len(recs), 1, "records for %r: %r" % (verdict_text, recs))
        return recs[0]

    def wait_rc(self, verdict_text, timeout=20.0):
        def done():
            recs = [a for a in self.auths() if a["verdict"] == verdict_text]
            return recs and recs[0]["rc"] is not None and recs[0]

        return poll(done, timeout, "the verdict %r to be given" % verdict_text)["rc"]

    def reject_reason(self, **kw):
        since = log_size(self.host)
        expect_rejected(self, self.port, **kw)
        return rejection_reason(self.host, since)[2]


class PluginAuth(PluginAuthBase):
    @classmethod
    def config(cls):
        return authkit_config(allow_anonymous=False)

    # -- synchronous --
    def test_sync_accept_with_tags(self):
        c, who = connect_admitted(self, self.port, **verdict("accept:alice:role=admin,team=red", 0))
        try:
            self.assertEqual(who["user"], "alice")
            self.assertEqual(who["tags"], {"role": "admin", "team": "red"})
            events = c.events(conn=who["conn"])
        finally:
            c.close()
        self.assertEqual(events, [{"conn": who["conn"], "user": "alice",
                                   "tags": {"role": "admin", "team": "red"}}])
        self.assertEqual(self.auth_record("accept:alice:role=admin,team=red")["rc"], WSH_OK)

    def test_authenticator_sees_the_request(self):
        c, who = connect_admitted(self, self.port, path="/?a=1&b=x%20y",
                                  origin="https://seen.example", **verdict("accept:seen"))
        c.close()
        rec = self.auth_record("accept:seen")
        self.assertEqual(rec["conn"], who["conn"])
        self.assertEqual(rec["peer"], "127.0.0.1")
        self.assertEqual(rec["origin"], "https://seen.example")
        self.assertEqual(rec["path"], "/")
        self.assertEqual(rec["query"], "a=1&b=x y")

    def test_sync_reject(self):
        reason = self.reject_reason(**verdict("reject", 0))
        self.assertIn("authkit verdict: reject", reason)

    def test_unknown_verdict_rejects(self):
        self.reject_reason(**verdict("bogus"))

    def test_sync_anon_refused_without_allow_anonymous(self):
        reason = self.reject_reason(**verdict("anon", 0))
        self.assertIn("allow_anonymous", reason)

    def test_no_verdict_header_is_anonymous_and_refused(self):
        self.reject_reason()

    def test_fail_status_rejects(self):
        reason = self.reject_reason(**verdict("fail"))
        self.assertRegex(reason, r"status 7\b")

    def test_sync_reject_frames_never_reach_a_handler(self):
        c = AuthClient(self.port, **verdict("reject"))
        try:
            for i in range(5):
                try:
                    c.send_text(json.dumps({"action": "ak_record", "payload": {"mark": "sync-rej-%d" % i}}))
                except OSError:
                    break
            self.assertEqual(c.expect_close(), (1008, "authentication_failed"))
        finally:
            c.abort()
        self.assertEqual([m for m in self.calls() if m.startswith("sync-rej-")], [])

    # -- asynchronous --
    def test_async_accept_processes_early_frames_in_order(self):
        t0 = time.monotonic()
        c = AuthClient(self.port, **verdict("accept:bob:via=async", 300))
        try:
            frames = []
            for i in range(5):
                frames.append({"action": "ak_whoami", "requestId": "r%d" % i})
                frames.append({"action": "ak_record", "payload": {"mark": "async-acc-%d" % i},
                               "requestId": "m%d" % i})
            for f in frames:
                c.send_text(json.dumps(f))
            replies = [c.recv_json(timeout=20)[1] for _ in frames]
            elapsed = time.monotonic() - t0
        finally:
            c.close()
        self.assertEqual([r.get("requestId") for r in replies], [f["requestId"] for f in frames])
        for r in replies:
            self.assertEqual(r["status"], "success", r)
        whos = [r["payload"] for r in replies if r["requestId"].startswith("r")]
        self.assertEqual([w["user"] for w in whos], ["bob"] * 5)
        self.assertEqual(whos[0]["tags"], {"via": "async"})
        self.assertGreaterEqual(elapsed, 0.25, "answered before the 300 ms verdict")
        marks = [m for m in self.calls() if m.startswith("async-acc-")]
        self.assertEqual(marks, ["async-acc-%d" % i for i in range(5)])
        self.assertEqual(self.auth_record("accept:bob:via=async")["rc"], WSH_OK)

    def test_async_reject_drops_early_frames(self):
        c = AuthClient(self.port, **verdict("reject", 300))
        try:
            for i in range(5):
                c.send_text(json.dumps({"action": "ak_record", "payload": {"mark": "async-rej-%d" % i},
                                        "requestId": "x%d" % i}))
            self.assertEqual(c.expect_close(timeout=20), (1008, "authentication_failed"))
        finally:
            c.abort()
        self.assertEqual([m for m in self.calls() if m.startswith("async-rej-")], [])

    def test_async_anon_refused_without_allow_anonymous(self):
        reason = self.reject_reason(**verdict("anon", 100))
        self.assertIn("allow_anonymous", reason)

    def test_verdict_after_client_left_does_no_harm(self):
        c = AuthClient(self.port, **verdict("accept:ghost-harmless", 300))
        c.abort()  # leaves before the verdict
        self.wait_rc("accept:ghost-harmless")
        # The server still works.
        c, who = connect_admitted(self, self.port, **verdict("accept:after-ghost"))
        c.close()
        self.assertEqual(who["user"], "after-ghost")

    # While a verdict is pending the host keeps reading, so a client that
    # leaves is noticed at once: the late verdict finds nothing (WSH_E_GONE),
    # no authenticated hook fires, and its cap slot is free again.
    def test_verdict_after_client_left_is_gone(self):
        c = AuthClient(self.port, **verdict("accept:ghost-left", 1500))
        try:
            c.ws.close(timeout=0.2)  # close frame, then FIN
        except Exception:
            pass
        c.abort()
        self.assertEqual(self.wait_rc("accept:ghost-left"), WSH_E_GONE)
        obs = self.observer()
        try:
            users = [e["user"] for e in obs.events()]
        finally:
            obs.close()
        self.assertNotIn("ghost-left", users, "authenticated hook fired for a client that left")

    def test_many_concurrent_async_verdicts(self):
        clients = []
        try:
            for i in range(10):
                v = ("accept:multi-%d" % i) if i % 2 == 0 else "reject"
                clients.append((i, AuthClient(self.port, **verdict(v, 50 + 20 * (9 - i)))))
            for i, c in clients:
                if i % 2 == 0:
                    self.assertEqual(c.whoami()["user"], "multi-%d" % i)
                else:
                    self.assertEqual(c.expect_close(timeout=20), (1008, "authentication_failed"))
        finally:
            for _i, c in clients:
                c.abort()


class PluginAuthTimeout(PluginAuthBase):
    @classmethod
    def config(cls):
        return authkit_config(allow_anonymous=True, timeout_ms=300)

    def test_never_times_out_with_1008(self):
        since = log_size(self.host)
        t0 = time.monotonic()
        c = AuthClient(self.port, **verdict("never"))
        try:
            for i in range(3):
                try:
                    c.send_text(json.dumps({"action": "ak_record", "payload": {"mark": "never-%d" % i}}))
                except OSError:
                    break  # already closed (slow machine): nothing to deliver anyway
            self.assertEqual(c.expect_close(timeout=20), (1008, "authentication_failed"))
        finally:
            c.abort()
        elapsed = time.monotonic() - t0
        self.assertGreaterEqual(elapsed, 0.25)
        reason = rejection_reason(self.host, since)[2]
        self.assertIn("timeout_ms", reason)
        self.assertEqual([m for m in self.calls() if m.startswith("never-")], [])

    def test_verdict_after_timeout_is_gone(self):
        c = AuthClient(self.port, **verdict("accept:too-late", 900))
        try:
            self.assertEqual(c.expect_close(timeout=20), (1008, "authentication_failed"))
        finally:
            c.abort()
        self.assertEqual(self.wait_rc("accept:too-late"), WSH_E_GONE)

    def test_fast_async_verdict_within_timeout(self):
        c, who = connect_admitted(self, self.port, **verdict("accept:quick", 50))
        c.close()
        self.assertEqual(who["user"], "quick")


class PluginAuthAnonymous(PluginAuthBase):
    @classmethod
    def config(cls):
        return authkit_config(allow_anonymous=True)

    def test_anon_admitted_without_user(self):
        for delay in (0, 100):
            with self.subTest(delay=delay):
                c, who = connect_admitted(self, self.port, **verdict("anon", delay))
                try:
                    events = c.events(conn=who["conn"])
                finally:
                    c.close()
                self.assertEqual(who["user"], "")
                self.assertEqual(events, [{"conn": who["conn"], "user": "", "tags": {}}])

    def test_reject_still_rejected(self):
        self.reject_reason(**verdict("reject"))
        self.reject_reason(**verdict("reject", 100))
        self.reject_reason(**verdict("fail"))


class PluginAuthAcrossReload(PluginAuthBase):
    """A verdict pending in the old plugin generation when SIGHUP swaps in a
    new one still lands (the pending decision keeps the old generation loaded;
    its fini joins the verdict thread later), frames sent meanwhile are
    answered in order, and new clients meet the new generation."""

    @classmethod
    def config(cls):
        return authkit_config(allow_anonymous=False)

    def test_pending_verdict_survives_reload(self):
        import signal
        c = AuthClient(self.port, **verdict("accept:across-reload", 1500))
        try:
            for i in range(3):
                c.send_text(json.dumps({"action": "ak_whoami", "requestId": "p%d" % i}))
            since = log_size(self.host)
            self.host.send_signal(signal.SIGHUP)
            text = authlib.wait_for_log(self.host, r"reload generation=\d+ (ok|failed)", since=since)
            self.assertRegex(text, r"reload generation=\d+ ok")
            replies = [c.recv_json(timeout=20)[1] for _ in range(3)]
            self.assertEqual([r["requestId"] for r in replies], ["p0", "p1", "p2"])
            self.assertEqual([r["payload"]["user"] for r in replies], ["across-reload"] * 3)
        finally:
            c.close()
        # The new generation's authenticator decides for new clients (its own
        # records start empty).
        obs, who = connect_admitted(self, self.port, **verdict("accept:new-gen"))
        try:
            auths = obs.request({"action": "ak_auths"})["payload"]["auths"]
        finally:
            obs.close()
        self.assertEqual(who["user"], "new-gen")
        self.assertNotIn("accept:across-reload", [a["verdict"] for a in auths])


if __name__ == "__main__":
    authlib.main()

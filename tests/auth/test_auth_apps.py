"""The example authenticator plugin auth-apps (plugins/auth-apps): key/secret
"applications" in X-App-Key / X-App-Secret headers, or ?key=&secret= only when
query_credentials = true. Accepted clients are user "app:<key>" with the
server-side tag application=<key>. Secrets never reach the log.

The `whoami` fixture (no authenticator) is loaded beside it to read the user,
tags and authenticated hook events.
"""

import json
import time

import authlib
from authlib import (AuthClient, HostCase, auth_config, connect_admitted, expect_rejected,
                     log_size, rejection_reason)

SECRET_A = "s3cret-analytics-7f3a9c"
SECRET_C = "s3cret-closed-b81e02"
WRONG = "wrong-secret-5d5d5d5d"


def apps_lines(query_credentials):
    return [
        "[plugin.config]",
        "query_credentials = " + ("true" if query_credentials else "false"),
        "[[plugin.config.applications]]",
        'key = "analytics"',
        "secret = " + authlib.toml_str(SECRET_A),
        "authorize_open = true",
        "[[plugin.config.applications]]",
        'key = "closed"',
        "secret = " + authlib.toml_str(SECRET_C),
        "authorize_open = false",
    ]


def apps_config(query_credentials, allow_anonymous):
    return auth_config(plugins=("whoami", "auth-apps"),
                       auth=['authenticator = "plugin:auth-apps"',
                             "allow_anonymous = " + ("true" if allow_anonymous else "false")],
                       plugin_extra={"auth-apps": apps_lines(query_credentials)})


def creds(key, secret):
    h = []
    if key is not None:
        h.append("X-App-Key: " + key)
    if secret is not None:
        h.append("X-App-Secret: " + secret)
    return {"header": h}


class AppsBase(HostCase):
    def reject_reason(self, **kw):
        since = log_size(self.host)
        expect_rejected(self, self.port, **kw)
        return rejection_reason(self.host, since)[2]

    def assert_secrets_not_logged(self):
        log = self.host.log_text()
        for s in (SECRET_A, SECRET_C, WRONG):
            self.assertNotIn(s, log)

    def assert_accepted_app(self, **kw):
        c, who = connect_admitted(self, self.port, **kw)
        try:
            events = c.events(conn=who["conn"])
        finally:
            c.close()
        self.assertEqual(who["user"], "app:analytics")
        self.assertEqual(who["tags"], {"application": "analytics"})
        self.assertEqual(events, [{"conn": who["conn"], "user": "app:analytics",
                                   "tags": {"application": "analytics"}}])


class AuthAppsHeaders(AppsBase):
    @classmethod
    def config(cls):
        return apps_config(query_credentials=False, allow_anonymous=False)

    @classmethod
    def tearDownClass(cls):
        log = cls.host.log_text() if cls.host else ""
        super().tearDownClass()
        for s in (SECRET_A, SECRET_C, WRONG):
            assert s not in log, "a secret appears in the host log"

    def test_key_and_secret_headers_accepted(self):
        self.assert_accepted_app(**creds("analytics", SECRET_A))

    def test_header_names_case_insensitive(self):
        self.assert_accepted_app(header=["x-app-key: analytics", "X-APP-SECRET: " + SECRET_A])

    def test_wrong_secret(self):
        self.assertIn("wrong secret", self.reject_reason(**creds("analytics", WRONG)))
        self.reject_reason(**creds("analytics", SECRET_C))      # another app's secret
        self.reject_reason(**creds("analytics", SECRET_A[:-1]))  # prefix
        self.reject_reason(**creds("analytics", SECRET_A + "x"))
        self.assert_secrets_not_logged()

    def test_unknown_key(self):
        self.assertIn("unknown application key", self.reject_reason(**creds("nosuch", SECRET_A)))
        self.reject_reason(**creds("Analytics", SECRET_A))  # keys are case-sensitive

    def test_missing_half(self):
        self.reject_reason(**creds("analytics", None))
        self.reject_reason(**creds(None, SECRET_A))

    def test_authorize_open_false(self):
        self.assertIn("may not open connections", self.reject_reason(**creds("closed", SECRET_C)))

    def test_no_credentials_refused_without_anonymous(self):
        self.assertIn("allow_anonymous", self.reject_reason())

    def test_query_credentials_ignored_when_disabled(self):
        reason = self.reject_reason(path="/?key=analytics&secret=" + SECRET_A)
        self.assertIn("no credential", reason)
        self.assert_secrets_not_logged()

    def test_early_frames_in_order_after_async_accept(self):
        c = AuthClient(self.port, **creds("analytics", SECRET_A))
        try:
            for i in range(5):
                c.send_text(json.dumps({"action": "ak_whoami", "requestId": "r%d" % i}))
            replies = [c.recv_json(timeout=20)[1] for _ in range(5)]
        finally:
            c.close()
        self.assertEqual([r["requestId"] for r in replies], ["r%d" % i for i in range(5)])
        self.assertEqual([r["payload"]["user"] for r in replies], ["app:analytics"] * 5)

    def test_early_frames_dropped_after_async_reject(self):
        c = AuthClient(self.port, **creds("analytics", WRONG))
        try:
            for i in range(5):
                try:
                    c.send_text(json.dumps({"action": "ak_record", "payload": {"mark": "apps-rej-%d" % i}}))
                except OSError:
                    break
            self.assertEqual(c.expect_close(timeout=20), (1008, "authentication_failed"))
        finally:
            c.abort()
        ok, _ = connect_admitted(self, self.port, **creds("analytics", SECRET_A))
        try:
            calls = ok.request({"action": "ak_calls"})["payload"]["calls"]
        finally:
            ok.close()
        self.assertEqual([m for m in calls if m.startswith("apps-rej-")], [])


class AuthAppsQuery(AppsBase):
    @classmethod
    def config(cls):
        return apps_config(query_credentials=True, allow_anonymous=True)

    @classmethod
    def tearDownClass(cls):
        log = cls.host.log_text() if cls.host else ""
        super().tearDownClass()
        for s in (SECRET_A, SECRET_C, WRONG):
            assert s not in log, "a secret appears in the host log"

    def test_query_credentials_accepted(self):
        self.assert_accepted_app(path="/?key=analytics&secret=" + SECRET_A)
        self.assert_accepted_app(path="/?x=1&secret=%s&key=analytics" % SECRET_A)

    def test_query_wrong_secret(self):
        self.reject_reason(path="/?key=analytics&secret=" + WRONG)
        self.reject_reason(path="/?key=closed&secret=" + SECRET_C)
        self.assert_secrets_not_logged()

    def test_headers_still_work(self):
        self.assert_accepted_app(**creds("analytics", SECRET_A))

    def test_no_credentials_admitted_anonymously(self):
        c, who = connect_admitted(self, self.port)
        c.close()
        self.assertEqual(who["user"], "")
        self.assertEqual(who["tags"], {})

    def test_invalid_credentials_rejected_even_with_anonymous(self):
        self.reject_reason(**creds("analytics", WRONG))
        self.reject_reason(**creds("nosuch", "x"))
        self.reject_reason(**creds("closed", SECRET_C))


if __name__ == "__main__":
    authlib.main()

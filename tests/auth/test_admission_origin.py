"""Origin allow-list at the handshake (DESIGN §2): exact scheme://host[:port]
match, `*` only when written, a missing Origin follows allow_missing_origin; a
refused origin gets HTTP 403 before the upgrade.
"""

import authlib
from authlib import HostCase, auth_config, expect_status, log_size

ALLOWED = ["https://app.example.com", "http://localhost:8080"]


def origins_line(origins):
    return "origins = [%s]" % ", ".join(authlib.toml_str(o) for o in origins)


class OriginList(HostCase):
    @classmethod
    def config(cls):
        return auth_config(auth=['authenticator = "none"'],
                           websocket_lines=[origins_line(ALLOWED), "allow_missing_origin = false"])

    def admitted(self, origin):
        _headers, c = expect_status(self, self.port, 101, origin=origin)
        try:
            c.whoami()
        finally:
            c.close()

    def test_exact_matches_accepted(self):
        for origin in ALLOWED:
            with self.subTest(origin=origin):
                self.admitted(origin)

    def test_scheme_and_host_case_insensitive(self):
        self.admitted("HTTPS://APP.EXAMPLE.COM")
        self.admitted("http://LocalHost:8080")

    def test_refused_origins_get_403(self):
        refused = [
            "https://app.example.com:8443",       # other port
            "http://app.example.com",             # other scheme
            "wss://app.example.com",              # other scheme
            "https://app.example.com.evil.com",   # suffix trick
            "https://evil.com/https://app.example.com",
            "https://evilapp.example.com",        # prefix trick on the host
            "https://app.example.co",             # prefix of an allowed origin
            "https://sub.app.example.com",        # subdomain
            "https://app.example.com/",           # trailing slash
            "https://app.example.com/path",
            "http://localhost:80800",
            "http://localhost",                   # port missing
            "http://localhost:8081",
            "null",
            "*",
        ]
        for origin in refused:
            with self.subTest(origin=origin):
                since = log_size(self.host)
                expect_status(self, self.port, 403, origin=origin)
                self.assertIn("origin", self.log_since(since))

    def test_missing_origin_refused(self):
        expect_status(self, self.port, 403)  # suppress_origin: no Origin header

    def test_server_keeps_serving(self):
        _h, c = expect_status(self, self.port, 101, origin=ALLOWED[0])
        try:
            for origin in ("https://evil.com", "http://app.example.com"):
                expect_status(self, self.port, 403, origin=origin)
            self.assertEqual(c.whoami()["user"], "")
        finally:
            c.close()


class OriginListMissingAllowed(HostCase):
    @classmethod
    def config(cls):
        return auth_config(auth=['authenticator = "none"'],
                           websocket_lines=[origins_line(ALLOWED), "allow_missing_origin = true"])

    def test_missing_origin_accepted(self):
        _h, c = expect_status(self, self.port, 101)
        c.whoami()
        c.close()

    def test_wrong_origin_still_refused(self):
        expect_status(self, self.port, 403, origin="https://app.example.com.evil.com")

    def test_listed_origin_accepted(self):
        _h, c = expect_status(self, self.port, 101, origin=ALLOWED[0])
        c.close()


class Wildcard(HostCase):
    """`*` written: any Origin is accepted; a missing one still follows
    allow_missing_origin."""

    @classmethod
    def config(cls):
        return auth_config(auth=['authenticator = "none"'],
                           websocket_lines=['origins = ["*"]', "allow_missing_origin = false"])

    def test_any_origin(self):
        for origin in ("https://anything.example", "http://127.0.0.1:1", "null"):
            with self.subTest(origin=origin):
                _h, c = expect_status(self, self.port, 101, origin=origin)
                c.close()

    def test_missing_origin_refused(self):
        expect_status(self, self.port, 403)


class OriginBeforeAuthentication(HostCase):
    """The origin check happens at the handshake, before the authenticator: a
    valid token from a refused origin still gets 403."""

    @classmethod
    def config(cls):
        return authlib.jwt_config([("k1", "origin-secret-0123456789abcdef!!")],
                                  websocket_lines=[origins_line(ALLOWED),
                                                   "allow_missing_origin = false"])

    def test_valid_token_refused_origin(self):
        token = authlib.mint("origin-secret-0123456789abcdef!!", "olga", kid="k1")
        expect_status(self, self.port, 403, origin="https://evil.com",
                      header=["Authorization: Bearer " + token])
        _h, c = expect_status(self, self.port, 101, origin=ALLOWED[0],
                              header=["Authorization: Bearer " + token])
        try:
            self.assertEqual(c.whoami()["user"], "olga")
        finally:
            c.close()


if __name__ == "__main__":
    authlib.main()

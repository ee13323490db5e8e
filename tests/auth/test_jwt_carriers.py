"""JWT carriers (DESIGN §2): `Authorization: Bearer`, the cookie ([auth.jwt]
cookie, default "wshost_token"), the query parameter ([auth.jwt] query_param,
default "token"), their order, custom names, and disabled carriers.

The first carrier that holds a token decides: a valid header wins over an
invalid cookie, and a present-but-invalid token in an earlier carrier is not
rescued by a valid one in a later carrier (it is rejected).
"""

import unittest

import authlib
from authlib import AuthClient, HostCase, connect_admitted, expect_rejected, jwt_config, mint

S1 = "carrier-secret-1-0123456789abcdef"
KEYS = [("k1", S1)]


def bearer(token, scheme="Bearer"):
    return ["Authorization: %s %s" % (scheme, token)]


class DefaultCarriers(HostCase):
    @classmethod
    def config(cls):
        return jwt_config(KEYS, allow_anonymous=False)

    def setUp(self):
        self.alice = mint(S1, "alice", kid="k1")
        self.bob = mint(S1, "bob", kid="k1")
        self.carol = mint(S1, "carol")  # no kid: tried against every key
        self.bad = mint("not-the-secret", "mallory", kid="k1")

    def user_of(self, **kw):
        c, who = connect_admitted(self, self.port, **kw)
        c.close()
        return who["user"]

    # -- each carrier alone --
    def test_bearer_header(self):
        self.assertEqual(self.user_of(header=bearer(self.alice)), "alice")
        self.assertEqual(self.user_of(header=bearer(self.carol)), "carol")

    def test_bearer_scheme_is_case_insensitive(self):
        self.assertEqual(self.user_of(header=bearer(self.alice, "bearer")), "alice")
        self.assertEqual(self.user_of(header=bearer(self.alice, "BEARER")), "alice")

    def test_cookie_alone(self):
        self.assertEqual(self.user_of(cookie="wshost_token=" + self.alice), "alice")

    def test_cookie_among_other_cookies(self):
        for cookie in ("theme=dark; wshost_token=%s; lang=fr",
                       "theme=dark;wshost_token=%s",
                       "wshost_token=%s; a=b; c=d",
                       "x_wshost_token=zzz; wshost_token=%s; wshost_token_old=zzz"):
            with self.subTest(cookie=cookie):
                self.assertEqual(self.user_of(cookie=cookie % self.bob), "bob")

    def test_cookie_name_must_match_exactly(self):
        for cookie in ("xwshost_token=%s", "wshost_token_old=%s", "Wshost_Token=%s",
                       "other=wshost_token=%s"):
            with self.subTest(cookie=cookie):
                expect_rejected(self, self.port, cookie=cookie % self.bob)

    def test_query_param(self):
        self.assertEqual(self.user_of(path="/?token=" + self.alice), "alice")
        self.assertEqual(self.user_of(path="/?a=1&token=%s&b=2" % self.bob), "bob")
        self.assertEqual(self.user_of(path="/?a=1&token=" + self.carol), "carol")

    def test_query_param_name_must_match_exactly(self):
        for path in ("/?mytoken=%s", "/?token_x=%s", "/?tokens=%s", "/?x=token=%s"):
            with self.subTest(path=path):
                expect_rejected(self, self.port, path=path % self.alice)

    def test_no_carrier_is_rejected(self):
        expect_rejected(self, self.port)
        expect_rejected(self, self.port, cookie="theme=dark")
        expect_rejected(self, self.port, path="/?a=1")

    # -- order --
    def test_valid_header_wins_over_invalid_cookie(self):
        self.assertEqual(self.user_of(header=bearer(self.alice), cookie="wshost_token=" + self.bad),
                         "alice")
        self.assertEqual(self.user_of(header=bearer(self.alice), cookie="wshost_token=garbage"),
                         "alice")

    def test_valid_header_wins_over_invalid_query(self):
        self.assertEqual(self.user_of(header=bearer(self.alice), path="/?token=" + self.bad), "alice")

    def test_header_wins_over_valid_cookie_and_query(self):
        self.assertEqual(self.user_of(header=bearer(self.alice), cookie="wshost_token=" + self.bob,
                                      path="/?token=" + self.carol), "alice")

    def test_valid_cookie_wins_over_invalid_query(self):
        self.assertEqual(self.user_of(cookie="wshost_token=" + self.bob, path="/?token=" + self.bad),
                         "bob")

    def test_cookie_wins_over_valid_query(self):
        self.assertEqual(self.user_of(cookie="wshost_token=" + self.bob, path="/?token=" + self.carol),
                         "bob")

    def test_invalid_header_is_not_rescued_by_a_later_carrier(self):
        expect_rejected(self, self.port, header=bearer(self.bad), cookie="wshost_token=" + self.alice)
        expect_rejected(self, self.port, header=bearer(self.bad), path="/?token=" + self.alice)

    def test_invalid_cookie_is_not_rescued_by_the_query(self):
        expect_rejected(self, self.port, cookie="wshost_token=" + self.bad, path="/?token=" + self.alice)

    def test_non_bearer_authorization_is_not_a_carrier(self):
        # "Basic ..." is not a JWT carrier: the cookie is looked at next.
        self.assertEqual(self.user_of(header=["Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l"],
                                      cookie="wshost_token=" + self.bob), "bob")
        expect_rejected(self, self.port, header=["Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l"])


class CustomCarrierNames(HostCase):
    @classmethod
    def config(cls):
        return jwt_config(KEYS, jwt_lines=['cookie = "sess"', 'query_param = "jwt"'])

    def test_custom_cookie_name(self):
        t = mint(S1, "dave", kid="k1")
        c, who = connect_admitted(self, self.port, cookie="a=1; sess=" + t)
        c.close()
        self.assertEqual(who["user"], "dave")
        expect_rejected(self, self.port, cookie="wshost_token=" + t)

    def test_custom_query_name(self):
        t = mint(S1, "erin", kid="k1")
        c, who = connect_admitted(self, self.port, path="/?x=y&jwt=" + t)
        c.close()
        self.assertEqual(who["user"], "erin")
        expect_rejected(self, self.port, path="/?token=" + t)


class DisabledCarriers(HostCase):
    """cookie = "" and query_param = "": only the header is looked at."""

    @classmethod
    def config(cls):
        return jwt_config(KEYS, jwt_lines=['cookie = ""', 'query_param = ""'])

    def test_header_still_works(self):
        c, who = connect_admitted(self, self.port, header=bearer(mint(S1, "frank", kid="k1")))
        c.close()
        self.assertEqual(who["user"], "frank")

    def test_cookie_carrier_disabled(self):
        t = mint(S1, "frank", kid="k1")
        for cookie in ("wshost_token=" + t, "=" + t, "a=1; =" + t):
            with self.subTest(cookie=cookie):
                expect_rejected(self, self.port, cookie=cookie)

    def test_query_carrier_disabled(self):
        t = mint(S1, "frank", kid="k1")
        for path in ("/?token=" + t, "/?=" + t, "/?a=1&=" + t):
            with self.subTest(path=path):
                expect_rejected(self, self.port, path=path)


class DisabledCarriersAnonymous(HostCase):
    """With allow_anonymous = true, a token in a disabled carrier is no credential
    at all: the client is admitted anonymously (not as the token's user)."""

    @classmethod
    def config(cls):
        return jwt_config(KEYS, allow_anonymous=True, jwt_lines=['cookie = ""', 'query_param = ""'])

    def test_disabled_carriers_are_ignored(self):
        t = mint(S1, "grace", kid="k1")
        for kw in ({"cookie": "wshost_token=" + t}, {"path": "/?token=" + t}):
            with self.subTest(**kw):
                c, who = connect_admitted(self, self.port, **kw)
                c.close()
                self.assertEqual(who["user"], "", "a disabled carrier must not authenticate")


def big_token(secret, sub, bad_signature=False):
    """A token of about 5.7 KB (20 tags of 200 bytes): under the host's
    kMaxTokenBytes (8192) and max_http_header_data (8192)."""
    token = mint(secret, sub, kid="k1", tags={"k%02d" % i: "v" * 200 for i in range(20)})
    assert 5000 < len(token) < 6500, len(token)
    if bad_signature:
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBA")
    return token


class LongTokens(HostCase):
    """Tokens of ~5.7 KB in every carrier, with allow_anonymous = true (where a
    dropped credential would show up as an anonymous admission)."""

    @classmethod
    def config(cls):
        return jwt_config(KEYS, allow_anonymous=True)

    def user_of(self, **kw):
        c, who = connect_admitted(self, self.port, **kw)
        c.close()
        return who["user"]

    def test_long_token_in_header_and_cookie(self):
        t = big_token(S1, "long-user")
        self.assertEqual(self.user_of(header=bearer(t)), "long-user")
        self.assertEqual(self.user_of(cookie="a=1; wshost_token=" + t), "long-user")

    def test_long_invalid_token_in_header_and_cookie_rejected(self):
        t = big_token(S1, "long-user", bad_signature=True)
        expect_rejected(self, self.port, header=bearer(t))
        expect_rejected(self, self.port, cookie="wshost_token=" + t)

    # A query argument longer than 4 KiB (a JWT with many tags) arrives whole:
    # once it was cut, and the token silently vanished (admitted anonymously).
    def test_long_token_in_query(self):
        self.assertEqual(self.user_of(path="/?token=" + big_token(S1, "long-user")), "long-user")

    def test_long_invalid_token_in_query_rejected(self):
        expect_rejected(self, self.port, path="/?token=" + big_token(S1, "x", bad_signature=True))


if __name__ == "__main__":
    authlib.main()

"""What an accepted JWT gives a connection (DESIGN §2): `sub` as the user id (a
JSON integer read as its decimal text), the `tags` claim as server-side tags
(visible in the WSH_HOOK_AUTHENTICATED event and in connection_info), key
rotation across a restart, and the anonymous rules.

The `whoami` fixture (tests/auth/authkit.c built without an authenticator)
answers ak_whoami (req->user_id) and ak_events (the authenticated hook events).
"""

import json
import time

import authlib
from authlib import (Host, HostCase, connect_admitted, expect_rejected, jwt_config, log_size,
                     mint, mint_raw, rejection_reason)

S1 = "identity-secret-1-0123456789abcdef"
S2 = "identity-secret-2-fedcba9876543210"


def bearer(token):
    return {"header": ["Authorization: Bearer " + token]}


def raw_token(secret, payload_text, kid="k1"):
    header = {"alg": "HS256", "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    return mint_raw(secret, json.dumps(header, separators=(",", ":")), payload_text)


class Identity(HostCase):
    @classmethod
    def config(cls):
        return jwt_config([("k1", S1)], allow_anonymous=False)

    def user_of(self, token):
        c, who = connect_admitted(self, self.port, **bearer(token))
        c.close()
        return who["user"]

    def test_sub_string(self):
        self.assertEqual(self.user_of(mint(S1, "user-42", kid="k1")), "user-42")

    def test_sub_number_is_its_decimal_text(self):
        exp = int(time.time()) + 3600
        for written, expected in (("42", "42"), ("0", "0"), ("-7", "-7"),
                                  ("12345678901234567890", "12345678901234567890"),
                                  ("9007199254740993", "9007199254740993")):
            with self.subTest(sub=written):
                token = raw_token(S1, '{"sub":%s,"exp":%d}' % (written, exp))
                self.assertEqual(self.user_of(token), expected)

    def test_sub_number_with_fraction_or_exponent_is_rejected(self):
        exp = int(time.time()) + 3600
        for written in ("1.5", "1e3", "42.0"):
            with self.subTest(sub=written):
                since = log_size(self.host)
                expect_rejected(self, self.port, **bearer(raw_token(S1, '{"sub":%s,"exp":%d}'
                                                                    % (written, exp))))
                self.assertRegex(rejection_reason(self.host, since)[2], r"^jwt bad_claims\b")

    def test_whoami_frames_carry_the_user(self):
        c, who = connect_admitted(self, self.port, **bearer(mint(S1, "henry", kid="k1")))
        try:
            for i in range(3):
                self.assertEqual(c.whoami("r%d" % i)["user"], "henry")
        finally:
            c.close()

    def test_tags_claim_becomes_server_side_tags(self):
        tags = {"team": "blue", "language": "FR", "tier": "gold plus"}
        c, who = connect_admitted(self, self.port, **bearer(mint(S1, "ivy", kid="k1", tags=tags)))
        try:
            self.assertEqual(who["user"], "ivy")
            self.assertEqual(who["tags"], tags)  # connection_info
            events = c.events(conn=who["conn"])
        finally:
            c.close()
        self.assertEqual(events, [{"conn": who["conn"], "user": "ivy", "tags": tags}])

    def test_no_tags_claim_no_tags(self):
        c, who = connect_admitted(self, self.port, **bearer(mint(S1, "jack", kid="k1")))
        try:
            events = c.events(conn=who["conn"])
        finally:
            c.close()
        self.assertEqual(who["tags"], {})
        self.assertEqual(events, [{"conn": who["conn"], "user": "jack", "tags": {}}])

    def test_bad_tags_claim_is_rejected(self):
        for tags in ({"a": 1}, ["a", "b"], "team=blue", {"a": ""}, {"": "x"}, {"a": {"b": "c"}}):
            with self.subTest(tags=tags):
                since = log_size(self.host)
                expect_rejected(self, self.port, **bearer(mint(S1, "kim", kid="k1", tags=tags)))
                self.assertRegex(rejection_reason(self.host, since)[2], r"^jwt (bad_claims|malformed)\b")

    def test_rejected_connections_fire_no_authenticated_hook(self):
        since_events = None
        c, who = connect_admitted(self, self.port, **bearer(mint(S1, "obs", kid="k1")))
        try:
            since_events = len(c.events())
            expect_rejected(self, self.port, **bearer(mint(S1, "x", kid="k1", exp_in=-3600)))
            expect_rejected(self, self.port)
            after = c.events()
        finally:
            c.close()
        self.assertEqual(after[since_events:], [], "a rejected client fired WSH_HOOK_AUTHENTICATED")


class Rotation(HostCase):
    """k1 and k2 configured: tokens for either are accepted; after a restart with
    only k2, k1's tokens (with or without kid) are refused."""

    @classmethod
    def config(cls):
        return jwt_config([("k1", S1), ("k2", S2)], allow_anonymous=False)

    def test_rotation_across_restart(self):
        t1_kid = mint(S1, "rot-k1", kid="k1")
        t1_nokid = mint(S1, "rot-k1-nokid")
        t2_kid = mint(S2, "rot-k2", kid="k2")
        t2_nokid = mint(S2, "rot-k2-nokid")
        t1_signed_as_k2 = mint(S1, "rot-mixed", kid="k2")
        for token, user in ((t1_kid, "rot-k1"), (t1_nokid, "rot-k1-nokid"), (t2_kid, "rot-k2"),
                            (t2_nokid, "rot-k2-nokid")):
            with self.subTest(phase="both keys", user=user):
                c, who = connect_admitted(self, self.port, **bearer(token))
                c.close()
                self.assertEqual(who["user"], user)
        with self.subTest(phase="both keys", case="k1 secret, kid k2"):
            since = log_size(self.host)
            expect_rejected(self, self.port, **bearer(t1_signed_as_k2))
            self.assertRegex(rejection_reason(self.host, since)[2], r"^jwt bad_signature\b")

        # Restart with only k2.
        with Host(jwt_config([("k2", S2)], allow_anonymous=False), name="rotation-k2") as h2:
            for token, pattern in ((t1_kid, r"^jwt unknown_kid\b"),
                                   (t1_nokid, r"^jwt bad_signature\b")):
                with self.subTest(phase="k2 only", pattern=pattern):
                    since = log_size(h2)
                    expect_rejected(self, h2.port, **bearer(token))
                    self.assertRegex(rejection_reason(h2, since)[2], pattern)
            for token, user in ((t2_kid, "rot-k2"), (t2_nokid, "rot-k2-nokid")):
                with self.subTest(phase="k2 only", user=user):
                    c, who = connect_admitted(self, h2.port, **bearer(token))
                    c.close()
                    self.assertEqual(who["user"], user)


class RotationByReload(HostCase):
    """The same rotation through SIGHUP (auth is reloadable): after the reload
    k1's tokens are refused for NEW connections, while a connection admitted
    with a k1 token before the reload stays open and keeps its user."""

    @classmethod
    def config(cls):
        return jwt_config([("k1", S1), ("k2", S2)], allow_anonymous=False)

    def test_rotation_by_reload(self):
        import signal
        t1 = mint(S1, "reload-k1", kid="k1")
        t2 = mint(S2, "reload-k2", kid="k2")
        old, who = connect_admitted(self, self.port, **bearer(t1))
        try:
            self.assertEqual(who["user"], "reload-k1")
            with open(self.host.config_path, "w") as f:
                f.write(authlib.wh.with_test_settings(jwt_config([("k2", S2)], allow_anonymous=False)))
            since = log_size(self.host)
            self.host.send_signal(signal.SIGHUP)
            text = authlib.wait_for_log(self.host, r"reload generation=\d+ (ok|failed)", since=since)
            self.assertRegex(text, r"reload generation=\d+ ok")
            since = log_size(self.host)
            expect_rejected(self, self.port, **bearer(t1))
            self.assertRegex(rejection_reason(self.host, since)[2], r"^jwt unknown_kid\b")
            c, who2 = connect_admitted(self, self.port, **bearer(t2))
            c.close()
            self.assertEqual(who2["user"], "reload-k2")
            self.assertEqual(old.whoami("after-reload")["user"], "reload-k1")
        finally:
            old.close()


class KeyWithoutKid(HostCase):
    """A key configured without kid: tokens without kid verify against it; a
    token naming a kid finds no key."""

    @classmethod
    def config(cls):
        return jwt_config([(None, S1)], allow_anonymous=False)

    def test_key_without_kid(self):
        c, who = connect_admitted(self, self.port, **bearer(mint(S1, "nokid")))
        c.close()
        self.assertEqual(who["user"], "nokid")
        since = log_size(self.host)
        expect_rejected(self, self.port, **bearer(mint(S1, "withkid", kid="k1")))
        self.assertRegex(rejection_reason(self.host, since)[2], r"^jwt unknown_kid\b")


class Anonymous(HostCase):
    """allow_anonymous = true: no credential -> admitted without a user id; a
    present but invalid credential (any carrier) -> still 1008."""

    @classmethod
    def config(cls):
        return jwt_config([("k1", S1)], allow_anonymous=True)

    def test_no_credential_admitted_anonymously(self):
        c, who = connect_admitted(self, self.port)
        try:
            self.assertEqual(who["user"], "")
            self.assertEqual(who["tags"], {})
            events = c.events(conn=who["conn"])
        finally:
            c.close()
        self.assertEqual(events, [{"conn": who["conn"], "user": "", "tags": {}}])

    def test_unrelated_cookie_and_query_are_no_credential(self):
        c, who = connect_admitted(self, self.port, cookie="theme=dark", path="/?a=1")
        c.close()
        self.assertEqual(who["user"], "")

    def test_valid_credential_still_authenticates(self):
        c, who = connect_admitted(self, self.port, cookie="wshost_token=" + mint(S1, "lee", kid="k1"))
        c.close()
        self.assertEqual(who["user"], "lee")

    def test_present_but_invalid_credential_is_rejected(self):
        bad_sig = mint("wrong-secret-wrong-secret-wrong!!", "x", kid="k1")
        expired = mint(S1, "x", kid="k1", exp_in=-3600)
        cases = [
            {"header": ["Authorization: Bearer " + bad_sig]},
            {"header": ["Authorization: Bearer garbage"]},
            {"cookie": "wshost_token=" + expired},
            {"path": "/?token=" + mint(S1, "x", kid="k9")},
            {"path": "/?token=not-a-jwt"},
        ]
        for kw in cases:
            with self.subTest(**{k: str(v)[:60] for k, v in kw.items()}):
                since = log_size(self.host)
                expect_rejected(self, self.port, **kw)
                self.assertRegex(rejection_reason(self.host, since)[2], r"^jwt ")


class AuthenticatorNone(HostCase):
    """authenticator = "none": every client is admitted anonymously and the
    authenticated hook still fires (user id empty)."""

    @classmethod
    def config(cls):
        return authlib.auth_config(auth=['authenticator = "none"'])

    def test_none_admits_without_user(self):
        # A token is not even looked at.
        c, who = connect_admitted(self, self.port,
                                  header=["Authorization: Bearer " + mint(S1, "ignored", kid="k1")])
        try:
            events = c.events(conn=who["conn"])
        finally:
            c.close()
        self.assertEqual(who["user"], "")
        self.assertEqual(events, [{"conn": who["conn"], "user": "", "tags": {}}])


class ServerTagsWinOverClientTags(HostCase):
    """[websocket] client_tags lets clients pick some tags with ?tags={...}; a
    tag the authenticator assigns (JWT `tags` claim) wins over the client's."""

    @classmethod
    def config(cls):
        return jwt_config([("k1", S1)], allow_anonymous=True,
                          websocket_lines=['client_tags = ["language", "team"]'])

    def test_precedence(self):
        import urllib.parse
        query = "/?tags=" + urllib.parse.quote(json.dumps({"language": "EN", "team": "x",
                                                            "role": "root"}))
        token = mint(S1, "tagged", kid="k1", tags={"language": "FR", "role": "admin"})
        c, who = connect_admitted(self, self.port, path=query, **bearer(token))
        try:
            events = c.events(conn=who["conn"])
        finally:
            c.close()
        expected = {"language": "FR", "role": "admin", "team": "x"}
        self.assertEqual(who["tags"], expected)
        self.assertEqual(events, [{"conn": who["conn"], "user": "tagged", "tags": expected}])
        c, who = connect_admitted(self, self.port, path=query)
        c.close()
        self.assertEqual(who["tags"], {"language": "EN", "team": "x"})


if __name__ == "__main__":
    authlib.main()

"""Every JWT failure kind (DESIGN §2, host/src/auth/jwt.h): the client always gets
close 1008 `authentication_failed` (after the upgrade), the host log says why
with a DISTINCT reason per kind in its "connection N from ADDR rejected: ..."
line, and the log never contains the token, its payload or its signature,
whatever the carrier (the query parameter included).

Runs twice: at [log] level "info" and at "debug" (which also lets
libwebsockets' notices through).
"""

import json
import re
import time

import authlib
from authlib import (HostCase, b64u, expect_rejected, jwt_config, log_size, mint, mint_raw,
                     rejection_reason)

S1 = "failure-secret-1-0123456789abcdef"
KEYS = [("k1", S1)]


def now():
    return int(time.time())


def failure_tokens():
    """kind -> (token, regex the log reason must match)."""
    hs = '{"alg":"HS256","typ":"JWT","kid":"k1"}'
    good_payload = json.dumps({"sub": "victim", "exp": now() + 3600}, separators=(",", ":"))
    valid = mint(S1, "victim", kid="k1")
    h, p, s = valid.split(".")
    return {
        "malformed_two_parts": (h + "." + p, r"^jwt malformed\b"),
        "malformed_padding": (h + "." + p + "." + s + "==", r"^jwt malformed\b"),
        "malformed_json": (mint_raw(S1, hs, '{"sub":"victim","exp":'), r"^jwt malformed\b"),
        "bad_signature": (mint("wrong-secret-wrong-secret-wrong!!", "victim", kid="k1"),
                          r"^jwt bad_signature\b"),
        "bad_signature_tampered": (h + "." + b64u(json.dumps(
            {"sub": "admin", "exp": now() + 3600}, separators=(",", ":"))) + "." + s,
            r"^jwt bad_signature\b"),
        "unknown_kid": (mint(S1, "victim", kid="k9"), r"^jwt unknown_kid\b"),
        "expired": (mint(S1, "victim", kid="k1", exp_in=-3600), r"^jwt expired\b"),
        "not_yet_valid": (mint(S1, "victim", kid="k1", nbf_in=3600), r"^jwt not_yet_valid\b"),
        "alg_none": (b64u('{"alg":"none","typ":"JWT"}') + "." + b64u(good_payload) + ".",
                     r"^jwt unsupported_alg\b"),
        "alg_none_signed": (mint_raw(S1, '{"alg":"none","typ":"JWT","kid":"k1"}', good_payload),
                            r"^jwt unsupported_alg\b"),
        "alg_rs256": (mint(S1, "victim", kid="k1", alg="RS256"), r"^jwt unsupported_alg\b"),
        "missing_exp": (mint(S1, "victim", kid="k1", no_exp=True), r"^jwt missing_exp\b"),
        "bad_claims": (mint(S1, {"id": 1}, kid="k1"), r"^jwt bad_claims\b"),
    }


# The kind each reason must name, to compare for distinctness.
KIND_OF = {
    "malformed_two_parts": "malformed", "malformed_padding": "malformed",
    "malformed_json": "malformed", "bad_signature": "bad_signature",
    "bad_signature_tampered": "bad_signature", "unknown_kid": "unknown_kid",
    "expired": "expired", "not_yet_valid": "not_yet_valid", "alg_none": "unsupported_alg",
    "alg_none_signed": "unsupported_alg", "alg_rs256": "unsupported_alg",
    "missing_exp": "missing_exp", "bad_claims": "bad_claims",
}

CARRIERS = {
    "header": lambda t: {"header": ["Authorization: Bearer " + t]},
    "cookie": lambda t: {"cookie": "theme=dark; wshost_token=%s; lang=fr" % t},
    "query": lambda t: {"path": "/?a=1&token=%s&b=2" % t},
}


class Failures(HostCase):
    LOG_LEVEL = "info"

    @classmethod
    def config(cls):
        return jwt_config(KEYS, allow_anonymous=False, log_level=cls.LOG_LEVEL)

    def reject_and_reason(self, **kw):
        since = log_size(self.host)
        expect_rejected(self, self.port, **kw)
        _conn, addr, reason = rejection_reason(self.host, since)
        self.assertEqual(addr, "127.0.0.1")
        return reason

    def assert_not_logged(self, token):
        log = self.host.log_text()
        parts = token.split(".")
        self.assertNotIn(token, log, "the token appears in the host log")
        # The header part is shared by many tokens and is no secret; the payload
        # and the signature must never be logged.
        for i, part in enumerate(parts[1:], 1):
            if len(part) >= 8:
                self.assertNotIn(part, log, "token part %d appears in the host log" % i)

    def test_missing_credential(self):
        reason = self.reject_and_reason()
        self.assertRegex(reason, r"no credential")
        self.assertNotRegex(reason, r"^jwt ")

    def test_every_failure_kind_every_carrier(self):
        tokens = failure_tokens()
        reasons = {}
        for kind, (token, pattern) in sorted(tokens.items()):
            for carrier, kw in sorted(CARRIERS.items()):
                with self.subTest(kind=kind, carrier=carrier):
                    reason = self.reject_and_reason(**kw(token))
                    self.assertRegex(reason, pattern)
                    reasons.setdefault(KIND_OF[kind], set()).add(reason.split(":")[0])
                    self.assert_not_logged(token)
        missing = self.reject_and_reason()
        # One distinct reason prefix per kind, and "missing" differs from all.
        prefixes = {k: v for k, v in reasons.items()}
        for kind, ps in prefixes.items():
            self.assertEqual(len(ps), 1, "kind %s logged with several prefixes %r" % (kind, ps))
        flat = [next(iter(v)) for v in prefixes.values()] + [missing.split(":")[0]]
        self.assertEqual(len(flat), len(set(flat)), "reasons not distinct: %r" % (prefixes,))
        self.assertEqual(set(prefixes), {"malformed", "bad_signature", "unknown_kid", "expired",
                                         "not_yet_valid", "unsupported_alg", "missing_exp",
                                         "bad_claims"})

    def test_valid_token_never_logged_either(self):
        token = mint(S1, "logged-in-user", kid="k1", tags={"team": "secret-team"})
        for carrier, kw in sorted(CARRIERS.items()):
            with self.subTest(carrier=carrier):
                c, who = authlib.connect_admitted(self, self.port, **kw(token))
                c.close()
                self.assertEqual(who["user"], "logged-in-user")
        self.assert_not_logged(token)

    def test_rejected_client_frames_never_reach_a_handler(self):
        # A rejected client that sends right away: nothing reaches a handler.
        token = mint(S1, "victim", kid="k1", exp_in=-3600)
        c = authlib.AuthClient(self.port, header=["Authorization: Bearer " + token])
        try:
            for i in range(3):
                try:
                    c.send_text(json.dumps({"action": "ak_record", "payload": {"mark": "x%d" % i}}))
                except OSError:
                    break
            code, reason = c.expect_close()
        finally:
            c.abort()
        self.assertEqual((code, reason), (1008, "authentication_failed"))
        ok = authlib.AuthClient(self.port, header=["Authorization: Bearer " + mint(S1, "o", kid="k1")])
        try:
            calls = ok.request({"action": "ak_calls"})["payload"]["calls"]
        finally:
            ok.close()
        self.assertEqual([m for m in calls if m.startswith("x")], [])


class FailuresDebugLog(Failures):
    LOG_LEVEL = "debug"


if __name__ == "__main__":
    authlib.main()

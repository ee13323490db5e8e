"""The name rule (README "Names"): user ids, room names, tag keys and values are
1 to 256 bytes of UTF-8 without NUL on every path into the host: the plugin ABI
(through gatekit, a real plugin .so), the control API, JWT claims and client
tags chosen in the upgrade query. A name one path accepts, every other path can
address; a name that breaks the rule gets each path's documented refusal."""

import base64
import hashlib
import hmac
import http.client
import json
import time
import unittest
import urllib.parse

import gw_helpers as G
from gw_helpers import H

TOKEN = "name-rule-admin-token"
SECRET = b"name-rule-secret"
NOT_UTF8 = b"caf\xe9"                   # Latin-1, not UTF-8
NUL = "a\x00b"                          # valid UTF-8, but NUL
LONGEST = "\u00e9" * 128                # 256 bytes, 128 characters
TOO_LONG = "x" * 257
INVALID = {"code": "host_error", "message": "status 1"}  # gatekit's answer for WSH_E_INVALID


def b64(data):
    return base64.b64encode(data).decode()


def jwt(claims):
    def part(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    signed = part(b'{"alg":"HS256","typ":"JWT"}') + "." + part(
        json.dumps(dict({"exp": int(time.time()) + 600}, **claims)).encode())
    return signed + "." + part(hmac.new(SECRET, signed.encode(), hashlib.sha256).digest())


def config():
    cfg = G.config(plugins=("gatekit",), websocket_lines=['client_tags = ["language"]'])
    return cfg.replace("[control]\nenabled = false", "\n".join([
        "[control]", 'address = "127.0.0.1"', "port = 0",
        'tokens = [{ token = "%s", scopes = ["push", "admin"] }]' % TOKEN,
        "[auth]", 'authenticator = "jwt"', "allow_anonymous = true",
        "[[auth.jwt.keys]]", 'secret = "%s"' % SECRET.decode()]))


class NameRule(unittest.TestCase):
    host = None

    @classmethod
    def setUpClass(cls):
        cls.host = G.host(config(), cls.__name__).start()
        cls.control_port = cls.host.info["control"]

    @classmethod
    def tearDownClass(cls):
        h, cls.host = cls.host, None
        h.stop_and_check()
        h.cleanup_dir()

    def client(self, path="/", header=None):
        c = G.GwClient(self.host.port, path=path, header=header)
        self.addCleanup(c.close)
        c.whoami()
        return c

    def control(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.control_port, timeout=30)
        conn.request(method, path, body=None if body is None else json.dumps(body).encode(),
                     headers={"Authorization": "Bearer " + TOKEN})
        resp = conn.getresponse()
        status, text = resp.status, resp.read().decode()
        conn.close()
        return status, json.loads(text)

    def assert_control_refused(self, method, path, body=None):
        status, reply = self.control(method, path, body)
        self.assertEqual(status, 400, (path, body, reply))
        self.assertEqual(reply["status"], "error")
        self.assertEqual(reply["error"]["code"], "invalid_control_request")
        self.assertIn("UTF-8 without NUL", reply["error"]["message"])

    def assert_rejected(self, token):
        c = H.Client(self.host.port, header=["Authorization: Bearer " + token])
        try:
            self.assertEqual(c.expect_close(), (1008, "authentication_failed"))
        finally:
            c.abort()

    # -- the plugin ABI --------------------------------------------------------

    def test_plugin_names_must_be_utf8(self):
        a = self.client()
        for action, payload in [
                ("gk_join", {"room_base64": b64(NOT_UTF8)}),
                ("gk_join", {"room": "ok", "user_base64": b64(NOT_UTF8)}),
                ("gk_leave", {"room_base64": b64(NOT_UTF8)}),
                ("gk_count", {"room_base64": b64(NOT_UTF8)}),
                ("gk_set_user", {"user_base64": b64(NOT_UTF8)}),
                ("gk_join", {"room_base64": b64(NUL.encode())}),
                ("gk_join", {"room": TOO_LONG}),
                ("gk_send", {"to": {"user_base64": b64(NOT_UTF8)}, "text": "x"})]:
            resp = a.call(action, payload)
            self.assertEqual(resp["status"], "error", (action, payload, resp))
            self.assertEqual(resp["error"], INVALID, (action, payload))
        self.assertEqual(a.info()["rooms"], [])  # nothing was created
        status, reply = self.control("GET", "/v1/rooms")
        self.assertEqual((status, reply["rooms"]), (200, []))

    def test_a_room_a_plugin_creates_is_addressable_by_the_control_api(self):
        a = self.client()
        self.assertEqual(a.ok("gk_join", {"room": LONGEST}), {"result": "joined"})
        status, reply = self.control("GET", "/v1/rooms/" + urllib.parse.quote(LONGEST))
        self.assertEqual(status, 200, reply)
        self.assertEqual([m["connection"] for m in reply["members"]], [a.conn_id])
        status, reply = self.control("POST", "/v1/rooms/%s/leave" % urllib.parse.quote(LONGEST),
                                     {"connection": a.conn_id})
        self.assertEqual((status, reply["changed"]), (200, 1), reply)

    # -- the control API -------------------------------------------------------

    def test_control_api_refuses_names_that_break_the_rule(self):
        a = self.client()
        self.assert_control_refused("GET", "/v1/rooms/caf%E9")
        # (A "%00" in a URL never reaches the host: libwebsockets drops the request.)
        self.assert_control_refused("GET", "/v1/rooms/" + TOO_LONG)
        self.assert_control_refused("GET", "/v1/users/caf%E9")
        self.assert_control_refused("POST", "/v1/rooms/lobby/join", {"user": NUL})
        self.assert_control_refused("POST", "/v1/rooms/lobby/join", {"user": TOO_LONG})
        self.assert_control_refused("POST", "/v1/connections/%s/tags" % a.conn_id, {"set": {"k": NUL}})
        self.assert_control_refused("POST", "/v1/send", {"to": {"room": ""}, "text": "x"})
        self.assertEqual(a.info()["tags"], {})
        status, reply = self.control("GET", "/v1/users/" + urllib.parse.quote(LONGEST))
        self.assertEqual((status, reply["connections"]), (200, []))

    # -- JWT claims ------------------------------------------------------------

    def test_jwt_claims_follow_the_rule(self):
        c = self.client(header=["Authorization: Bearer " + jwt({"sub": LONGEST, "tags": {"k": LONGEST}})])
        info = c.info()
        self.assertEqual((info["user"], info["tags"]), (LONGEST, {"k": LONGEST}))
        self.assert_rejected(jwt({"sub": TOO_LONG}))
        self.assert_rejected(jwt({"sub": NUL}))
        self.assert_rejected(jwt({"sub": "u", "tags": {"k": NUL}}))
        self.assert_rejected(jwt({"sub": "u", "tags": {"k": TOO_LONG}}))

    # -- client tags in the upgrade query ----------------------------------------

    def tagged(self, value):
        return self.client(path="/?tags=" + urllib.parse.quote(json.dumps({"language": value})))

    def test_client_tags_follow_the_rule(self):
        self.assertEqual(self.tagged(LONGEST).info()["tags"], {"language": LONGEST})
        self.assertEqual(self.tagged("F\x00R").info()["tags"], {})  # not cut short to "F"
        self.assertEqual(self.tagged(TOO_LONG).info()["tags"], {})
        self.assertEqual(self.tagged("").info()["tags"], {})


if __name__ == "__main__":
    G.main()

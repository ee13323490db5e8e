#!/usr/bin/python3
"""The control API of a real wshost, end to end (DESIGN §6).

Pushes through every push endpoint arrive at real WebSocket clients (users
come from JWTs, tags from the JWT `tags` claim), the operating endpoints act
on real connections, every error status is produced, the real /metrics scrape
parses with Prometheus' parser, and wshostctl drives the same server.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import wshost_harness as h  # noqa: E402

ARGS = None
TOKEN = "push-admin-metrics-token"
PUSH_ONLY = "push-only-token"
SECRET = b"control-e2e-secret"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(sub, tags=None):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": sub, "exp": int(time.time()) + 600}
    if tags:
        claims["tags"] = tags
    body = b64url(json.dumps(claims).encode())
    signed = header + "." + body
    return signed + "." + b64url(hmac.new(SECRET, signed.encode(), hashlib.sha256).digest())


def config():
    return "\n".join([
        "[server]", 'address = "127.0.0.1"', "port = 0",
        "[control]", 'address = "127.0.0.1"', "port = 0", "max_body_bytes = 4096",
        'tokens = [{ token = "%s", scopes = ["push", "admin", "metrics"] },' % TOKEN,
        '          { token = "%s", scopes = ["push"] }]' % PUSH_ONLY,
        "[auth]", 'authenticator = "jwt"', "allow_anonymous = true",
        "[[auth.jwt.keys]]", 'secret = "%s"' % SECRET.decode(),
        "[[plugin]]", 'name = "echo"', 'path = "%s"' % ARGS.echo, ""])


def setUpModule():
    ControlEndToEnd.host = h.Host(config(), name="control")
    ControlEndToEnd.host.start()
    ControlEndToEnd.control_port = ControlEndToEnd.host.info.get("control")


def tearDownModule():
    ControlEndToEnd.host.stop_and_check()


class ControlEndToEnd(unittest.TestCase):
    host = None
    control_port = None

    def http(self, method, path, body=None, token=TOKEN, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.control_port, timeout=10)
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = "Bearer " + token
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        text = resp.read().decode()
        conn.close()
        return resp.status, dict(resp.getheaders()), text

    def push(self, path, body, expect_matched):
        status, _, text = self.http("POST", path, body)
        self.assertEqual(status, 200, text)
        reply = json.loads(text)
        self.assertEqual(reply["status"], "success")
        self.assertEqual(reply["delivery"], {"matched": expect_matched, "enqueued": expect_matched, "dropped": 0})

    def clients(self):
        """Users 42 (FR) and 43 (EN) and one anonymous client."""
        def connect(header=None):
            c = h.Client(self.host.info["ws"], header=header)
            c.request('{"action":"echo","payload":{"message":"ready"}}')  # admitted
            return c
        a = connect(["Authorization: Bearer " + jwt("42", {"language": "FR"})])
        b = connect(["Authorization: Bearer " + jwt(43, {"language": "EN"})])
        anon = connect()
        return a, b, anon

    def recv_text(self, client):
        opcode, data = client.recv_frame()
        self.assertEqual(opcode, 1, "expected a text frame")
        return data.decode()

    def test_ready_file_has_control_port(self):
        self.assertIsInstance(self.control_port, int)
        self.assertTrue(0 < self.control_port < 65536)

    def test_pushes_reach_the_right_clients(self):
        a, b, anon = self.clients()
        try:
            self.push("/send-text", {"userId": "42", "payload": "to 42"}, 1)
            self.assertEqual(self.recv_text(a), "to 42")
            self.push("/send-text", {"userId": 43, "payload": "to 43 as int"}, 1)  # integer ids read as text
            self.assertEqual(self.recv_text(b), "to 43 as int")
            self.push("/send-text", {"userId": "nobody", "payload": "x"}, 0)  # offline: matched 0
            self.push("/multicast-text", {"userIds": ["42", "43"], "payload": "both"}, 2)
            self.assertEqual(self.recv_text(a), "both")
            self.assertEqual(self.recv_text(b), "both")
            self.push("/broadcast-text", {"payload": "not 42", "excludedUserIds": ["42"]}, 2)
            self.assertEqual(self.recv_text(b), "not 42")
            self.assertEqual(self.recv_text(anon), "not 42")
            self.push("/send-binary", {"userId": "42", "payload": base64.b64encode(b"\x00\xffbin").decode()}, 1)
            self.assertEqual(a.recv_frame(), (2, b"\x00\xffbin"))
            self.push("/multicast-binary", {"userIds": ["43"], "payload": base64.b64encode(b"m").decode()}, 1)
            self.assertEqual(b.recv_frame(), (2, b"m"))
            self.push("/broadcast-binary", {"payload": base64.b64encode(b"all").decode()}, 3)
            for c in (a, b, anon):
                self.assertEqual(c.recv_frame(), (2, b"all"))
            self.push("/publish", {"tags": {"language": "FR"}, "payload": "Bonjour"}, 1)
            self.assertEqual(self.recv_text(a), "Bonjour")
            # nothing else arrived anywhere: each push was enqueued before its
            # HTTP answer, so a stray one would come before the marker's answer
            for c in (a, b, anon):
                c.marker_roundtrip()
        finally:
            for c in (a, b, anon):
                c.close()

    def test_generic_send_rooms_tags_and_disconnect(self):
        a, b, anon = self.clients()
        try:
            status, _, text = self.http("GET", "/v1/users/42")
            self.assertEqual(status, 200, text)
            a_id = json.loads(text)["connections"][0]["id"]
            self.push("/v1/send", {"to": {"connection": a_id}, "text": "by id"}, 1)
            self.assertEqual(self.recv_text(a), "by id")
            status, _, text = self.http("POST", "/v1/rooms/lobby/join", {"user": "43"})
            self.assertEqual(status, 200, text)
            status, _, text = self.http("POST", "/v1/rooms/lobby/join", {"connection": a_id})
            self.assertEqual(status, 200, text)
            status, _, text = self.http("GET", "/v1/rooms/lobby")
            self.assertEqual(json.loads(text)["count"], 2, text)
            self.push("/v1/send", {"to": {"room": "lobby"}, "except": {"connections": [a_id]}, "text": "room"}, 1)
            self.assertEqual(self.recv_text(b), "room")
            status, _, text = self.http("POST", "/v1/connections/%s/tags" % a_id, {"set": {"plan": "pro"}})
            self.assertEqual(status, 200, text)
            self.push("/v1/send", {"to": {"tags": {"plan": "pro", "language": "FR"}}, "text": "pro FR"}, 1)
            self.assertEqual(self.recv_text(a), "pro FR")
            self.push("/v1/send", {"to": {"all": True}, "except": {"users": ["42", "43"]}, "text": "anon"}, 1)
            self.assertEqual(self.recv_text(anon), "anon")
            status, _, text = self.http("POST", "/v1/disconnect", {"user": "43", "code": 4000, "reason": "bye"})
            self.assertEqual(status, 200, text)
            code, reason = b.expect_close()
            self.assertEqual((code, reason), (4000, "bye"))
            a.request('{"action":"echo","payload":{"message":"still here"}}')
        finally:
            for c in (a, b, anon):
                c.abort()

    def test_send_batch_delivers_in_order_or_not_at_all(self):
        a, b, anon = self.clients()
        try:
            batch = {"messages": [
                {"to": {"user": "42"}, "text": "first"},
                {"to": {"all": True}, "except": {"users": ["42"]}, "binary": base64.b64encode(b"\x00\xff").decode()},
                {"to": {"users": ["42", "43"]}, "text": "second"},
            ]}
            status, _, text = self.http("POST", "/v1/send-batch", batch)
            self.assertEqual(status, 200, text)
            reply = json.loads(text)
            self.assertEqual(reply["delivery"], {"matched": 5, "enqueued": 5, "dropped": 0})
            self.assertEqual([d["matched"] for d in reply["deliveries"]], [1, 2, 2])
            self.assertEqual([self.recv_text(a), self.recv_text(a)], ["first", "second"])
            self.assertEqual(b.recv_frame(), (2, b"\x00\xff"))
            self.assertEqual(self.recv_text(b), "second")
            self.assertEqual(anon.recv_frame(), (2, b"\x00\xff"))
            # One invalid message refuses the whole batch, named by its index.
            bad = {"messages": [{"to": {"all": True}, "text": "never"}, {"to": {"all": False}, "text": "x"}]}
            status, _, text = self.http("POST", "/v1/send-batch", bad)
            self.assertEqual(status, 400, text)
            self.assertIn("messages[1]", json.loads(text)["error"]["message"])
            for c in (a, b, anon):
                c.marker_roundtrip()  # "never" did not arrive before the marker's answer
        finally:
            for c in (a, b, anon):
                c.close()

    def test_error_statuses(self):
        status, headers, text = self.http("POST", "/send-text", {"userId": "1", "payload": "x"}, token=None)
        self.assertEqual(status, 401)
        self.assertEqual(headers.get("WWW-Authenticate"), "Bearer")
        self.assertEqual(json.loads(text)["error"]["code"], "invalid_control_request")
        self.assertEqual(self.http("POST", "/send-text", {"userId": "1", "payload": "x"}, token="wrong")[0], 401)
        self.assertEqual(self.http("GET", "/v1/rooms", token=PUSH_ONLY)[0], 403)
        self.assertEqual(self.http("GET", "/no/such/path")[0], 404)
        status, headers, _ = self.http("GET", "/send-text")
        self.assertEqual(status, 405)
        self.assertIn("POST", headers.get("Allow", ""))
        status, _, text = self.http("POST", "/send-text", b'{"userId":"1"')
        self.assertEqual(status, 400)
        status, _, text = self.http("POST", "/send-text", {"userId": "1", "payload": 5})
        self.assertEqual(status, 400)
        self.assertIn("payload", json.loads(text)["error"]["message"])
        self.assertEqual(self.http("POST", "/send-text", b"x" * 5000)[0], 413)
        status, _, _ = self.http("POST", "/send-text", b"5\r\nhello\r\n0\r\n\r\n",
                                 headers={"Transfer-Encoding": "chunked"})
        self.assertEqual(status, 411)
        # healthz and readyz need no token
        self.assertEqual(self.http("GET", "/healthz", token=None)[0], 200)
        self.assertEqual(self.http("GET", "/readyz", token=None)[0], 200)

    def test_expect_100_continue_does_not_stall(self):
        started = time.monotonic()
        out = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer " + TOKEN,
             "-H", "Expect: 100-continue", "--data-binary", json.dumps({"userId": "1", "payload": "x"}),
             "http://127.0.0.1:%d/send-text" % self.control_port],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(out.stdout, "200")
        self.assertLess(time.monotonic() - started, 0.9, "curl waited for a 100 Continue that never came")

    def test_metrics_scrape_parses(self):
        status, _, text = self.http("GET", "/metrics")
        self.assertEqual(status, 200)
        check = subprocess.run([sys.executable, ARGS.check_metrics, "-"], input=text,
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_reload_endpoint_answers_when_done(self):
        status, _, text = self.http("POST", "/v1/reload")
        self.assertEqual(status, 200, text)
        result = json.loads(text)
        self.assertEqual(result["status"], "ok")
        self.assertGreaterEqual(result["generation"], 2)
        status, _, text = self.http("GET", "/v1/reload")
        self.assertEqual(json.loads(text)["generation"], result["generation"])

    def ctl(self, *args, env_token=True):
        env = dict(os.environ, WSHOST_CONTROL_URL="http://127.0.0.1:%d" % self.control_port)
        if env_token:
            env["WSHOST_CONTROL_TOKEN"] = TOKEN
        else:
            env.pop("WSHOST_CONTROL_TOKEN", None)
        return subprocess.run([ARGS.wshostctl] + list(args), capture_output=True, text=True, env=env, timeout=30)

    def test_wshostctl_drives_the_server(self):
        a, b, anon = self.clients()
        try:
            out = self.ctl("send-text", "42", "from ctl")
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(self.recv_text(a), "from ctl")
            out = self.ctl("--json", "broadcast-text", "everyone")
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(json.loads(out.stdout)["delivery"]["matched"], 3)
            for c in (a, b, anon):
                self.assertEqual(self.recv_text(c), "everyone")
            out = self.ctl("publish", "--tag", "language=EN", "hello EN")
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(self.recv_text(b), "hello EN")
            self.assertEqual(self.ctl("status").returncode, 0)
            self.assertEqual(self.ctl("plugins").returncode, 0)
            self.assertEqual(self.ctl("connections").returncode, 0)
            self.assertIn("wshost_connections", self.ctl("metrics").stdout)
            self.assertEqual(self.ctl("send-text", "42", "x", env_token=False).returncode, 1)  # 401: refused
            self.assertEqual(self.ctl("no-such-command").returncode, 2)
            unreachable = subprocess.run([ARGS.wshostctl, "--url", "http://127.0.0.1:1", "--token", "t", "status"],
                                         capture_output=True, text=True, timeout=30)
            self.assertEqual(unreachable.returncode, 3)
        finally:
            for c in (a, b, anon):
                c.close()


class TokenMinting(unittest.TestCase):
    """wshostctl token mints a JWT that the server's jwt authenticator accepts."""

    def test_minted_token_is_accepted_with_its_tags(self):
        host = ControlEndToEnd.host
        out = subprocess.run([ARGS.wshostctl, "token", "--config", host.config_path, "--sub", "77",
                              "--ttl", "10m", "--tag", "language=DE"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        token = out.stdout.strip()
        self.assertEqual(token.count("."), 2)
        c = h.Client(host.info["ws"], header=["Authorization: Bearer " + token])
        try:
            c.request('{"action":"echo","payload":{"message":"hi"}}')
            conn = http.client.HTTPConnection("127.0.0.1", host.info["control"], timeout=10)
            conn.request("GET", "/v1/users/77", headers={"Authorization": "Bearer " + TOKEN})
            body = json.loads(conn.getresponse().read())
            self.assertEqual(len(body["connections"]), 1, body)
            self.assertEqual(body["connections"][0]["tags"], {"language": "DE"})
        finally:
            c.close()

    def test_usage_errors(self):
        host = ControlEndToEnd.host
        for args in (["token"], ["token", "--config", host.config_path], ["token", "--config", host.config_path,
                                                                          "--sub", "1", "--ttl", "soon"],
                     ["token", "--config", host.config_path, "--sub", "1", "--kid", "nope"]):
            out = subprocess.run([ARGS.wshostctl] + args, capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 2, (args, out.stdout, out.stderr))


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    for name in ("wshost", "echo", "wshostctl", "check-metrics", "workdir"):
        parser.add_argument("--" + name, required=True)
    ARGS, rest = parser.parse_known_args()
    h.Paths.wshost = ARGS.wshost
    h.Paths.workdir = ARGS.workdir
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()

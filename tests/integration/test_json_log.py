"""[log] format = "json" (README, "Logs"): a host that logs JSON lines goes
through start, requests, a failing action, a plugin's log line, a refused
handshake with bytes that are not UTF-8, a good and a failed reload, and the
SIGTERM drain; then every line it wrote is parsed with a strict JSON parser
and the events carry the fields that apply to them."""

import json
import signal
import socket
import unittest

import wshost_harness as h


def events(host):
    lines, bad = h.check_json_log(host.log_path)
    assert not bad, bad[:5]
    with open(host.log_path, "rb") as f:
        return [json.loads(line) for line in f.read().splitlines()]


class JsonLog(unittest.TestCase):
    def test_every_line_parses_and_carries_its_fields(self):
        config = h.config_text(plugins=("echo", "testkit", "slowkit"),
                               websocket_lines=['origins = ["http://allowed.example"]'],
                               extra='[log]\nformat = "json"\nlevel = "debug"')
        host = h.Host(config, name="json-log").start()
        self.addCleanup(host.kill)
        c = host.client(origin="http://allowed.example")
        h.echo_roundtrip(self, c)
        resp = c.request('{"action":"tk_fail","requestId":"rid-fail-1"}')
        self.assertEqual(resp["error"]["code"], "handler_failed")
        resp = c.request('{"action":"slow_sleep","payload":{"ms":1},"requestId":"rid-\\u00e9"}')
        self.assertEqual(resp["status"], "success", resp)
        # An Origin with bytes that are not UTF-8 is refused and logged.
        with socket.create_connection(("127.0.0.1", host.port), timeout=h.RECV_TIMEOUT_S) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                      b"Origin: http://\xff\xfe\"quote\r\n\r\n")
            self.assertIn(b" 403 ", s.recv(4096).split(b"\r\n")[0] + b" ")
        # A good reload, then a failed one.
        since = 0
        host.send_signal(signal.SIGHUP)
        h.wait_for_log(host, r'"event":"reload_ok"', since=since)
        with open(host.config_path, "a") as f:
            f.write("\nnot_a_key = 1\n")
        host.send_signal(signal.SIGHUP)
        h.wait_for_log(host, r'"event":"reload_failed"', since=since)
        c.close()
        host.stop()
        host.check_clean_exit()  # parses every line too (check_json_log)
        log = events(host)  # every line it wrote
        by_event = {}
        for e in log:
            by_event.setdefault(e["event"], []).append(e)

        self.assertEqual({e["plugin"] for e in by_event["plugin_loaded"]}, {"echo", "testkit", "slowkit"})
        self.assertIn("listening", by_event)
        opened = by_event["conn_opened"][0]
        conn = opened["conn"]
        self.assertTrue(conn.isdigit())
        self.assertIn(conn, {e.get("conn") for e in by_event["conn_admitted"]})
        failed = by_event["action_failed"][0]
        self.assertEqual((failed["conn"], failed["action"], failed["plugin"], failed["request_id"]),
                         (conn, "tk_fail", "testkit", "rid-fail-1"), failed)
        self.assertEqual(failed["level"], "warn")
        slow = [e for e in by_event["plugin_log"] if "slow_sleep start" in e["msg"]]
        self.assertEqual(len(slow), 1, by_event["plugin_log"])
        self.assertEqual(slow[0]["plugin"], "slowkit")
        self.assertIn("requestId=rid-\u00e9", slow[0]["msg"])  # UTF-8 kept as is
        refused = by_event["handshake_refused"][0]
        self.assertIn("http://\ufffd\ufffd\"quote", refused["msg"])  # not UTF-8: U+FFFD, quote escaped
        self.assertEqual([(e["level"], e["generation"]) for e in by_event["reload_ok"]], [("info", 2)])
        self.assertEqual([(e["level"], e["generation"]) for e in by_event["reload_failed"]], [("error", 3)])
        self.assertTrue(any("not_a_key" in e["msg"] for e in by_event["reload_error"]), by_event["reload_error"])
        self.assertTrue(all(e["generation"] == 3 for e in by_event["reload_error"]))
        closed = [e for e in by_event["conn_closed"] if e["conn"] == conn]
        self.assertEqual(len(closed), 1)
        self.assertNotIn("user", closed[0])  # anonymous: no user key
        self.assertEqual([e["event"] for e in log[-2:]], ["draining", "stopped"])
        host.cleanup_dir()


if __name__ == "__main__":
    h.main()

"""Client protocol over the wire (DESIGN §1): envelope rules, response shapes,
requestId echo, payload fidelity, routing of replies, hooks, UTF-8.

Uses the shared fixture host (or its own host when run directly):
  /usr/bin/python3 test_protocol.py --wshost build/host/wshost --echo ... [unittest args]
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wshost_harness as h  # noqa: E402
from wshost_harness import NO_RID, assert_error, assert_success, echo_roundtrip  # noqa: E402

import unittest  # noqa: E402


class ProtocolTest(h.SharedHostMixin, unittest.TestCase):
    def setUp(self):
        self.c = self.host.client()
        self.addCleanup(self.c.close)

    def check_error_frames(self, cases, code):
        """Each case (frame, request_id or NO_RID) gets `code`; the connection stays
        usable after each one (an echo round trip follows every error)."""
        for i, (frame, rid) in enumerate(cases):
            with self.subTest(frame=frame if len(frame) < 200 else frame[:200] + "..."):
                resp = self.c.request(frame)
                assert_error(self, resp, code, rid)
                echo_roundtrip(self, self.c, "after-%d" % i, "after-%d" % i)

    # -- quick start examples ------------------------------------------------

    def test_quickstart_echo_exact(self):
        raw, resp = self.c.request_raw(
            '{"action":"echo","payload":{"message":"Hello"},"requestId":"req-1"}')
        self.assertEqual(resp, {"status": "success", "payload": {"message": "Echo: Hello"},
                                "requestId": "req-1"})
        self.assertEqual(
            raw, '{"status":"success","payload":{"message":"Echo: Hello"},"requestId":"req-1"}')

    def test_echo_with_metadata_any_key_order(self):
        resp = self.c.request('{"requestId":"k-1","metadata":{"source":"browser"},'
                              '"payload":{"message":"Hi"},"action":"echo"}')
        assert_success(self, resp, {"message": "Echo: Hi"}, "k-1")

    def test_echo_escapes_what_json_requires(self):
        # The host writes echo's reply (reply_members): quotes, backslashes and
        # control characters come back escaped, DEL and UTF-8 as they are, and
        # the decoded text is the message that was sent.
        message = 'q"b\\s/\n\t\x01\x1f\x7f \u00e9\u20ac\U0001F600 end'
        raw, resp = self.c.request_raw(json.dumps(
            {"action": "echo", "payload": {"message": message}, "requestId": "esc"}))
        assert_success(self, resp, {"message": "Echo: " + message}, "esc")
        self.assertIn('q\\"b\\\\s/\\n\\t\\u0001\\u001f\x7f', raw)
        self.assertIn("\u00e9\u20ac\U0001F600 end", raw)

    def test_echo_replies_at_the_writers_word_boundaries(self):
        # The host's writer skips plain bytes 16 (then 8) at a time and walks
        # the rest one by one: messages around those lengths, plain, escaped
        # and two-byte characters (raw UTF-8, "\x01" the longest escape), and
        # one escape at every position of a 40-byte message.
        for n in (0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 200):
            for fill in ("a", "\x01", "\u00e9"):
                with self.subTest(n=n, fill=fill):
                    message = fill * n
                    resp = self.c.request(json.dumps(
                        {"action": "echo", "payload": {"message": message}, "requestId": "wb"},
                        ensure_ascii=False))
                    assert_success(self, resp, {"message": "Echo: " + message}, "wb")
        for i in range(40):
            with self.subTest(escape_at=i):
                message = "a" * i + '"' + "b" * (39 - i)
                resp = self.c.request(json.dumps(
                    {"action": "echo", "payload": {"message": message}, "requestId": "wp"}))
                assert_success(self, resp, {"message": "Echo: " + message}, "wp")

    def test_success_without_request_id_has_none(self):
        resp = self.c.request('{"action":"echo","payload":{"message":"x"}}')
        assert_success(self, resp, {"message": "Echo: x"})

    def test_sum(self):
        resp = self.c.request('{"action":"sum","payload":{"numbers":[1,2,3]},"requestId":"s-1"}')
        assert_success(self, resp, {"result": 6}, "s-1")

    def test_sum_bad_payload(self):
        for i, payload in enumerate(('{"numbers":"abc"}', '{"numbers":[1,"two",3]}',
                                     '{"values":[1,2]}')):
            with self.subTest(payload=payload):
                rid = "sb-%d" % i
                resp = self.c.request('{"action":"sum","payload":%s,"requestId":"%s"}'
                                      % (payload, rid))
                assert_error(self, resp, "invalid_payload", rid)
        echo_roundtrip(self, self.c)

    # -- envelope rules --------------------------------------------------------

    def test_invalid_json(self):
        # Nothing that fails to parse echoes a requestId, even when one is visible.
        self.check_error_frames([
            ("not json", NO_RID),
            ("", NO_RID),
            ("{", NO_RID),
            ('{"action":"echo","requestId":"r1"} x', NO_RID),      # trailing garbage
            ('{"action":"echo","requestId":"r1"}{}', NO_RID),      # two values
            ('{"action":"echo","requestId":"r1"},', NO_RID),
            ('{"action":"echo","requestId":"r1",}', NO_RID),       # trailing comma
            ("{'action':'echo'}", NO_RID),
            ('{"action":"echo","payload":{"a":01},"requestId":"r1"}', NO_RID),
            ('{"action":"echo","payload":{"a":NaN},"requestId":"r1"}', NO_RID),
            ('{"action":"echo","payload":{"a":.5},"requestId":"r1"}', NO_RID),
            ('{"action":"ec\\qho","requestId":"r1"}', NO_RID),      # bad escape
            ('{"action":"echo\x01","requestId":"r1"}', NO_RID),     # raw control char
            ('{"action":"echo","payload":{"a":"\\u12"},"requestId":"r1"}', NO_RID),
            ('{"action" "echo"}', NO_RID),
        ], "invalid_json")

    def test_non_object_is_invalid_message(self):
        self.check_error_frames([
            ("[1,2]", NO_RID),
            ('[{"action":"echo","requestId":"r"}]', NO_RID),
            ('"echo"', NO_RID),
            ("42", NO_RID),
            ("null", NO_RID),
            ("true", NO_RID),
            (' \n\t"x" ', NO_RID),
        ], "invalid_message")

    def test_missing_unknown_and_duplicate_keys(self):
        self.check_error_frames([
            ("{}", NO_RID),
            ('{"requestId":"r-missing"}', "r-missing"),
            ('{"payload":{},"requestId":"r-missing2"}', "r-missing2"),
            ('{"action":"echo","requestId":"r-unknown","extra":1}', "r-unknown"),
            ('{"action":"echo","requestId":"r-case","Payload":{}}', "r-case"),
            ('{"action":"echo","requestId":"r-id","id":"x"}', "r-id"),
            ('{"action":"echo","action":"echo","requestId":"r-dup"}', "r-dup"),
            ('{"action":"echo","payload":{},"payload":{},"requestId":"r-dup2"}', "r-dup2"),
            ('{"action":"echo","metadata":{},"metadata":{},"requestId":"r-dup3"}', "r-dup3"),
            # a duplicated requestId is never echoed
            ('{"action":"echo","requestId":"r-dup4","requestId":"r-dup4"}', NO_RID),
            ('{"action":"echo","requestId":"a","requestId":"b"}', NO_RID),
        ], "invalid_message")

    def test_wrong_types(self):
        cases = []
        for v in ("1", "null", "true", "[]", "{}", '""'):
            cases.append(('{"action":%s,"requestId":"r-act"}' % v, "r-act"))
        for v in ("[]", '"x"', "1", "null", "true", "[{}]"):
            cases.append(('{"action":"echo","payload":%s,"requestId":"r-pl"}' % v, "r-pl"))
        for v in ("[]", '"m"', "3", "null", "false"):
            cases.append(('{"action":"echo","metadata":%s,"requestId":"r-md"}' % v, "r-md"))
        # a requestId of the wrong type, or empty, is not echoed
        for v in ("5", "null", '""', "[]", "{}", '["r"]', "true"):
            cases.append(('{"action":"echo","payload":{"message":"m"},"requestId":%s}' % v,
                          NO_RID))
        self.check_error_frames(cases, "invalid_message")

    def test_action_length_limit(self):
        a128 = "a" * 128
        mb128 = "\u00e9" * 64            # 64 two-byte characters = 128 bytes
        self.check_error_frames([
            ('{"action":"%s","requestId":"al-1"}' % a128, "al-1"),
            ('{"action":"%s","requestId":"al-2"}' % mb128, "al-2"),
        ], "unsupported_action")
        resp = self.c.request('{"action":"%s","requestId":"al-3"}' % a128)
        self.assertEqual(resp["error"]["message"], "Action '%s' is not supported." % a128)
        self.check_error_frames([
            ('{"action":"%s","requestId":"al-4"}' % ("a" * 129), "al-4"),
            ('{"action":"%s","requestId":"al-5"}' % (mb128 + "a"), "al-5"),
            ('{"action":"%s","requestId":"al-6"}' % ("a" * 5000), "al-6"),
        ], "invalid_message")

    def test_request_id_length_limit_and_echo(self):
        for rid in ("r" * 128, "\u00e9" * 64, "\u20ac" * 42 + "ab", "1", " "):
            with self.subTest(rid_len=len(rid.encode())):
                self.assertLessEqual(len(rid.encode()), 128)
                resp = self.c.request(json.dumps(
                    {"action": "echo", "payload": {"message": "m"}, "requestId": rid},
                    ensure_ascii=False))
                assert_success(self, resp, {"message": "Echo: m"}, rid)
        # past 128 bytes the requestId is refused and not echoed
        self.check_error_frames([
            ('{"action":"echo","payload":{"message":"m"},"requestId":"%s"}' % ("r" * 129),
             NO_RID),
            ('{"action":"echo","payload":{"message":"m"},"requestId":"%s"}'
             % ("\u00e9" * 64 + "r"), NO_RID),
        ], "invalid_message")

    def test_request_id_escapes_are_echoed_decoded(self):
        frame = '{"action":"echo","payload":{"message":"m"},"requestId":"a\\"b\\\\c\\u00e9\\n\\/"}'
        resp = self.c.request(frame)
        assert_success(self, resp, {"message": "Echo: m"}, 'a"b\\c\u00e9\n/')

    def test_unsupported_action(self):
        resp = self.c.request('{"action":"x","payload":{},"requestId":"u-1"}')
        assert_error(self, resp, "unsupported_action", "u-1",
                     message="Action 'x' is not supported.")
        resp = self.c.request('{"action":"no such \\"thing\\" \u00e9"}')
        assert_error(self, resp, "unsupported_action", NO_RID,
                     message="Action 'no such \"thing\" \u00e9' is not supported.")
        echo_roundtrip(self, self.c)

    def test_depth_cap(self):
        deep = "[" * 300 + "]" * 300
        resp = self.c.request('{"action":"tk_echo_raw","payload":{"d":%s},"requestId":"deep"}'
                              % deep)
        assert_error(self, resp, "invalid_message", "deep")
        echo_roundtrip(self, self.c)
        ok = "[" * 60 + "]" * 60
        payload = '{"d":%s}' % ok
        raw, resp = self.c.request_raw(
            '{"action":"tk_echo_raw","payload":%s,"requestId":"shallow"}' % payload)
        self.assertIn(payload, raw)
        self.assertEqual(resp["payload"], json.loads(payload))

    def test_binary_frame_is_invalid_message(self):
        self.c.send_binary(b'{"action":"echo","payload":{"message":"bin"}}')
        _, resp = self.c.recv_json()
        assert_error(self, resp, "invalid_message", NO_RID)
        echo_roundtrip(self, self.c)

    def test_fragmented_text_message_is_one_request(self):
        frame = '{"action":"echo","payload":{"message":"fr\u00e9g"},"requestId":"frag"}'.encode()
        cut = frame.index(b"\xc3") + 1  # split inside the two-byte character
        self.c.send_fragments([frame[:5], frame[5:cut], frame[cut:]])
        _, resp = self.c.recv_json()
        assert_success(self, resp, {"message": "Echo: fr\u00e9g"}, "frag")

    # -- response routing ------------------------------------------------------

    def test_reply_goes_only_to_the_asker(self):
        other = self.host.client()
        self.addCleanup(other.close)
        echo_roundtrip(self, other, "marker-0", "marker-0")  # both are connected now
        resp = self.c.request('{"action":"echo","payload":{"message":"for-A"},"requestId":"a-1"}')
        assert_success(self, resp, {"message": "Echo: for-A"}, "a-1")
        # The other connection's next frame must be the answer to its own request.
        other.marker_roundtrip()
        self.c.marker_roundtrip()

    def test_pipelined_requests_are_answered_in_order(self):
        frames = ['{"action":"echo","payload":{"message":"p%d"},"requestId":"p-%d"}' % (i, i)
                  for i in range(20)]
        for f in frames:
            self.c.send_text(f)
        for i in range(20):
            _, resp = self.c.recv_json()
            assert_success(self, resp, {"message": "Echo: p%d" % i}, "p-%d" % i)

    def test_handler_may_answer_nothing(self):
        self.c.send_text('{"action":"tk_none","requestId":"n-1"}')
        self.c.send_text('{"action":"echo","payload":{"message":"after-none"},"requestId":"e-1"}')
        _, resp = self.c.recv_json()
        assert_success(self, resp, {"message": "Echo: after-none"}, "e-1")  # nothing before it
        self.c.marker_roundtrip()

    def test_explicit_empty_success(self):
        raw, resp = self.c.request_raw('{"action":"tk_empty","requestId":"em-1"}')
        assert_success(self, resp, {}, "em-1")
        resp = self.c.request('{"action":"tk_empty"}')
        assert_success(self, resp, {})

    # -- payload and metadata fidelity ---------------------------------------------

    def check_fidelity(self, payload_text, rid="f"):
        """tk_echo_raw returns the payload bytes it got; the response must embed
        them unchanged: cutting them out leaves an exact empty-payload success."""
        frame = '{"action":"tk_echo_raw","payload":%s,"requestId":"%s"}' % (payload_text, rid)
        raw, resp = self.c.request_raw(frame)
        self.assertEqual(raw.count(payload_text), 1, raw[:500])
        rest = h.strict_json(raw.replace(payload_text, "{}"))
        self.assertEqual(rest, {"status": "success", "payload": {}, "requestId": rid})
        self.assertEqual(resp["payload"], json.loads(payload_text))

    def test_payload_fidelity(self):
        cases = [
            '{"id":9007199254740993}',
            '{"id":-9223372036854775809,"f":1.000000000000000000001,"e":1E+2,"z":-0.0}',
            '{ "a" :\t[1 , 2.50, -0 ] ,\n "b":"\\u00e9\\ud83d\\ude00\\/\\b" , "c" : { } }',
            '{"text":"h\u00e9llo w\u00f6rld \u2713 \U0001F600","esc":"\\"\\\\"}',
            '{"nested":%s}' % ("[" * 100 + "]" * 100),
            '{}',
            '{"big":"%s"}' % ("x" * 200000),
        ]
        for i, p in enumerate(cases):
            with self.subTest(payload=p[:80]):
                self.check_fidelity(p, "f-%d" % i)

    def test_payload_span_excludes_surrounding_whitespace(self):
        raw, resp = self.c.request_raw(
            ' {"action" : "tk_echo_raw" , "payload" :   {"k" : 1}   ,"requestId":"ws"} \n')
        self.assertIn('{"k" : 1}', raw)
        self.assertEqual(h.strict_json(raw.replace('{"k" : 1}', "{}")),
                         {"status": "success", "payload": {}, "requestId": "ws"})

    def test_absent_payload_reaches_plugin_as_empty_object(self):
        resp = self.c.request('{"action":"tk_echo_raw","requestId":"np"}')
        assert_success(self, resp, {}, "np")

    def test_metadata_and_request_id_reach_plugin(self):
        meta = '{ "source" : "browser", "n":[1, 2], "big": 12345678901234567890 }'
        raw, resp = self.c.request_raw(
            '{"action":"tk_meta","metadata":%s,"requestId":"m\\"1"}' % meta)
        self.assertIn('{"metadata":%s,' % meta, raw)
        assert_success(self, resp, {"metadata": json.loads(meta), "requestId": 'm"1'}, 'm"1')
        resp = self.c.request('{"action":"tk_meta"}')
        assert_success(self, resp, {"metadata": {}, "requestId": ""})

    # -- hooks -------------------------------------------------------------------------

    def whoami(self, client):
        resp = client.request('{"action":"tk_whoami","requestId":"who"}')
        self.assertEqual(resp["status"], "success", resp)
        conn = resp["payload"]["conn"]
        self.assertRegex(conn, r"^[1-9][0-9]*$")
        return conn

    def test_hooks_fire(self):
        conn = self.whoami(self.c)
        assert_error(self, self.c.request("garbage"), "invalid_json")
        assert_error(self, self.c.request('{"action":"nope"}'), "unsupported_action")
        assert_error(self, self.c.request('[]'), "invalid_message")
        assert_error(self, self.c.request('{"action":"tk_fail","requestId":"hf"}'),
                     "handler_failed", "hf")
        resp = self.c.request('{"action":"tk_events","payload":{"conn":"%s"}}' % conn)
        events = resp["payload"]["events"]
        self.assertTrue(all(e["conn"] == conn for e in events), events)
        kinds = [(e["kind"], e["error_code"]) for e in events]
        self.assertEqual(kinds[0], ("authenticated", ""), events)
        invalid = [e["error_code"] for e in events if e["kind"] == "invalid_message"]
        self.assertEqual(invalid, ["invalid_json", "unsupported_action", "invalid_message"],
                         events)
        failed = [e for e in events if e["kind"] == "unhandled_exception"]
        self.assertEqual(len(failed), 1, events)
        self.assertEqual(failed[0]["action"], "tk_fail", events)
        self.assertNotIn("disconnected", [e["kind"] for e in events])

        # The disconnected hook, observed from another connection: tk_events with
        # wait_kind holds its answer until the hook fires (no polling).
        other = self.host.client()
        self.addCleanup(other.close)
        self.c.close()
        # (testkit's default timeout_ms is 10 s: a hook that never fires shows
        # up as handler_timeout)
        resp = other.request('{"action":"tk_events","payload":{"conn":"%s",'
                             '"wait_kind":"disconnected"}}' % conn, timeout=30)
        if resp.get("status") != "success":
            everything = other.request('{"action":"tk_events"}')["payload"]["events"]
            self.fail("no disconnected hook for conn %s (%r); disconnected events recorded: %r"
                      % (conn, resp, [x for x in everything if x["kind"] == "disconnected"][-5:]))
        gone = [e for e in resp["payload"]["events"] if e["kind"] == "disconnected"]
        self.assertEqual(len(gone), 1, resp)
        self.assertEqual(gone[0]["close_code"], 1000, resp)

    def test_connection_ids_are_distinct_decimal_strings(self):
        others = [self.host.client() for _ in range(3)]
        for o in others:
            self.addCleanup(o.close)
        ids = [self.whoami(x) for x in [self.c] + others]
        self.assertEqual(len(set(ids)), 4, ids)

    # -- UTF-8 ---------------------------------------------------------------------------

    def test_invalid_utf8_text_closes_1007(self):
        bad = [
            b'{"action":"echo","payload":{"message":"\xff"}}',
            b'{"action":"echo","payload":{"message":"\xc3"}}',          # truncated
            b'{"action":"echo","payload":{"message":"\xc0\xaf"}}',      # overlong
            b'{"action":"echo","payload":{"message":"\xed\xa0\x80"}}',  # surrogate
            b'{"action":"echo","payload":{"message":"\xf4\x90\x80\x80"}}',  # > U+10FFFF
            b'\x80',
        ]
        for data in bad:
            with self.subTest(data=data):
                c = self.host.client()
                try:
                    c.send_text(data)
                    code, _ = c.expect_close()
                    self.assertEqual(code, 1007)
                finally:
                    c.abort()
        # invalid UTF-8 split over fragments is refused too
        c = self.host.client()
        try:
            c.send_fragments([b'{"action":"echo","payload":{"message":"\xe2\x82',
                              b'x"}}'])
            code, _ = c.expect_close()
            self.assertEqual(code, 1007)
        finally:
            c.abort()
        echo_roundtrip(self, self.c)


if __name__ == "__main__":
    h.main()

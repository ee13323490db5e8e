"""RFC 6455 conformance of a raw endpoint (raw-echo on /raw), case by case,
after Autobahn|Testsuite's categories 1-7, 9 and 10 (docs/CONFORMANCE.md
lists every case and every deviation). Each case runs on a fresh connection
and asserts the whole transcript up to the server's TCP close: the exact
echo (bytes and opcode), the pongs, the close code. The bystander of
ConformanceCase shows that the server keeps serving others.

The same file runs on both frame readers: the host's (the default) and lws's
(WSHOST_TEST_FRAME_READER=lws). Where lws 4.1.6 behaves otherwise, the case
asserts what it does, under the deviation's id (D1, ...).
"""

import os

import conformance_lib as cl
import endpoints_lib as el
from conformance_client import BINARY, CLOSE, CONT, PING, PONG, TEXT, bad_frame, close_payload
from conformance_lib import ConformanceCase, MAX_MESSAGE

LENGTHS = (0, 125, 126, 127, 128, 65535, 65536)
LWS = cl.reader() == "lws"


def pattern(n, text=True):
    """n bytes of ASCII (text) or of every byte value (binary)."""
    unit = b"*" if text else bytes(range(256))
    return (unit * (n // len(unit) + 1))[:n]


class Rfc6455(ConformanceCase):
    @classmethod
    def config(cls):
        return cl.raw_echo_config()

    # -- 1 framing --
    def test_1_1_text_payload_lengths(self):
        for n in LENGTHS:
            with self.subTest(length=n):
                p = self.peer()
                p.send(TEXT, pattern(n))
                self.echo_then_close(p, [("text", pattern(n))])

    def test_1_2_binary_payload_lengths(self):
        for n in LENGTHS:
            with self.subTest(length=n):
                p = self.peer()
                p.send(BINARY, pattern(n, False))
                self.echo_then_close(p, [("binary", pattern(n, False))])

    def test_1_1_8_text_65536_in_997_byte_writes(self):
        p = self.peer()
        p.send_raw(p.serialize(TEXT, pattern(65536)), chunk=997)
        self.echo_then_close(p, [("text", pattern(65536))])

    def test_1_3_non_minimal_length_encodings_are_accepted(self):
        # RFC 6455 §5.2 asks the sender for the minimal form; deviation D1.
        for form in (16, 64):
            with self.subTest(length_form=form):
                p = self.peer()
                p.send_raw(bad_frame(TEXT, b"short", length_form=form))
                self.echo_then_close(p, [("text", b"short")])

    # -- 2 ping / pong --
    def test_2_1_to_2_4_ping_payloads_come_back_in_the_pong(self):
        for payload in (b"", b"Hello, world!", b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff", b"\xfe" * 125):
            with self.subTest(length=len(payload)):
                p = self.peer()
                p.send(PING, payload)
                self.echo_then_close(p, [("pong", payload)])

    def test_2_5_ping_over_125_bytes_is_1002(self):
        p = self.peer()
        p.send_raw(bad_frame(PING, b"\xfe" * 126))
        if LWS:  # D4: lws drops the TCP connection without a close frame
            self.assertTranscript(p, ["eof"])
        else:
            self.fails_with(p, 1002)

    def test_2_6_ping_125_bytes_one_byte_per_write(self):
        p = self.peer()
        p.send_raw(p.serialize(PING, b"\xfe" * 125), chunk=1)
        self.echo_then_close(p, [("pong", b"\xfe" * 125)])

    def test_2_7_2_8_unsolicited_pongs_get_no_answer(self):
        for payload in (b"", b"unsolicited pong payload"):
            with self.subTest(length=len(payload)):
                p = self.peer()
                p.send(PONG, payload)
                p.send(TEXT, "after")
                self.echo_then_close(p, [("text", b"after")])

    def test_2_9_unsolicited_pong_then_ping(self):
        p = self.peer()
        p.send(PONG, b"unsolicited")
        p.send(PING, b"solicited")
        self.echo_then_close(p, [("pong", b"solicited")])

    def test_2_10_2_11_ten_pings_ten_pongs_in_order(self):
        for chunk in (None, 1):
            with self.subTest(chunk=chunk):
                p = self.peer()
                data = b"".join(p.serialize(PING, b"payload-%d" % i) for i in range(10))
                p.send_raw(data + p.serialize(TEXT, "end"), chunk=chunk)
                while ("text", b"end") not in p.events and not p.eof:
                    p.wait_for(len(p.events) + 1)
                pongs = [("pong", b"payload-%d" % i) for i in range(10)]
                if LWS and chunk is None:  # D2: one pong pending at a time, later pings dropped
                    self.echo_then_close(p, [pongs[0], ("text", b"end")])
                elif LWS:  # as many as were written before the next ping came, in order
                    got = p.events[:-1]
                    self.assertEqual(got, [e for e in pongs if e in got])
                    self.assertEqual(got[:1], pongs[:1])
                    self.echo_then_close(p, got + [("text", b"end")])
                else:
                    self.echo_then_close(p, pongs + [("text", b"end")])

    def test_2_12_ping_between_messages_answered_in_order(self):
        p = self.peer()
        p.send_raw(p.serialize(TEXT, "one") + p.serialize(PING, b"p") + p.serialize(TEXT, "two"))
        if LWS:  # D3: lws writes its pong before the answers queued ahead of it
            self.echo_then_close(p, [("pong", b"p"), ("text", b"one"), ("text", b"two")])
        else:
            self.echo_then_close(p, [("text", b"one"), ("pong", b"p"), ("text", b"two")])

    # -- 3 reserved bits --
    def test_3_1_to_3_7_reserved_bits_are_1002(self):
        # RSV given as RSV1*4 + RSV2*2 + RSV3; no extension was negotiated.
        cases = [(1, TEXT, b"Hello, world!"), (2, TEXT, b"Hello, world!"), (3, TEXT, b"Hello, world!"),
                 (4, TEXT, b"Hello, world!"), (5, BINARY, b"\x00\xff\xfe\xfd"), (6, PING, b"Hello"),
                 (7, CLOSE, close_payload(1000))]
        for rsv, opcode, payload in cases:
            with self.subTest(rsv=rsv, opcode=opcode):
                p = self.peer()
                p.send(TEXT, "before")
                self.assertEqual(p.wait_for(1), [("text", b"before")])
                p.send_raw(bad_frame(opcode, payload, rsv=rsv) + p.serialize(PING, b"after"))
                self.fails_with(p, 1002, before=[("text", b"before")])

    # -- 4 opcodes --
    def test_4_1_4_2_reserved_opcodes_are_1002(self):
        for opcode in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15):
            for payload in (b"", b"reserved opcode payload"):
                with self.subTest(opcode=opcode, length=len(payload)):
                    p = self.peer()
                    p.send(TEXT, "before")
                    self.assertEqual(p.wait_for(1), [("text", b"before")])
                    p.send_raw(bad_frame(opcode, payload) + p.serialize(PING, b"after"))
                    self.fails_with(p, 1002, before=[("text", b"before")])

    # -- 5 fragmentation --
    def test_5_1_5_2_fragmented_control_frames_are_1002(self):
        for opcode in (PING, PONG):
            with self.subTest(opcode=opcode):
                p = self.peer()
                p.send_raw(bad_frame(opcode, b"frag", fin=False) + bad_frame(CONT, b"ment"))
                self.fails_with(p, 1002)

    def test_5_3_to_5_5_two_fragments(self):
        for chunk in (None, 1):
            for opcode, kind in ((TEXT, "text"), (BINARY, "binary")):
                with self.subTest(chunk=chunk, kind=kind):
                    p = self.peer()
                    data = p.serialize(opcode, b"frag", fin=False) + p.serialize(CONT, b"ment")
                    p.send_raw(data, chunk=chunk)
                    self.echo_then_close(p, [(kind, b"fragment")])

    def test_5_6_to_5_8_ping_between_fragments(self):
        for chunk in (None, 1):
            with self.subTest(chunk=chunk):
                p = self.peer()
                data = p.serialize(TEXT, b"frag", fin=False) + p.serialize(PING, b"between")
                data += p.serialize(CONT, b"ment")
                p.send_raw(data, chunk=chunk)
                self.echo_then_close(p, [("pong", b"between"), ("text", b"fragment")])

    def test_5_7_pong_between_fragments(self):
        p = self.peer()
        p.send_raw(p.serialize(TEXT, b"frag", fin=False) + p.serialize(PONG, b"between")
                   + p.serialize(CONT, b"ment"))
        self.echo_then_close(p, [("text", b"fragment")])

    def test_5_9_to_5_14_continuation_without_a_message_is_1002(self):
        for fin in (True, False):
            for chunk in (None, 1):
                with self.subTest(fin=fin, chunk=chunk):
                    p = self.peer()
                    data = bad_frame(CONT, b"nothing to continue", fin=fin) + p.serialize(TEXT, "after")
                    p.send_raw(data, chunk=chunk)
                    if LWS and chunk:
                        # D9: lws fails at the frame's first byte and closes the
                        # socket with the rest unread: the reset may discard its
                        # close frame before the client reads it.
                        self.assertIn(cl.codes(p.transcript()), ([("close", 1002), "eof"], ["eof"]))
                    else:
                        self.fails_with(p, 1002)

    def test_5_15_continuation_after_a_complete_fragmented_message(self):
        p = self.peer()
        p.send_raw(p.serialize(TEXT, b"frag", fin=False) + p.serialize(CONT, b"ment"))
        self.assertEqual(p.wait_for(1), [("text", b"fragment")])
        p.send_raw(bad_frame(CONT, b"nothing", fin=False) + bad_frame(CONT, b"to continue")
                   + p.serialize(TEXT, "after"))
        self.fails_with(p, 1002, before=[("text", b"fragment")])

    def test_5_16_5_17_continuation_first_then_a_fragmented_message(self):
        for fin in (False, True):
            with self.subTest(fin=fin):
                p = self.peer()
                p.send_raw(bad_frame(CONT, b"nothing", fin=fin) + p.serialize(TEXT, b"frag", fin=False)
                           + p.serialize(CONT, b"ment"))
                self.fails_with(p, 1002)

    def test_5_18_text_frame_inside_a_fragmented_message_is_1002(self):
        p = self.peer()
        p.send_raw(p.serialize(TEXT, b"frag", fin=False) + bad_frame(TEXT, b"ment"))
        self.fails_with(p, 1002)

    def test_5_19_five_fragments_with_pings_answered_as_they_come(self):
        p = self.peer()
        parts = [b"f1-", b"f2-", b"f3-", b"f4-", b"f5"]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            p.send_raw(p.serialize(TEXT if i == 0 else CONT, part, fin=last))
            if not last:  # each pong before the next fragment is sent: no wait for the message
                p.send(PING, b"ping-%d" % i)
                self.assertEqual(p.wait_for(i + 1)[-1], ("pong", b"ping-%d" % i))
        self.echo_then_close(p, [("pong", b"ping-%d" % i) for i in range(4)] + [("text", b"".join(parts))])

    # -- 6 UTF-8 --
    def test_6_1_empty_fragments(self):
        for parts in ((b"", b"", b""), (b"", b"", b"middle"), (b"first", b"", b"")):
            with self.subTest(parts=parts):
                p = self.peer()
                p.send_raw(p.serialize(TEXT, parts[0], fin=False) + p.serialize(CONT, parts[1], fin=False)
                           + p.serialize(CONT, parts[2]))
                self.echo_then_close(p, [("text", b"".join(parts))])

    VALID = {
        "6.2 Hello-µ@ßöäüàá-UTF-8!!": "Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!".encode(),
        "6.5 kosme": "\u03ba\u1f79\u03c3\u03bc\u03b5".encode(),
        "6.7 U+0000": b"\x00", "6.7 U+007F": b"\x7f", "6.7 U+0080": b"\xc2\x80", "6.7 U+07FF": b"\xdf\xbf",
        "6.7 U+0800": b"\xe0\xa0\x80", "6.7 U+D7FF": b"\xed\x9f\xbf", "6.7 U+E000": b"\xee\x80\x80",
        "6.7 U+FEFF": b"\xef\xbb\xbf", "6.7 U+FFFD": b"\xef\xbf\xbd", "6.7 U+FFFE": b"\xef\xbf\xbe",
        "6.7 U+FFFF": b"\xef\xbf\xbf", "6.7 U+10000": b"\xf0\x90\x80\x80", "6.7 U+10FFFF": b"\xf4\x8f\xbf\xbf",
    }

    def test_6_2_6_5_6_7_valid_utf8_whole_and_one_byte_per_fragment(self):
        for name, data in self.VALID.items():
            for per_byte in (False, True):
                with self.subTest(case=name, per_byte=per_byte):
                    p = self.peer()
                    if per_byte and len(data) > 1:
                        frames = [p.serialize(TEXT if i == 0 else CONT, data[i:i + 1], fin=i == len(data) - 1)
                                  for i in range(len(data))]
                        p.send_raw(b"".join(frames))
                    else:
                        p.send(TEXT, data)
                    self.echo_then_close(p, [("text", data)])

    INVALID = {
        "6.3 kosme-edited (surrogate)": b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",
        "6.8 U+110000": b"\xf4\x90\x80\x80", "6.8 F5": b"\xf5\x80\x80\x80", "6.8 FE": b"\xfe", "6.8 FF": b"\xff",
        "6.9 overlong / (C0 AF)": b"\xc0\xaf", "6.9 overlong C1 BF": b"\xc1\xbf",
        "6.9 overlong E0 80 AF": b"\xe0\x80\xaf", "6.9 overlong F0 80 80 AF": b"\xf0\x80\x80\xaf",
        "6.9 overlong U+FFFF F0 8F BF BF": b"\xf0\x8f\xbf\xbf",
        "6.10 lone continuation 80": b"\x80", "6.10 lone continuation BF": b"\xbf",
        "6.10 two continuations": b"\x80\xbf", "6.11 lead byte then ASCII": b"\xc3\x28",
        "6.11 E2 then ASCII": b"\xe2\x28\xa1", "6.12 surrogate D800": b"\xed\xa0\x80",
        "6.12 surrogate DFFF": b"\xed\xbf\xbf", "6.12 surrogate pair": b"\xed\xa0\x80\xed\xb0\x80",
        "6.13 truncated 2-byte at the end": b"ok\xc3", "6.13 truncated 3-byte at the end": b"ok\xe2\x82",
        "6.13 truncated 4-byte at the end": b"ok\xf0\x9f\x98",
    }

    def test_6_3_6_8_to_6_13_invalid_utf8_is_1007(self):
        for name, data in self.INVALID.items():
            for per_byte in (False, True):
                with self.subTest(case=name, per_byte=per_byte):
                    p = self.peer()
                    if per_byte:
                        frames = [bad_frame(TEXT if i == 0 else CONT, data[i:i + 1], fin=i == len(data) - 1)
                                  for i in range(len(data))]
                        p.send_raw(b"".join(frames))
                    else:
                        p.send_raw(bad_frame(TEXT, data))
                    self.fails_with(p, 1007)

    KOSME_BAD = ("\u03ba\u1f79\u03c3\u03bc\u03b5".encode(), b"\xf4\x90\x80\x80", b"-edited")

    def test_6_4_1_fail_fast_on_the_fragment_with_the_bad_bytes(self):
        # The final fragment is never sent: the 1007 must come before it.
        p = self.peer()
        p.send_raw(p.serialize(TEXT, self.KOSME_BAD[0], fin=False)
                   + bad_frame(CONT, self.KOSME_BAD[1], fin=False))
        self.fails_with(p, 1007)

    def test_6_4_2_fail_fast_on_a_sequence_split_across_fragments(self):
        # F4 ends fragment 1 (a valid start); the 90 opening fragment 2 breaks it.
        p = self.peer()
        p.send_raw(bad_frame(TEXT, self.KOSME_BAD[0] + b"\xf4", fin=False)
                   + bad_frame(CONT, b"\x90\x80\x80", fin=False))
        self.fails_with(p, 1007)

    def test_6_4_3_6_4_4_fail_fast_inside_one_frame(self):
        # One frame declares all its bytes; only those up to the first bad one
        # (the 90 after F4) or to the end of the bad sequence are sent.
        for cut in (len(self.KOSME_BAD[0]) + 2, len(self.KOSME_BAD[0]) + 4):
            with self.subTest(cut=cut):
                data = b"".join(self.KOSME_BAD) + b"x" * 100
                frame = bad_frame(TEXT, data)
                head = len(frame) - len(data)
                p = self.peer()
                p.send_raw(frame[:head + cut])
                if LWS:  # D3: lws checks UTF-8 once the frame is complete
                    p.send_raw(frame[head + cut:])
                self.fails_with(p, 1007)

    # -- 7 close handling --
    def test_7_1_1_message_then_close(self):
        # Both in one write: the close comes before the echo is written.
        p = self.peer()
        p.send_raw(p.serialize(TEXT, "Hello World!") + p.serialize(CLOSE, close_payload(1000)))
        p.silent = True
        if LWS and el.wh.TEST_EVENT_LOOP == "poll":  # D4: the echo is dropped
            self.fails_with(p, 1000)
        else:
            self.fails_with(p, 1000, before=[("text", b"Hello World!")])

    def test_7_1_2_to_7_1_4_nothing_answered_after_the_close(self):
        for after in ("close", "ping", "text"):
            with self.subTest(after=after):
                p = self.peer()
                p.send_close(1000)
                trailer = {"close": bad_frame(CLOSE, close_payload(1000)), "ping": bad_frame(PING, b"late"),
                           "text": bad_frame(TEXT, b"late")}[after]
                p.send_raw(trailer)
                self.fails_with(p, 1000)

    def test_7_1_5_message_completed_after_the_close_is_dropped(self):
        p = self.peer()
        p.send_raw(p.serialize(TEXT, b"frag", fin=False))
        p.send_close(1000)
        p.send_raw(bad_frame(CONT, b"ment"))
        self.fails_with(p, 1000)

    def test_7_1_6_server_initiated_close(self):
        # raw-echo closes with 1000 "bye" on the text message "close".
        p = self.peer()
        p.send(TEXT, "before")
        p.send(TEXT, "close")
        self.assertTranscript(p, [("text", b"before"), ("close", 1000, "bye"), "eof"], reasons=True)

    def test_7_3_1_empty_close_payload(self):
        p = self.peer()
        p.send_close()
        # RFC 6455 §5.5.1 lets the answer echo the code (none) or give one:
        # the host reader says 1000, lws echoes the empty payload (N2).
        self.assertTranscript(p, [("close", None if LWS else 1000, ""), "eof"], reasons=True)

    def test_7_3_2_one_byte_close_payload_is_1002(self):
        p = self.peer()
        p.send_raw_close(b"\x03")
        self.fails_with(p, 1002)

    def test_7_3_3_to_7_3_5_close_reasons_up_to_123_bytes(self):
        for reason in ("", "Hello World!", "*" * 123):
            with self.subTest(length=len(reason)):
                p = self.peer()
                p.send_close(1000, reason)
                self.fails_with(p, 1000)

    def test_7_3_6_close_payload_over_125_bytes_is_1002(self):
        p = self.peer()
        p.send_raw_close(close_payload(1000, "*" * 124))
        if LWS:  # D4
            self.assertTranscript(p, ["eof"])
        else:
            self.fails_with(p, 1002)

    def test_7_5_1_close_reason_not_utf8_is_1007(self):
        p = self.peer()
        p.send_raw_close(close_payload(1000, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"))
        if LWS:  # D5: lws drops the TCP connection without a close frame
            self.assertTranscript(p, ["eof"])
        else:
            self.fails_with(p, 1007)

    def test_7_7_valid_close_codes_are_echoed(self):
        for code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000,
                     4999):
            with self.subTest(code=code):
                p = self.peer()
                p.send_raw_close(close_payload(code))
                if LWS and code in (1012, 1013, 1014):  # D6: lws takes them for reserved codes
                    self.fails_with(p, 1002)
                else:
                    self.fails_with(p, code)

    def test_7_9_invalid_close_codes_are_1002(self):
        for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535):
            with self.subTest(code=code):
                p = self.peer()
                p.send_raw_close(close_payload(code))
                self.fails_with(p, 1002)

    # -- 9 large messages (up to max_message_bytes) --
    def test_9_1_9_2_large_messages_up_to_the_limit(self):
        for n in (65536, 262144, MAX_MESSAGE):
            for opcode, kind in ((TEXT, "text"), (BINARY, "binary")):
                with self.subTest(length=n, kind=kind):
                    data = pattern(n) if opcode == TEXT else os.urandom(n)
                    p = self.peer()
                    p.send(opcode, data)
                    self.echo_then_close(p, [(kind, data)])

    def test_9_3_9_4_limit_in_fragments_of_64_to_65536_bytes(self):
        for size in (64, 256, 1024, 4096, 16384, 65536):
            for opcode, kind in ((TEXT, "text"), (BINARY, "binary")):
                with self.subTest(fragment=size, kind=kind):
                    data = pattern(MAX_MESSAGE, opcode == TEXT)
                    p = self.peer()
                    n = len(data) // size
                    p.send_raw(b"".join(p.serialize(opcode if i == 0 else CONT, data[i * size:(i + 1) * size],
                                                    fin=i == n - 1) for i in range(n)))
                    self.echo_then_close(p, [(kind, data)])

    def test_9_5_one_byte_over_the_limit_is_1009(self):
        for fragments in (1, 4):
            with self.subTest(fragments=fragments):
                data = pattern(MAX_MESSAGE + 1)
                size = len(data) // fragments + 1
                p = self.peer()
                chunks = [data[i:i + size] for i in range(0, len(data), size)]
                p.send_raw(b"".join(p.serialize(TEXT if i == 0 else CONT, c, fin=i == len(chunks) - 1)
                                    for i, c in enumerate(chunks)))
                self.fails_with(p, 1009)

    # -- 10 auto-fragmentation --
    def test_10_1_1_65536_bytes_in_1300_byte_fragments(self):
        data = pattern(65536)
        p = self.peer()
        chunks = [data[i:i + 1300] for i in range(0, len(data), 1300)]
        p.send_raw(b"".join(p.serialize(TEXT if i == 0 else CONT, c, fin=i == len(chunks) - 1)
                            for i, c in enumerate(chunks)))
        self.echo_then_close(p, [("text", data)])


if __name__ == "__main__":
    cl.main()

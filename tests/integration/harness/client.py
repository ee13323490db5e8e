"""A WebSocket client for the tests (Debian's python3-websocket, websocket-client
1.2.3): raw frames out, one data message in at a time, a close frame as
ServerClosed. Every receive has a timeout."""

import itertools
import json
import struct

import websocket
from websocket import ABNF

from .strict_json import strict_json

# websocket-client 1.2.3 refuses the close codes 1012-1014 ("Invalid close
# opcode"), which wshost sends (1013: slow consumer); let them through.
_valid_close = ABNF._is_valid_close_status
ABNF._is_valid_close_status = staticmethod(lambda code: code in (1012, 1013, 1014) or _valid_close(code))


RECV_TIMEOUT_S = 10.0

_marker_ids = itertools.count(1)  # requestIds of marker round trips, unique per process


class ServerClosed(AssertionError):
    """The server sent a close frame where a data frame was expected."""

    def __init__(self, code, reason):
        super().__init__("server closed the connection: code %r reason %r" % (code, reason))
        self.code = code
        self.reason = reason


def parse_close(data):
    if len(data) >= 2:
        return struct.unpack("!H", data[:2])[0], data[2:].decode("utf-8", "replace")
    return None, ""  # no status code: RFC 6455 says 1005


class Client:
    def __init__(self, port, path="/", timeout=RECV_TIMEOUT_S, header=None, origin=None, subprotocols=None):
        self.url = "ws://127.0.0.1:%d%s" % (port, path)
        self.timeout = timeout
        options = {"header": header} if header else {}
        if subprotocols:
            options["subprotocols"] = list(subprotocols)  # the selected one: self.ws.getsubprotocol()
        if origin:
            options["origin"] = origin  # instead of websocket-client's http://127.0.0.1:PORT
        self.ws = websocket.create_connection(self.url, timeout=timeout, **options)

    # -- sending --
    def send_text(self, data):
        """Sends one text frame; `data` as str (UTF-8) or bytes (sent as is)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.ws.send_frame(ABNF.create_frame(data, ABNF.OPCODE_TEXT))

    def send_binary(self, data):
        self.ws.send_frame(ABNF.create_frame(data, ABNF.OPCODE_BINARY))

    def send_fragments(self, parts, opcode=ABNF.OPCODE_TEXT):
        """Sends one message as len(parts) frames (first `opcode`, then continuation)."""
        for i, part in enumerate(parts):
            if isinstance(part, str):
                part = part.encode("utf-8")
            op = opcode if i == 0 else ABNF.OPCODE_CONT
            fin = 1 if i == len(parts) - 1 else 0
            self.ws.send_frame(ABNF.create_frame(part, op, fin))

    # -- receiving --
    def recv_frame(self, timeout=None):
        """Next data message as (opcode, bytes). A close frame raises ServerClosed."""
        t = self.timeout if timeout is None else timeout
        self.ws.settimeout(t)
        try:
            opcode, frame = self.ws.recv_data_frame(control_frame=False)
        except websocket.WebSocketTimeoutException:
            raise AssertionError("no frame from the server within %.1f s" % t) from None
        if opcode == ABNF.OPCODE_CLOSE:
            code, reason = parse_close(frame.data)
            raise ServerClosed(code, reason)
        return opcode, frame.data

    def recv_json(self, timeout=None):
        """Next message, which must be a text frame holding one JSON object.
        Returns (raw_text, parsed)."""
        opcode, data = self.recv_frame(timeout)
        if opcode != ABNF.OPCODE_TEXT:
            raise AssertionError("expected a text frame, got opcode %d: %r" % (opcode, data[:200]))
        text = data.decode("utf-8")
        value = strict_json(text)
        if not isinstance(value, dict):
            raise AssertionError("server sent a JSON non-object: %r" % text[:200])
        return text, value

    def request(self, frame, timeout=None):
        """Sends `frame` (str/bytes, or a dict serialised compactly) and returns
        the parsed reply (the next frame)."""
        if isinstance(frame, dict):
            frame = json.dumps(frame, separators=(",", ":"))
        self.send_text(frame)
        return self.recv_json(timeout)[1]

    def request_raw(self, frame, timeout=None):
        self.send_text(frame)
        return self.recv_json(timeout)

    def marker_roundtrip(self, action="echo", payload=None, expect=None):
        """Proves that nothing is pending for this connection: sends a request whose
        answer is known (by default an echo) under a fresh requestId and fails
        unless the very next message is its success answer (a stray frame or a
        close frame first fails the test). Returns the answer's payload.

        Absence is proven by order, not by waiting: the host answers one
        connection's requests in order and writes its outbox in order, so call it
        once whatever must produce nothing has had its chance (for a frame from
        another thread, after that thread's effect was observed)."""
        rid = "marker-%d" % next(_marker_ids)
        if action == "echo" and payload is None:
            payload, expect = {"message": rid}, {"message": "Echo: " + rid}
        frame = {"action": action, "requestId": rid}
        if payload is not None:
            frame["payload"] = payload
        self.send_text(json.dumps(frame, separators=(",", ":")))
        opcode, data = self.recv_frame()
        try:
            answer = strict_json(data.decode("utf-8")) if opcode == ABNF.OPCODE_TEXT else None
        except (UnicodeDecodeError, ValueError):
            answer = None
        if not (isinstance(answer, dict) and answer.get("requestId") == rid):
            raise AssertionError("expected the answer to %s first, got a stray frame (opcode %d): %r"
                                 % (rid, opcode, data[:300]))
        if answer.get("status") != "success" or (expect is not None and answer.get("payload") != expect):
            raise AssertionError("marker %s answered unexpectedly: %r" % (rid, answer))
        return answer["payload"]

    def expect_close(self, timeout=None):
        """Waits for the server's close frame; fails on any data frame first or on a
        connection dropped without close frame. Returns (code, reason)."""
        # Raw frames: recv_data_frame() would answer the close itself, which can
        # fail with EPIPE once the server has gone and hide the code we want.
        t = self.timeout if timeout is None else timeout
        self.ws.settimeout(t)
        while True:
            try:
                frame = self.ws.recv_frame()
            except websocket.WebSocketTimeoutException:
                raise AssertionError("no close frame from the server within %.1f s" % t) from None
            except websocket.WebSocketConnectionClosedException:
                raise AssertionError("connection dropped without a close frame (1006)")
            except ConnectionResetError:
                raise AssertionError("connection reset without a close frame (1006)")
            if frame.opcode in (ABNF.OPCODE_PING, ABNF.OPCODE_PONG):
                continue
            if frame.opcode != ABNF.OPCODE_CLOSE:
                raise AssertionError("expected a close frame, got opcode %d: %r"
                                     % (frame.opcode, frame.data[:300]))
            return parse_close(frame.data)

    def close(self):
        try:
            self.ws.close(timeout=2)
        except Exception:
            pass
        self.ws.shutdown()

    def abort(self):
        self.ws.shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

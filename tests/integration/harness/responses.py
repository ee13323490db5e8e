"""Assertions on the host's responses (DESIGN §1) and the echo round trip."""


NO_RID = object()  # "the response must not carry requestId"


def assert_success(test, resp, payload, request_id=NO_RID):
    expected = {"status": "success", "payload": payload}
    if request_id is not NO_RID:
        expected["requestId"] = request_id
    test.assertEqual(resp, expected)


def assert_error(test, resp, code, request_id=NO_RID, message=None):
    """Checks the exact error shape of DESIGN §1:
    {"status":"error","payload":{},"requestId":...,"error":{"code":...,"message":...}}."""
    expected_keys = {"status", "payload", "error"}
    if request_id is not NO_RID:
        expected_keys.add("requestId")
    test.assertEqual(set(resp), expected_keys, "response keys: %r" % (resp,))
    test.assertEqual(resp["status"], "error", resp)
    test.assertEqual(resp["payload"], {}, resp)
    if request_id is not NO_RID:
        test.assertEqual(resp["requestId"], request_id, resp)
    err = resp["error"]
    test.assertIsInstance(err, dict, resp)
    test.assertEqual(err.get("code"), code, resp)
    test.assertIsInstance(err.get("message"), str, resp)
    test.assertTrue(err["message"], "empty error message: %r" % (resp,))
    if code != "rate_limited":
        test.assertEqual(set(err), {"code", "message"}, resp)
    if message is not None:
        test.assertEqual(err["message"], message, resp)


def echo_roundtrip(test, client, text="ping", rid="ping-1"):
    """One echo request that must be answered exactly (proves the connection works)."""
    resp = client.request({"action": "echo", "payload": {"message": text}, "requestId": rid})
    assert_success(test, resp, {"message": "Echo: " + text}, rid)

"""The JSON log format (README, "Logs"), checked line by line."""

import datetime
import re

from .strict_json import strict_json


LOG_LEVELS = ("error", "warn", "info", "debug")
LOG_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
LOG_EVENT = re.compile(r"^[a-z][a-z0-9_]*$")
LOG_OPTIONAL_STRINGS = ("user", "request_id", "plugin", "action")


def json_log_line_problem(obj):
    """Why one parsed JSON log line breaks the format (README, "Logs"), or None."""
    if not isinstance(obj, dict):
        return "not an object"
    for key in ("ts", "level", "event", "msg"):
        if not isinstance(obj.get(key), str):
            return "%r missing or not a string" % key
    if not LOG_TS.match(obj["ts"]):
        return "ts is not RFC 3339 UTC with milliseconds: %r" % obj["ts"]
    datetime.datetime.strptime(obj["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")  # a real date
    if obj["level"] not in LOG_LEVELS:
        return "bad level %r" % obj["level"]
    if not LOG_EVENT.match(obj["event"]):
        return "bad event %r" % obj["event"]
    if "conn" in obj and not (isinstance(obj["conn"], str) and obj["conn"].isdigit()):
        return "conn must be a decimal string: %r" % obj["conn"]
    for key in LOG_OPTIONAL_STRINGS:
        if key in obj and not (isinstance(obj[key], str) and obj[key]):
            return "%s must be a non-empty string: %r" % (key, obj[key])
    if "generation" in obj and not (type(obj["generation"]) is int and obj["generation"] > 0):
        return "generation must be a positive integer: %r" % obj["generation"]
    unknown = set(obj) - {"ts", "level", "event", "msg", "conn", "generation"} - set(LOG_OPTIONAL_STRINGS)
    if unknown:
        return "unknown keys %s" % sorted(unknown)
    return None


def check_json_log(path):
    """Parses every line of a JSON-format host log with a strict JSON parser;
    returns (lines checked, [problems])."""
    problems, n = [], 0
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        problems.append("the log does not end with a newline")
    for n, raw in enumerate(data.splitlines(), 1):
        try:
            why = json_log_line_problem(strict_json(raw.decode("utf-8")))
        except (UnicodeDecodeError, ValueError) as e:
            why = "not JSON: %s" % e
        if why:
            problems.append("line %d: %s: %r" % (n, why, raw[:300]))
    return n, problems

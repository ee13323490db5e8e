"""Bounded polling: for a condition, a file, or a line in a host's log. Nothing
here sleeps to synchronise; each wait has a deadline and names what it waited for."""

import os
import re
import time

from .errors import HostError


def wait_until(predicate, timeout=20.0, what="condition", interval=0.05):
    """Polls `predicate()` until it returns a truthy value (returned) or the
    deadline passes (AssertionError naming `what`)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def wait_for_log(host, pattern, since=0, timeout=20.0):
    """Polls the host's log (from byte offset `since`) for a regex, with a
    deadline; returns the new log text. For events only the log shows."""
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while True:
        with open(host.log_path, "rb") as f:
            f.seek(since)
            text = f.read().decode("utf-8", "replace")
        if rx.search(text):
            return text
        if host.proc.poll() is not None:
            raise HostError("host exited (%s) while waiting for %r in its log:\n%s"
                            % (host.proc.returncode, pattern, host.log()))
        if time.monotonic() > deadline:
            raise HostError("no %r in the host log after %.0f s; new log text:\n%s"
                            % (pattern, timeout, text[-4000:]))
        time.sleep(0.02)


def wait_for_file(path, alive, timeout, what):
    """Polls for `path` until it exists, `alive()` turns false, or the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        if os.path.exists(path):
            return True
        if not alive():
            return False
        if time.monotonic() > deadline:
            raise HostError("timed out after %.0f s waiting for %s (%s)" % (timeout, what, path))
        time.sleep(0.02)

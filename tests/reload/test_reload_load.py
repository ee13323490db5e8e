"""Reload under load (DESIGN §7): 200 WebSocket clients keep sending `version`
requests while the plugin is swapped v1 -> v2 -> v1 ... twenty times, one of
those reloads carrying a plugin whose init fails.

Asserts: every request gets exactly one response (by requestId: none missing,
none duplicated, none unknown); no connection is closed; every request sent
after a reload's `ok` line is answered by the new version (or by a later one,
when a further swap came before it was answered); the failed reload keeps the
previous generation serving; the generation number grows by one per success
only; afterwards the mapped plugin copies (/proc/PID/maps lines with
"wshost:verkit") and the open fds return to their level before the reloads,
and every retired generation ran its fini.
"""

import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reloadlib as rl  # noqa: E402

import unittest  # noqa: E402

CLIENTS = 200
RELOADS = 20
BROKEN_AT = 9           # the 10th reload deploys verkit_broken.so
PIPELINE = 2            # requests in flight per client
RUN_DEADLINE_S = 60.0   # the twenty reloads, load included
PHASE_TIMEOUT_S = 30.0  # every client answered after a reload result
DRAIN_TIMEOUT_S = 10.0  # maps and fds back to their level
RECV_TIMEOUT_S = 30.0


class LoadState:
    """What the clients read when they send and receive (plain attribute reads)."""

    def __init__(self):
        self.versions = ["v1"]  # versions[k]: what generation k (0 = as started) answers
        self.ok_count = 0       # generations swapped in, as seen in the log
        self.upper = 0          # the newest generation that may be serving
        self.phase = 0          # reload results seen (ok or failed)
        self.stop = threading.Event()


class LoadClient(threading.Thread):
    def __init__(self, idx, host, state):
        super().__init__(name="load-%d" % idx, daemon=True)
        self.idx = idx
        self.state = state
        self.client = host.client(timeout=RECV_TIMEOUT_S)
        self.sent = {}        # rid -> (generation index at send, phase at send)
        self.got = {}         # rid -> version
        self.duplicates = []
        self.unknown = []
        self.wrong = []       # (rid, version, allowed versions)
        self.strict = 0       # answers checked against exactly one version
        self.errors = []
        self.last_phase = -1  # newest phase of a request answered
        self.done = False

    def record(self, resp):
        rid = resp.get("requestId")
        if resp.get("status") != "success" or rid is None:
            self.unknown.append(resp)
            return None
        if rid not in self.sent:
            self.unknown.append(resp)
            return rid
        if rid in self.got:
            self.duplicates.append(rid)
            return rid
        version = resp["payload"].get("version")
        self.got[rid] = version
        sent_gen, sent_phase = self.sent[rid]
        upper = self.state.upper  # read after the answer arrived
        allowed = self.state.versions[sent_gen:upper + 1]
        if upper == sent_gen:
            self.strict += 1
        if version not in allowed:
            self.wrong.append((rid, version, allowed))
        if sent_phase > self.last_phase:
            self.last_phase = sent_phase
        return rid

    def run(self):
        st = self.state
        n = 0
        try:
            while not st.stop.is_set():
                pending = set()
                for _ in range(PIPELINE):
                    rid = "c%d-%d" % (self.idx, n)
                    n += 1
                    # Read before sending: a request sent after the main thread
                    # saw the ok line carries the new generation's index.
                    self.sent[rid] = (st.ok_count, st.phase)
                    self.client.send_text(rl.req("version", rid))
                    pending.add(rid)
                while pending:
                    _, resp = self.client.recv_json(timeout=RECV_TIMEOUT_S)
                    pending.discard(self.record(resp))
            # A last request: anything arriving before its answer is a duplicate
            # or a stray frame.
            rid = "final-%d" % self.idx
            self.sent[rid] = (st.ok_count, st.phase)
            self.client.send_text(rl.req("version", rid))
            while True:
                _, resp = self.client.recv_json(timeout=RECV_TIMEOUT_S)
                if self.record(resp) == rid:
                    break
        except Exception as e:  # a close, a timeout, a bad frame
            self.errors.append("client %d: %r" % (self.idx, e))
        finally:
            self.done = True


class ReloadUnderLoadTest(unittest.TestCase):
    def test_twenty_swaps_under_load(self):
        """verkit inline: handlers run on the service thread."""
        self.run_load("load", [])

    def test_twenty_swaps_under_load_blocking(self):
        """verkit `blocking = true`: handlers run on the worker pool, so the swap
        happens while jobs of the old generation are queued or running there."""
        self.run_load("load-blocking", ["blocking = true"])

    def run_load(self, name, plugin_lines):
        plugins = [("verkit", "verkit.so", plugin_lines)]
        with rl.ReloadHost(name, initial="v1", plugins=plugins) as host:
            clients = []
            try:
                self.load_and_check(host, clients)
            finally:
                for c in clients:
                    c.client.abort()  # after close(): harmless; after a failure: no leak

    def load_and_check(self, host, clients):
        state = LoadState()
        try:
            for i in range(CLIENTS):
                clients.append(LoadClient(i, host, state))
            for c in clients:
                c.start()
            # Every client is being served before anything changes.
            self.wait_phase(clients, 0, "first answers")
            maps_before = len(host.mapped_plugin_lines())
            files_before = host.mapped_plugin_files()
            fds_before = host.fd_count()
            self.assertEqual(files_before, 1, host.mapped_plugin_lines())

            t0 = time.monotonic()
            current = "v1"
            results = []
            for i in range(RELOADS):
                self.assertLess(time.monotonic() - t0, RUN_DEADLINE_S,
                                "the reloads took too long (%d done)" % i)
                self.check_clients(clients)
                if i == BROKEN_AT:
                    host.deploy("broken")
                    gen, status, rest, _ = host.reload(expect="failed")
                    results.append((gen, status, rest))
                else:
                    new = "v2" if current == "v1" else "v1"
                    host.deploy(new)
                    state.versions.append(new)   # tentatively: may answer from now on
                    state.upper = state.ok_count + 1
                    gen, status, rest, _ = host.reload(expect="ok")
                    state.ok_count += 1          # requests sent from here on: new only
                    current = new
                    results.append((gen, status, rest))
                state.phase += 1
                # Every client answered by what serves now (the new version,
                # or the old one after the failure) before the next reload.
                self.wait_phase(clients, state.phase, "answers after reload %d" % (i + 1))
            elapsed = time.monotonic() - t0
        finally:
            state.stop.set()
            for c in clients:
                if c.ident is not None:
                    c.join(RECV_TIMEOUT_S * 2)

        self.check_clients(clients)
        stuck = [c.idx for c in clients if c.is_alive()]
        self.assertEqual(stuck, [], "client threads still running")

        # Generations: every attempt takes the next number, 2..RELOADS+1, the
        # failure included (the successes skip its number).
        self.assertEqual([g for g, _, _ in results], list(range(2, RELOADS + 2)), results)
        self.assertEqual(results[BROKEN_AT], (BROKEN_AT + 2, "failed", results[BROKEN_AT][2]))
        self.assertIn("init failed", results[BROKEN_AT][2])

        # Exactly one answer per request, the right version, nothing stray.
        total = sum(len(c.sent) for c in clients)
        answered = sum(len(c.got) for c in clients)
        missing = [(c.idx, rid) for c in clients for rid in c.sent if rid not in c.got]
        self.assertEqual(missing, [], "requests without an answer (%d of %d)" % (len(missing), total))
        self.assertEqual([d for c in clients for d in c.duplicates], [], "duplicated answers")
        self.assertEqual([u for c in clients for u in c.unknown], [], "unexpected frames")
        wrong = [w for c in clients for w in c.wrong]
        self.assertEqual(wrong[:20], [], "answers from the wrong version (%d)" % len(wrong))
        strict = sum(c.strict for c in clients)
        sys.stderr.write("\nload: %d requests, %d answered (%d checked against exactly one "
                         "version) in %.1f s of reloads\n" % (total, answered, strict, elapsed))
        # Each client had an answer sent and received between two reloads in
        # every phase (wait_phase): those were checked against exactly one version.
        self.assertGreaterEqual(strict, CLIENTS * (RELOADS + 1))

        # Everything retired is unloaded once the drain ends: same mappings and fds.
        def back():
            return (len(host.mapped_plugin_lines()) == maps_before
                    and host.fd_count() == fds_before)
        try:
            rl.wait_until(back, DRAIN_TIMEOUT_S, "the old generations to unload")
        except AssertionError:
            self.fail("after the reloads: %d mapped lines (before %d), %d fds (before %d);\n%s"
                      % (len(host.mapped_plugin_lines()), maps_before, host.fd_count(),
                         fds_before, "".join(host.mapped_plugin_lines())))
        self.assertEqual(host.mapped_plugin_files(), 1)
        log = host.log_text()
        self.assertEqual(len(re.findall(r"verkit init version=", log)), RELOADS)  # 1 + 19
        self.assertEqual(len(re.findall(r"verkit fini version=", log)), RELOADS - 1)

        # Still connected and served by the current version.
        for c in clients[:10]:
            self.assertEqual(rl.version_of(self, c.client, "after-%d" % c.idx), current)
        for c in clients:
            c.client.close()
        host.check_no_sanitizer_reports()

    def wait_phase(self, clients, phase, what):
        def ready():
            self.check_clients(clients)
            return all(c.last_phase >= phase for c in clients)
        rl.wait_until(ready, PHASE_TIMEOUT_S, what)

    def check_clients(self, clients):
        errors = [e for c in clients for e in c.errors]
        if errors:
            self.fail("%d client(s) failed; first: %s" % (len(errors), errors[:5]))


if __name__ == "__main__":
    rl.main()

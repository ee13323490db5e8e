"""Lighter reloads (wsh_plugin_def.reload, DESIGN §7): a plugin that opts in and
whose file and [[plugin]] settings are unchanged keeps its running instance
across a reload and gets reload(config) instead of a fresh copy and init. A new
file or changed settings load a fresh copy as usual. A refused reload fails the
whole reload, and plugins that had already taken the new config are rolled back.

cfgkit's `<name>.get` answers its greeting, a random `instance` id chosen at
init, and how many reload calls it got: the tests tell a kept instance from a
fresh one by that id.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reloadlib as rl  # noqa: E402
from reloadlib import h  # noqa: E402

import unittest  # noqa: E402


def cfg(name, greeting, *extra):
    return (name, name + ".so", ["[plugin.config]", "greeting = " + h.toml_str(greeting)] + list(extra))


def with_settings(entry, *settings):
    """The same [[plugin]] entry with settings lines before its [plugin.config]."""
    name, fname, lines = entry
    return (name, fname, list(settings) + lines)


class InPlaceHost(rl.ReloadHost):
    """A host running verkit (no lighter reload) beside cfgkit (and cfgkit_b)."""

    def __init__(self, name, plugins):
        super().__init__(name, plugins=[("verkit", "verkit.so", [])] + plugins)
        self.deploy("cfgkit_v1", "cfgkit.so")
        self.deploy("cfgkit_b", "cfgkit_b.so")
        self.seq = 0

    def apply(self, plugins, expect):
        self.write_config(self.render(plugins=[("verkit", "verkit.so", [])] + plugins))
        return self.reload(expect=expect)

    def get(self, test, client, name="cfgkit"):
        self.seq += 1
        rid = "g%d" % self.seq
        resp = client.request(rl.req(name + ".get", rid))
        test.assertEqual(resp.get("status"), "success", resp)
        test.assertEqual(resp.get("requestId"), rid, resp)
        return resp["payload"]


class InPlaceTest(unittest.TestCase):
    def test_config_change_keeps_the_instance(self):
        with InPlaceHost("inplace-keep", [cfg("cfgkit", "a")]) as host, host.client() as c:
            first = host.get(self, c)
            self.assertEqual((first["greeting"], first["reloads"], first["version"]), ("a", 0, "v1"))
            maps_before = host.mapped_plugin_files("wshost:cfgkit")
            self.assertEqual(maps_before, 1)

            gen, _, _, text = host.apply([cfg("cfgkit", "b")], expect="ok")
            self.assertEqual(gen, 2)
            self.assertIn("plugin 'cfgkit' v1 kept, its config reloaded in place", text)
            self.assertIn("plugin 'verkit'", text)  # verkit has no reload: a fresh copy
            now = host.get(self, c)
            self.assertEqual((now["greeting"], now["reloads"]), ("b", 1))
            self.assertEqual(now["instance"], first["instance"])
            self.assertEqual(rl.version_of(self, c, "v1"), "v1")

            # An unchanged config still calls reload (a plugin may re-read its files).
            host.reload(expect="ok")
            again = host.get(self, c)
            self.assertEqual((again["greeting"], again["reloads"]), ("b", 2))
            self.assertEqual(again["instance"], first["instance"])
            # No second copy of cfgkit was ever mapped; the kept one still answers
            # after the old generations were retired.
            self.assertEqual(host.mapped_plugin_files("wshost:cfgkit"), 1)
            host.check_no_sanitizer_reports()

    def test_new_file_or_settings_load_a_fresh_copy(self):
        with InPlaceHost("inplace-fresh", [cfg("cfgkit", "a")]) as host, host.client() as c:
            first = host.get(self, c)

            host.deploy("cfgkit_v2", "cfgkit.so")
            host.apply([cfg("cfgkit", "a")], expect="ok")
            v2 = host.get(self, c)
            self.assertEqual((v2["version"], v2["reloads"], v2["greeting"]), ("v2", 0, "a"))
            self.assertNotEqual(v2["instance"], first["instance"])
            rl.wait_until(lambda: host.mapped_plugin_files("wshost:cfgkit") == 1, 30,
                          "the old copy of cfgkit to be unmapped")

            # Same file, a changed setting (blocking): fresh too.
            host.apply([with_settings(cfg("cfgkit", "a"), "blocking = true")], expect="ok")
            blocking = host.get(self, c)
            self.assertEqual(blocking["reloads"], 0)
            self.assertNotEqual(blocking["instance"], v2["instance"])

            # And from there, a config change alone is a lighter reload again.
            host.apply([with_settings(cfg("cfgkit", "z"), "blocking = true")], expect="ok")
            kept = host.get(self, c)
            self.assertEqual((kept["greeting"], kept["reloads"]), ("z", 1))
            self.assertEqual(kept["instance"], blocking["instance"])
            host.check_no_sanitizer_reports()

    def test_refusal_fails_the_reload_and_rolls_back(self):
        plugins = [cfg("cfgkit", "a"), cfg("cfgkit_b", "x")]
        with InPlaceHost("inplace-refuse", plugins) as host, host.client() as c:
            a0, b0 = host.get(self, c), host.get(self, c, "cfgkit_b")

            # cfgkit takes "b" first, then cfgkit_b refuses: cfgkit is rolled back.
            _, _, rest, text = host.apply([cfg("cfgkit", "b"), cfg("cfgkit_b", "y", "refuse_reload = true")],
                                          expect="failed")
            self.assertIn("plugin 'cfgkit_b': reload failed", rest + text)
            self.assertIn("refuse_reload is set", text)  # the plugin's own reason, logged
            a1, b1 = host.get(self, c), host.get(self, c, "cfgkit_b")
            self.assertEqual((a1["greeting"], a1["instance"]), ("a", a0["instance"]))
            self.assertEqual(a1["reloads"], 2)  # the new config, then the previous one back
            self.assertEqual((b1["greeting"], b1["instance"]), ("x", b0["instance"]))

            # The next valid reload applies to both, still the same instances. The
            # failed attempt took generation 2: this one is 3.
            gen, _, _, _ = host.apply([cfg("cfgkit", "c"), cfg("cfgkit_b", "w")], expect="ok")
            self.assertEqual(gen, 3)
            a2, b2 = host.get(self, c), host.get(self, c, "cfgkit_b")
            self.assertEqual((a2["greeting"], a2["instance"]), ("c", a0["instance"]))
            self.assertEqual((b2["greeting"], b2["instance"]), ("w", b0["instance"]))
            host.check_no_sanitizer_reports()

    def test_failure_elsewhere_never_reaches_the_kept_plugin(self):
        with InPlaceHost("inplace-broken", [cfg("cfgkit", "a")]) as host, host.client() as c:
            before = host.get(self, c)
            host.deploy("broken")  # verkit's init fails
            host.apply([cfg("cfgkit", "b")], expect="failed")
            after = host.get(self, c)
            self.assertEqual((after["greeting"], after["reloads"]), ("a", 0))
            self.assertEqual(after["instance"], before["instance"])
            self.assertEqual(rl.version_of(self, c, "v1"), "v1")
            host.check_no_sanitizer_reports()


if __name__ == "__main__":
    rl.main()

"""Authentication config errors (DESIGN §2, §5): `wshost --check-config`
validates the config AND loads the plugins, so an authenticator the plugins do
not provide, or two plugins registering authenticators, are refused with a
message naming them; the server itself refuses to start with such a config.
"""

import os
import shutil
import subprocess
import unittest

import authlib
import wshost_harness as wh
from authlib import auth_config, run_check_config

S1 = "config-secret-0123456789abcdef!!"

APPS = ['[plugin.config]', '[[plugin.config.applications]]', 'key = "k"', 'secret = "s"']


class CheckConfig(unittest.TestCase):
    def check(self, text, name):
        rc, out, d = run_check_config(text, name)
        self.addCleanup(shutil.rmtree, d, True)
        for marker in wh.SANITIZER_MARKERS:
            self.assertNotIn(marker, out, out)
        return rc, out

    def assert_refused(self, text, name, *needles):
        rc, out = self.check(text, name)
        self.assertNotEqual(rc, 0, "--check-config accepted it:\n" + out)
        for needle in needles:
            self.assertIn(needle, out)
        # The server refuses to start with it too.
        h = wh.Host(text, name=name + "-run")
        try:
            with self.assertRaises(wh.HostError):
                h.start()
            self.assertNotEqual(h.proc.returncode, 0)
            findings = wh.sanitizer_findings(h.log_path)
            self.assertEqual(findings, [])
        finally:
            h.kill()
            h.cleanup_dir()
        return out

    def assert_accepted(self, text, name):
        rc, out = self.check(text, name)
        self.assertEqual(rc, 0, out)

    # -- plugin authenticators --
    def test_plugin_without_authenticator(self):
        out = self.assert_refused(auth_config(plugins=("echo",), auth=['authenticator = "plugin:echo"']),
                                  "noauth", "echo", "authenticator")
        self.assertRegex(out, r"registers no authenticator")

    def test_plugin_not_loaded(self):
        self.assert_refused(auth_config(plugins=("whoami",), auth=['authenticator = "plugin:nosuch"']),
                            "nosuch", "nosuch")

    def test_two_authenticators_refused(self):
        text = auth_config(plugins=("authkit", "auth-apps"), auth=['authenticator = "plugin:authkit"'],
                           plugin_extra={"auth-apps": APPS})
        out = self.assert_refused(text, "two", "authkit", "auth-apps")
        self.assertRegex(out, r"more than one plugin registers an authenticator")

    def test_two_authenticators_refused_with_jwt(self):
        text = auth_config(plugins=("authkit", "auth-apps"),
                           auth=['authenticator = "jwt"'], keys=[("k1", S1)],
                           plugin_extra={"auth-apps": APPS})
        self.assert_refused(text, "two-jwt", "authkit", "auth-apps")

    def test_single_plugin_authenticator_accepted(self):
        self.assert_accepted(auth_config(plugins=("authkit", "echo"),
                                         auth=['authenticator = "plugin:authkit"']), "one")
        self.assert_accepted(auth_config(plugins=("whoami", "auth-apps"),
                                         auth=['authenticator = "plugin:auth-apps"'],
                                         plugin_extra={"auth-apps": APPS}), "apps")

    # -- other [auth] errors --
    def test_unknown_authenticator_kind(self):
        for value in ("bogus", "plugin:", "JWT", ""):
            with self.subTest(value=value):
                rc, out = self.check(auth_config(auth=["authenticator = " + authlib.toml_str(value)]),
                                     "kind")
                self.assertNotEqual(rc, 0, out)
                self.assertIn("authenticator", out)

    def test_jwt_without_keys(self):
        rc, out = self.check(auth_config(auth=['authenticator = "jwt"']), "nokeys")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("auth.jwt.keys", out)

    def test_jwt_with_keys_accepted(self):
        self.assert_accepted(auth_config(auth=['authenticator = "jwt"'], keys=[("k1", S1)]), "keys")

    def test_jwt_secret_file(self):
        d = os.path.join(wh.Paths.workdir or "/tmp", "secret-file-test")
        os.makedirs(d, exist_ok=True)
        self.addCleanup(shutil.rmtree, d, True)
        secret_path = os.path.join(d, "k1.secret")
        with open(secret_path, "w") as f:
            f.write(S1)
        text = auth_config(auth=['authenticator = "jwt"', "allow_anonymous = false"],
                           extra="[[auth.jwt.keys]]\nkid = \"k1\"\nsecret_file = %s"
                           % authlib.toml_str(secret_path))
        self.assert_accepted(text, "secret-file")
        with wh.Host(text, name="secret-file") as h:
            c, who = authlib.connect_admitted(
                self, h.port, header=["Authorization: Bearer " + authlib.mint(S1, "filed", kid="k1")])
            c.close()
            self.assertEqual(who["user"], "filed")
        missing = text.replace(secret_path, secret_path + ".missing")
        rc, out = self.check(missing, "secret-missing")
        self.assertNotEqual(rc, 0, out)
        self.assertNotIn(S1, out)

    def test_duplicate_kid(self):
        rc, out = self.check(auth_config(auth=['authenticator = "jwt"'], keys=[("k1", S1), ("k1", "x")]),
                             "dupkid")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("k1", out)

    def test_secret_never_echoed_in_errors(self):
        # A config error elsewhere must not print the secrets.
        text = auth_config(auth=['authenticator = "jwt"', "allow_anonymous = 3"], keys=[("k1", S1)])
        rc, out = self.check(text, "secret-echo")
        self.assertNotEqual(rc, 0, out)
        self.assertNotIn(S1, out)

    def test_bad_origin_entries(self):
        for origin in ("https://app.example.com/", "app.example.com", "https://a.example/path"):
            with self.subTest(origin=origin):
                rc, out = self.check(auth_config(websocket_lines=["origins = [%s]"
                                                                  % authlib.toml_str(origin)]),
                                     "origin")
                self.assertNotEqual(rc, 0, out)
                self.assertIn("origins", out)

    def test_bad_trusted_proxy(self):
        rc, out = self.check(auth_config(websocket_lines=['trusted_proxies = ["proxy.example.com"]']),
                             "proxy")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("trusted_proxies", out)


if __name__ == "__main__":
    authlib.main()

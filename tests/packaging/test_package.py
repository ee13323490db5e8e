"""The Debian package (README, "Install from the package").

  test_package.py build   --build-dir DIR --cpack CPACK   (FIXTURES_SETUP)
      cpack -G DEB; the file list and control fields (dpkg-deb); lintian with
      no errors (warnings are printed and listed in the README).
  test_package.py install --build-dir DIR                 (root only, else skipped)
      apt-get install ./wshost_*.deb for real, wshost --check-config
      /etc/wshost/wshost.toml, an out-of-tree plugin built against the installed
      SDK (find_package(wshost), no prefix) and loaded by the installed server,
      its unit test on the installed test kit (wshost::plugin-testkit),
      the README's command that copies the cluster node template to
      /etc/wshost/1..4.toml, run as written, and --check-config on each copy
      (then removed), systemd-analyze verify on both installed units,
      systemd-analyze security --offline=yes, then apt-get purge.

Exit 0 passed, 77 skipped (the reason is printed), anything else failed.
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

SKIP = 77
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
NODE_TEMPLATE = "/usr/share/wshost/cluster-node.toml"



EXPECTED_FILES = [
    "./usr/bin/wshost", "./usr/bin/wshostctl",
    "./usr/lib/wshost/plugins/echo.so", "./usr/lib/wshost/plugins/sum.so",
    "./usr/lib/wshost/plugins/rooms.so", "./usr/lib/wshost/plugins/auth-apps.so",
    "./usr/lib/wshost/plugins/raw-echo.so",
    "./usr/include/wshost/plugin.h", "./usr/include/wshost/plugin.hpp", "./usr/include/wshost/gateway.hpp",
    "./usr/include/wshost/testkit.h",
    "./usr/share/cmake/wshost/wshostConfig.cmake", "./usr/share/cmake/wshost/wshostConfigVersion.cmake",
    "./usr/share/cmake/wshost/wshostTargets.cmake", "./usr/share/cmake/wshost/wshostPlugin.cmake",
    "./usr/share/cmake/wshost/wshost-plugin.map", "./usr/share/pkgconfig/wshost-plugin.pc",
    "./etc/wshost/wshost.toml", "./usr/share/wshost/cluster-node.toml",
    "./lib/systemd/system/wshost.service", "./lib/systemd/system/wshost@.service",
    "./usr/share/man/man8/wshost.8.gz", "./usr/share/man/man1/wshostctl.1.gz",
    "./usr/share/doc/wshost/copyright", "./usr/share/doc/wshost/changelog.gz",
]
# Runtime libraries the package must pull in (dpkg-shlibdeps, plus the
# dlopen()ed libev backend of libwebsockets).
EXPECTED_DEPENDS = ["libwebsockets-evlib-ev", "libwebsockets17", "libcjson1", "libtomlplusplus3", "libssl3",
                    "libev4", "libc6", "libstdc++6"]


def run(cmd, check=True, **kw):
    print("+ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.stdout:
        print(r.stdout.rstrip())
    if check and r.returncode != 0:
        raise AssertionError("%s exited %d" % (cmd[0], r.returncode))
    return r


def testkit_files(build_dir):
    """The test kit's archive and .pc, in the libdir the tree chose (plugin-api/CMakeLists.txt),
    and the per-configuration targets file that locates the archive."""
    with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
        cache = f.read()
    m = re.search(r"^WSHOST_TESTKIT_LIBDIR:INTERNAL=(.+)$", cache, re.M)
    assert m, "no WSHOST_TESTKIT_LIBDIR in the cache of %s" % build_dir
    libdir = m.group(1)
    assert not os.path.isabs(libdir), "WSHOST_TESTKIT_LIBDIR %r is absolute" % libdir
    m = re.search(r"^CMAKE_BUILD_TYPE:STRING=(.*)$", cache, re.M)
    config = (m.group(1) if m else "").lower() or "noconfig"
    return ["./usr/%s/libwshost-plugin-testkit.a" % libdir, "./usr/%s/pkgconfig/wshost-plugin-testkit.pc" % libdir,
            "./usr/share/cmake/wshost/wshostTargets-%s.cmake" % config]


def the_deb(build_dir):
    debs = glob.glob(os.path.join(build_dir, "package", "wshost_*_*.deb"))
    if len(debs) != 1:
        raise AssertionError("expected one wshost_<ver>_<arch>.deb in %s/package, found %r" % (build_dir, debs))
    return debs[0]


def cmd_build(ns):
    for old in glob.glob(os.path.join(ns.build_dir, "package", "*.deb")):
        os.unlink(old)
    run([ns.cpack, "-G", "DEB", "--config", os.path.join(ns.build_dir, "CPackConfig.cmake")], cwd=ns.build_dir)
    deb = the_deb(ns.build_dir)
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    version = run(["dpkg-deb", "-f", deb, "Version"]).stdout.strip()
    assert os.path.basename(deb) == "wshost_%s_%s.deb" % (version, arch), deb

    fields = {}
    for name in ("Package", "Version", "Architecture", "Maintainer", "Section", "Priority", "Depends",
                 "Description"):
        fields[name] = run(["dpkg-deb", "-f", deb, name]).stdout.strip()
        assert fields[name], "control field %s is empty" % name
    assert fields["Package"] == "wshost" and fields["Architecture"] == arch, fields
    depends = [d.strip().split(" ")[0] for d in fields["Depends"].split(",")]
    missing = [d for d in EXPECTED_DEPENDS if d not in depends]
    assert not missing, "Depends lacks %s: %s" % (missing, fields["Depends"])

    listing = run(["dpkg-deb", "-c", deb]).stdout
    files = {line.split()[-1] for line in listing.splitlines() if line and not line.startswith("d")}
    expected = EXPECTED_FILES + testkit_files(ns.build_dir)
    absent = [f for f in expected if f not in files]
    assert not absent, "missing from the package: %s" % absent
    extra = sorted(f for f in files if f not in expected)
    assert not extra, "unexpected files in the package (tests, benchmarks?): %s" % extra
    ctrl = subprocess.run(["dpkg-deb", "-I", deb, "conffiles"], stdout=subprocess.PIPE, text=True).stdout
    assert ctrl.split() == ["/etc/wshost/wshost.toml"], "conffiles: %r" % ctrl

    # The binaries are stripped, the conffile is the production profile.
    tmp = os.path.join(ns.build_dir, "package", "extracted")
    shutil.rmtree(tmp, ignore_errors=True)
    run(["dpkg-deb", "-x", deb, tmp])
    for exe in ("usr/bin/wshost", "usr/bin/wshostctl"):
        out = run(["file", "-b", os.path.join(tmp, exe)]).stdout
        assert "stripped" in out and "not stripped" not in out, out
    with open(os.path.join(tmp, "etc/wshost/wshost.toml")) as f:
        conf = f.read()
    assert "dev-only" not in conf and 'address = "0.0.0.0"' in conf, "not the production profile"
    with open(os.path.join(tmp, NODE_TEMPLATE.lstrip("/"))) as f, \
            open(os.path.join(ROOT, "packaging", "cluster-node.toml")) as g:
        assert f.read() == g.read(), "the package's %s is not packaging/cluster-node.toml" % NODE_TEMPLATE
    with open(os.path.join(tmp, "lib/systemd/system/wshost.service")) as f:
        unit = f.read()
    for line in ("Type=notify", "ExecStartPre=/usr/bin/wshost --check-config /etc/wshost/wshost.toml",
                 "ExecReload=/bin/kill -HUP $MAINPID", "RuntimeDirectory=wshost", "LimitNOFILE=65536"):
        assert line in unit.splitlines(), "wshost.service lacks %r" % line
    shutil.rmtree(tmp, ignore_errors=True)

    r = run(["lintian", "--allow-root", deb], check=False)
    tags = [line for line in r.stdout.splitlines() if re.match(r"^[EWIPX]: ", line)]
    errors = [t for t in tags if t.startswith("E: ")]
    warnings = [t for t in tags if t.startswith("W: ")]
    print("lintian: %d error(s), %d warning(s)" % (len(errors), len(warnings)))
    assert not errors, "lintian errors: %s" % errors
    assert r.returncode == 0 or not errors, r.returncode
    print("package ok: %s, %d files, Depends: %s" % (os.path.basename(deb), len(files), fields["Depends"]))
    return 0


def readme_node_command():
    """The README's line (section "Cluster") that writes /etc/wshost/$i.toml from the template."""
    with open(os.path.join(ROOT, "README.md")) as f:
        lines = [line.strip() for line in f if NODE_TEMPLATE + " > /etc/wshost/" in line]
    assert len(lines) == 1, "expected one README line making the node copies, found %r" % lines
    return lines[0]


def installed_version():
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", "wshost"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.startswith("install ok installed") else None


def cmd_install(ns):
    if os.geteuid() != 0:
        print("SKIP: apt-get install needs root (the package itself was checked by package_build)")
        return SKIP
    for tool in ("apt-get", "systemd-analyze"):
        if not shutil.which(tool):  # required, never a skip: scripts/test installs them
            print("FAILED: %s not found (Debian package %s)" % (tool, {"apt-get": "apt"}.get(tool, "systemd")))
            return 1
    if installed_version():
        print("SKIP: a wshost package (%s) is installed on this machine already; not replacing it"
              % installed_version())
        return SKIP
    deb = os.path.abspath(the_deb(ns.build_dir))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    apt = ["apt-get", "-q", "-o", "DPkg::Lock::Timeout=300", "-y", "--no-install-recommends"]
    try:
        run(apt + ["install", deb], env=env)
        assert installed_version(), "dpkg does not list wshost as installed"
        conffiles = run(["dpkg-query", "-W", "-f=${Conffiles}", "wshost"]).stdout
        assert "/etc/wshost/wshost.toml" in conffiles, conffiles
        run(["/usr/bin/wshost", "--version"])
        r = run(["/usr/bin/wshost", "--check-config", "/etc/wshost/wshost.toml"])
        assert "OK" in r.stdout, r.stdout
        run(["/usr/bin/wshostctl", "--version"])
        # The README's cluster commands, the copies made as written (no systemd
        # to start them here: tests/cluster/test_node_template.py runs the nodes).
        copies = ["/etc/wshost/%d.toml" % n for n in range(1, 5)]
        existing = [c for c in copies if os.path.exists(c)]
        assert not existing, "%s exist already; not overwriting them" % existing
        try:
            run(["sh", "-c", readme_node_command()])
            for c in copies:
                assert "OK (0 plugins)" in run(["/usr/bin/wshost", "--check-config", c]).stdout, c
        finally:
            for c in copies:
                if os.path.exists(c):
                    os.unlink(c)
        # The installed SDK: tests/abi/out_of_tree builds against it with no prefix
        # given, and the installed server loads the result.
        work = os.path.join(ns.build_dir, "package", "sdk-check")
        shutil.rmtree(work, ignore_errors=True)
        run(["cmake", "-S", ns.out_of_tree, "-B", work, "-DCMAKE_BUILD_TYPE=Release"])
        run(["cmake", "--build", work])
        conf = os.path.join(work, "check.toml")
        with open(conf, "w") as f:
            f.write('[control]\nenabled = false\n[[plugin]]\nname = "hello"\npath = "%s/hello.so"\n'
                    '[[plugin]]\nname = "hello_cpp"\npath = "%s/hello_cpp.so"\n' % (work, work))
        assert "OK (2 plugins)" in run(["/usr/bin/wshost", "--check-config", conf]).stdout
        # The test kit from the installed SDK: the README's unit test of hello.
        run([os.path.join(work, "hello_test"), os.path.join(work, "hello.so")])
        run(["ctest", "--test-dir", work, "--output-on-failure"])
        shutil.rmtree(work, ignore_errors=True)
        # Both installed units; a template is verified through an instance name.
        verify = ["systemd-analyze", "verify"] + ([] if shutil.which("man") else ["--man=no"])
        for unit in ("wshost.service", "wshost@.service"):
            r = run(verify + ["/lib/systemd/system/" + unit], check=False)
            problems = [l for l in r.stdout.splitlines() if "sysinit.target" not in l]  # no systemd PID 1 here
            assert r.returncode == 0 or not problems, "systemd-analyze verify %s: %s" % (unit, problems)
            assert not problems, "systemd-analyze verify %s: %s" % (unit, problems)
        r = run(["systemd-analyze", "security", "--offline=yes", "/lib/systemd/system/wshost.service"],
                check=False)
        m = re.search(r"Overall exposure level for wshost\.service: ([0-9.]+)", r.stdout)
        assert m, "no exposure level in: %s" % r.stdout[-500:]
        print("systemd-analyze security: exposure %s" % m.group(1))
        assert float(m.group(1)) <= 2.0, "exposure %s > 2.0" % m.group(1)
    finally:
        if installed_version():
            run(apt + ["purge", "wshost"], env=env, check=False)
    assert not os.path.exists("/usr/bin/wshost"), "purge left /usr/bin/wshost"
    assert not os.path.exists("/etc/wshost/wshost.toml"), "purge left the conffile"
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=("build", "install"))
    p.add_argument("--build-dir", required=True)
    p.add_argument("--cpack", default="cpack")
    p.add_argument("--out-of-tree", help="tests/abi/out_of_tree: a plugin project built against the installed SDK")
    ns = p.parse_args()
    try:
        return cmd_build(ns) if ns.command == "build" else cmd_install(ns)
    except AssertionError as e:
        print("FAILED: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())

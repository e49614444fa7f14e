# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""ctest package.deb: the Debian packages as an operator gets them (README.md, "Install").

Builds them with CPack from the build directory into a scratch directory (`cpack -G DEB -B`,
what `make deb` runs), reads their control data (`dpkg-deb -f/-e/-c`: names, version,
Depends, conffiles, maintainer scripts, owners and modes), unpacks `trail` into a scratch root
with `dpkg -x` (nothing on this machine changes: no dpkg database, no user, no unit), and runs
the INSTALLED binary with the INSTALLED /etc/trail/trail.toml — overriding only what must point
into the scratch root (`--events`, `--data`, `--listen`) — records an event with the installed
`trail record`, reads it back with `trail query`, and checks `trail_build_info` in /metrics.
`systemd-analyze verify` checks the installed unit (see test_unit_verifies).
"""
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TESTS_DIR)
from harness import SOURCE_DIR, ServerTestCase  # noqa: E402

BUILD = os.environ.get("TRAIL_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")


def run(cmd, timeout=300, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{shlex.join(cmd)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def project_version():
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        return re.search(r"^CMAKE_PROJECT_VERSION:STATIC=(.*)$", f.read(), re.M).group(1)


class DebPackage(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ("cpack", "dpkg-deb", "dpkg-shlibdeps"):
            if not shutil.which(tool):
                raise unittest.SkipTest(f"{tool} is not installed (`make test` installs dpkg-dev)")
        cls.work = tempfile.mkdtemp(prefix="trail-deb-")
        cls.version = project_version()
        out = os.path.join(cls.work, "out")
        run(["cpack", "-G", "DEB", "-B", out, "--config", os.path.join(BUILD, "CPackConfig.cmake")],
            cwd=BUILD, timeout=600)
        cls.server_deb, = glob.glob(os.path.join(out, f"trail_{cls.version}_*.deb"))
        cls.client_deb, = glob.glob(os.path.join(out, f"trail-client-dev_{cls.version}_*.deb"))
        cls.root = os.path.join(cls.work, "root")
        run(["dpkg", "-x", cls.server_deb, cls.root])
        cls.control = os.path.join(cls.work, "control")
        run(["dpkg-deb", "-e", cls.server_deb, cls.control])
        cls.trail = os.path.join(cls.root, "usr", "bin", "trail")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def field(self, deb, name):
        return run(["dpkg-deb", "-f", deb, name]).stdout.strip()

    def contents(self, deb):
        """{path: (mode string, owner)} from `dpkg-deb -c`."""
        out = {}
        for line in run(["dpkg-deb", "-c", deb]).stdout.splitlines():
            mode, owner, _size, _date, _time, path = line.split(None, 5)
            out[path.split(" -> ")[0].rstrip("/").removeprefix(".")] = (mode, owner)
        return out

    # ---- what dpkg sees
    def test_control_fields(self):
        self.assertEqual(self.field(self.server_deb, "Package"), "trail")
        self.assertEqual(self.field(self.server_deb, "Version"), self.version)
        depends = self.field(self.server_deb, "Depends")
        names = {d.strip().split()[0] for d in depends.split(",")}
        # dpkg-shlibdeps: the shared libraries the binary links, and adduser for postinst.
        for needed in ("adduser", "libc6", "libstdc++6", "libsqlite3-0", "libpq5", "libssl3"):
            self.assertIn(needed, names, depends)
        self.assertFalse([n for n in names if n.endswith("-dev")], depends)
        self.assertEqual(self.field(self.client_deb, "Package"), "trail-client-dev")
        self.assertEqual(self.field(self.client_deb, "Version"), self.version)
        client_depends = self.field(self.client_deb, "Depends")
        for needed in ("libboost-json1.81-dev", "libssl-dev", "libfmt-dev", "libtomlplusplus-dev"):
            self.assertIn(needed, client_depends)

    def test_files_and_owners(self):
        files = self.contents(self.server_deb)
        for path in ("/usr/bin/trail", "/usr/lib/systemd/system/trail.service",
                     "/etc/trail/trail.toml", "/etc/trail/events.toml",
                     "/usr/share/doc/trail/README.md", "/usr/share/doc/trail/SPEC.md",
                     "/usr/share/doc/trail/OPERATIONS.md", "/usr/share/doc/trail/LICENSE",
                     "/usr/share/doc/trail/NOTICE", "/usr/share/doc/trail/CHANGELOG.md",
                     "/usr/share/doc/trail/examples/warehouse/events.toml"):
            self.assertIn(path, files)
        self.assertEqual(files["/usr/bin/trail"][0], "-rwxr-xr-x")
        self.assertEqual(files["/etc/trail/trail.toml"][0], "-rw-r--r--")
        self.assertEqual({owner for _, owner in files.values()}, {"root/root"})
        outside = [p for p in files if p and not p.startswith(("/usr", "/etc"))]
        self.assertEqual(outside, [])
        client = self.contents(self.client_deb)
        self.assertIn("/usr/include/trail/client.h", client)
        self.assertTrue([p for p in client if p.endswith("/pkgconfig/trail-client.pc")])
        self.assertTrue([p for p in client if p.endswith("/trail_client/trail_clientConfig.cmake")])
        self.assertFalse([p for p in client if p.startswith("/etc") or p.endswith("/bin/trail")])

    def test_configuration_is_conffiles(self):
        with open(os.path.join(self.control, "conffiles")) as f:
            conffiles = sorted(f.read().split())
        etc = sorted(p for p, (mode, _) in self.contents(self.server_deb).items()
                     if p.startswith("/etc/") and not mode.startswith("d"))
        self.assertEqual(conffiles, ["/etc/trail/events.toml", "/etc/trail/trail.toml"])
        self.assertEqual(conffiles, etc, "every file under /etc must be a conffile")

    def test_maintainer_scripts(self):
        for name in ("postinst", "prerm"):
            path = os.path.join(self.control, name)
            self.assertTrue(os.access(path, os.X_OK), name)
            run(["sh", "-n", path])
        with open(os.path.join(self.control, "postinst")) as f:
            code = [line for line in f.read().splitlines() if not line.lstrip().startswith("#")]
        text = "\n".join(code)
        self.assertRegex(text, r"adduser --quiet --system --group --home /var/lib/trail "
                               r"--no-create-home")
        self.assertIn("getent passwd trail", text)  # idempotent
        self.assertIn("install -d -o trail -g trail -m 0700 /var/lib/trail", text)
        # It neither enables nor starts the service: the operator configures it first.
        self.assertNotRegex(text, r"systemctl[^\n]*\b(enable|start|restart)\b|deb-systemd")

    # ---- the installed files, used
    def test_unit_names_the_installed_paths(self):
        with open(os.path.join(self.root, "usr/lib/systemd/system/trail.service")) as f:
            unit = f.read()
        self.assertIn("\nExecStart=/usr/bin/trail serve --config /etc/trail/trail.toml "
                      "--data /var/lib/trail\n", unit)
        self.assertIn("\nDocumentation=file:///usr/share/doc/trail/OPERATIONS.md\n", unit)
        self.assertIn("\nExecReload=/bin/kill -HUP $MAINPID\n", unit)
        self.assertNotRegex(unit, r"@[A-Z_]+@")  # every placeholder of trail.service.in

    def test_unit_verifies(self):
        """`systemd-analyze verify` on the installed unit. The unit names /usr/bin/trail, which
        is in the scratch root, not on this machine: the test verifies a copy whose ExecStart
        names the unpacked binary (the file name, which systemd-analyze uses as the unit's
        name, stays trail.service). User=trail need not exist: verify does not look users
        up. systemd-analyze also reports things about the machine it runs on (no systemd as
        PID 1 in a container, other units' files); only lines about trail.service count, and
        any of them — an unknown key, a bad value, a missing executable — fails the test."""
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze is not installed (Debian's systemd)")
        unitdir = os.path.join(self.work, "unit")
        os.makedirs(unitdir, exist_ok=True)
        with open(os.path.join(self.root, "usr/lib/systemd/system/trail.service")) as f:
            unit = f.read().replace("ExecStart=/usr/bin/trail ", f"ExecStart={self.trail} ")
        path = os.path.join(unitdir, "trail.service")
        with open(path, "w") as f:
            f.write(unit)
        r = run([analyze, "verify", "--man=no", path], check=False, timeout=120,
                env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"})
        about_trail = [line for line in (r.stdout + r.stderr).splitlines() if "trail" in line]
        self.assertEqual(about_trail, [], f"exit {r.returncode}\n{r.stdout}{r.stderr}")

    def test_installed_binary_serves_with_installed_config(self):
        version = run([self.trail, "--version"]).stdout.strip()
        m = re.fullmatch(r"trail (\S+) \(commit (\S+)\)", version)
        self.assertTrue(m, version)
        self.assertEqual(m.group(1), self.version)
        etc = os.path.join(self.root, "etc", "trail")
        s = self.new_server(binary=self.trail, use_config=os.path.join(etc, "trail.toml"),
                            events=os.path.join(etc, "events.toml"))
        self.assertIn(f" --config {etc}/trail.toml ", " ".join(s.command()) + " ")
        cli = [self.trail]
        auth = ["--url", s.url, "--key", s.admin_key]
        run(cli + ["record", "--tag", "project:create", "--subject", "project:flask",
                   "--actor", "armin", "--meta", "created_via=deb"] + auth, timeout=60)
        out = run(cli + ["query", "--subject", "project:flask", "--format", "json"] + auth,
                  timeout=60).stdout
        events = json.loads(out)
        events = events["events"] if isinstance(events, dict) else events
        self.assertEqual([(e["tag"], e["actor"], e["metadata"]) for e in events],
                         [("project:create", "armin", {"created_via": "deb"})])
        c = s.client()
        metrics = c.get("/metrics").text
        c.close()
        self.assertIn(f'\ntrail_build_info{{version="{self.version}",commit="{m.group(2)}"}} 1\n',
                      metrics)


if __name__ == "__main__":
    unittest.main()

# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""ctest package.client: the C++ client as another project uses it. Installs the component
`client` alone into a temporary prefix (`cmake --install BUILD --component client --prefix
P`), then builds tests/client_consumer/main.cc against the installed files only, twice — with
CMake's find_package(trail_client) (CMAKE_PREFIX_PATH=P) and with g++ and `pkg-config
trail-client` (PKG_CONFIG_PATH=P/lib/pkgconfig) — and runs each against a real `trail serve`:
the event it records must be stored.
"""
import glob
import json
import os
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
# A sanitizer build installs instrumented libraries: the consumer links the same runtime.
SANITIZE = {"address": ["-fsanitize=address,undefined"], "thread": ["-fsanitize=thread"]}.get(
    os.environ.get("TRAIL_SANITIZER", ""), [])
CONSUMER = os.path.join(TESTS_DIR, "client_consumer")


def run(cmd, timeout=300, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, **kw)
    if r.returncode != 0:
        raise AssertionError(f"{shlex.join(cmd)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


class InstalledClient(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        # Outside the source and build trees, so that no path into them can pass unnoticed.
        cls.work = tempfile.mkdtemp(prefix="trail-client-package-")
        cls.prefix = os.path.join(cls.work, "prefix")
        run(["cmake", "--install", BUILD, "--component", "client", "--prefix", cls.prefix])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def installed(self):
        return sorted(os.path.relpath(p, self.prefix)
                      for p in glob.glob(os.path.join(self.prefix, "**"), recursive=True)
                      if os.path.isfile(p))

    def test_installs_the_library_header_and_both_descriptions(self):
        files = self.installed()
        libdir = os.path.dirname(next(f for f in files if f.endswith("libtrail_client.a")))
        cmake = f"{libdir}/cmake/trail_client"
        expected = {f"{libdir}/libtrail_client.a", f"{libdir}/libtrail_core.a",
                    "include/trail/client.h", f"{libdir}/pkgconfig/trail-client.pc",
                    f"{cmake}/trail_clientConfig.cmake", f"{cmake}/trail_clientConfigVersion.cmake",
                    f"{cmake}/trail_clientTargets.cmake"}
        self.assertTrue(expected <= set(files), f"missing {expected - set(files)}")
        extra = [f for f in set(files) - expected
                 if not f.startswith(f"{cmake}/trail_clientTargets-")]  # one per build type
        self.assertEqual(extra, [], "the client component installs only the client")

    def consume(self, program):
        """Runs a consumer against a fresh server; returns the stored event."""
        s = self.new_server()
        spool = os.path.join(s.workdir, "spool")
        out = run([program, s.url, s.admin_key, spool], timeout=60).stdout
        self.assertRegex(out, r"^stored \S+ 1$")
        event = s.client().get(f"/v1/events/{out.split()[1]}").json
        self.assertEqual((event["tag"], event["subject"], event["actor"]),
                         ("project:create", "project:consumer", "client_consumer"))

    def test_find_package(self):
        build = os.path.join(self.work, "cmake-consumer")
        run(["cmake", "-S", CONSUMER, "-B", build, f"-DCMAKE_PREFIX_PATH={self.prefix}",
             "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-DCMAKE_BUILD_TYPE=Release",
             f"-DCMAKE_CXX_FLAGS={' '.join(SANITIZE)}"])
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            cache = f.read()
        self.assertIn(f"trail_client_DIR:PATH={self.prefix}/", cache)
        run(["cmake", "--build", build])
        with open(os.path.join(build, "compile_commands.json")) as f:
            (entry,) = json.load(f)
        includes = [a for a in shlex.split(entry["command"]) if a.startswith(("-I", "-isystem"))]
        for flag in includes:  # only the installed headers: nothing of trail's source tree
            self.assertNotIn(os.path.join(SOURCE_DIR, ""), flag)
        self.consume(os.path.join(build, "client_consumer"))

    def test_pkg_config(self):
        env = dict(os.environ)
        libdir = os.path.dirname(glob.glob(f"{self.prefix}/**/libtrail_client.a", recursive=True)[0])
        env["PKG_CONFIG_PATH"] = os.path.join(libdir, "pkgconfig")
        flags = run(["pkg-config", "--cflags", "--libs", "trail-client"], env=env).stdout.split()
        includes = [os.path.normpath(f[2:]) for f in flags if f.startswith("-I")]
        self.assertIn(os.path.join(self.prefix, "include"), includes)  # from ${pcfiledir}
        version = run(["pkg-config", "--modversion", "trail-client"], env=env).stdout.strip()
        with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
            self.assertIn(f"CMAKE_PROJECT_VERSION:STATIC={version}\n", f.read())
        program = os.path.join(self.work, "pkg-config-consumer")
        run(["g++", "-std=c++20", "-O1", os.path.join(CONSUMER, "main.cc"), "-o", program, *SANITIZE, *flags])
        self.consume(program)


if __name__ == "__main__":
    unittest.main()

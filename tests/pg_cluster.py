#!/usr/bin/env python3
# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""A throwaway PostgreSQL cluster for tests: initdb into a temporary folder, a server on a free
loopback port (trust authentication, fsync off, its socket in that folder), removed at the end.
Python 3.11 standard library only.

    python3 tests/pg_cluster.py start [--durable]  # prints the URL, then the cluster folder
    python3 tests/pg_cluster.py createdb DIR NAME  # prints the URL of a new database
    python3 tests/pg_cluster.py pause DIR        # stop the server, keep the files
    python3 tests/pg_cluster.py resume DIR       # start it again on the same port
    python3 tests/pg_cluster.py stop DIR         # stop it and remove the folder
    python3 tests/pg_cluster.py run -- CMD …     # start, run CMD with TRAIL_STORE=<url>, stop
    python3 tests/pg_cluster.py fixture-start FILE  # start; write the folder to FILE (exit 77: no binaries)
    python3 tests/pg_cluster.py fixture-stop FILE   # stop the cluster named in FILE, remove FILE

Tests run with fsync off; `--durable` keeps PostgreSQL's defaults (fsync, synchronous_commit),
as benchmarks should. `start` exits 3 when no PostgreSQL server binaries are installed (callers skip then; Debian's
`postgresql` package provides them — `make test` installs it). As root, initdb and postgres run
as the `postgres` user (they refuse to run as root) and the folder is handed to that user.

From Python:
    from pg_cluster import Cluster
    with Cluster() as pg:
        url = pg.createdb("trail_test")
"""
import glob
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

NO_BINARIES = 3
SKIPPED = 77  # ctest's SKIP_RETURN_CODE of the e2e.pg fixture


def find_bindir():
    """The bin folder of the newest PostgreSQL server install (initdb, pg_ctl), or None."""
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True,
                  key=lambda d: [int(x) for x in re.findall(r"\d+", d)])
    if shutil.which("initdb"):
        dirs.append(os.path.dirname(shutil.which("initdb")))
    for d in dirs:
        if all(os.access(os.path.join(d, t), os.X_OK) for t in ("initdb", "pg_ctl", "postgres")):
            return d
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One server. `root` holds data/, postgres.log, the socket and cluster.json."""

    def __init__(self, root=None, bindir=None, durable=False):
        self.root = root
        self.bindir = bindir
        self.port = None
        self.durable = durable
        if root and os.path.exists(os.path.join(root, "cluster.json")):
            with open(os.path.join(root, "cluster.json")) as f:
                state = json.load(f)
            self.bindir, self.port = state["bindir"], state["port"]
            self.durable = state.get("durable", False)

    @property
    def data(self):
        return os.path.join(self.root, "data")

    @property
    def url(self):
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool, *args, check=True):
        cmd = [os.path.join(self.bindir, tool), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, timeout=120)
        if check and r.returncode != 0:
            raise RuntimeError(f"{tool} exited {r.returncode}: {(r.stdout + r.stderr).strip()[-600:]} "
                               f"| postgres.log: {self.log_tail()}")
        return r

    def log_tail(self, n=4):
        try:
            with open(os.path.join(self.root, "postgres.log")) as f:
                return " | ".join(f.read().splitlines()[-n:])
        except OSError:
            return ""

    def start(self):
        self.bindir = self.bindir or find_bindir()
        if not self.bindir:
            raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin "
                                    "or PATH; install Debian's `postgresql`")
        self.root = self.root or tempfile.mkdtemp(prefix="trail-pg-")
        try:
            if os.geteuid() == 0:
                pw = pwd.getpwnam("postgres")
                os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                      "--no-sync")
            self.port = free_port()
            with open(os.path.join(self.root, "cluster.json"), "w") as f:
                json.dump({"bindir": self.bindir, "port": self.port, "durable": self.durable}, f)
            self.resume()
        except BaseException:
            self.stop()
            raise
        return self

    def resume(self):
        opts = f"-k {self.root} -c listen_addresses=127.0.0.1 -c port={self.port} -c max_connections=300"
        if not self.durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.root, "postgres.log"), "-o", opts,
                  "-w", "-t", "60", "start")

    def pause(self):
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)

    def createdb(self, name):
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name) \
            if os.path.exists(os.path.join(self.bindir, "createdb")) else self._psql(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def _psql(self, sql):
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c", sql)

    def stop(self):
        if not self.root:
            return
        pid = None
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                pid = int(f.readline())
        except (OSError, ValueError):
            pass
        if pid:
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
            for i in range(50):  # wait until that postmaster is gone
                try:
                    os.kill(pid, signal.SIGKILL if i == 49 else 0)
                except OSError:
                    break
                time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def fixture_stop(path):
    """Stops the cluster whose folder FILE names (if any) and removes FILE."""
    try:
        with open(path) as f:
            root = f.read().strip()
    except OSError:
        return
    if root and os.path.exists(os.path.join(root, "cluster.json")):
        Cluster(root).stop()
    os.unlink(path)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    cmd = argv[1]
    try:
        if cmd == "start":
            if not find_bindir():
                print("no PostgreSQL server binaries found (install Debian's `postgresql`)", file=sys.stderr)
                return NO_BINARIES
            c = Cluster(durable="--durable" in argv[2:]).start()
            print(c.url)
            print(c.root)
        elif cmd in ("stop", "pause", "resume") and len(argv) == 3:
            getattr(Cluster(argv[2]), cmd)()
        elif cmd == "createdb" and len(argv) == 4:
            print(Cluster(argv[2]).createdb(argv[3]))
        elif cmd == "fixture-start" and len(argv) == 3:
            # ctest's e2e.pg.cluster.start: one cluster for the whole run (tests/CMakeLists.txt).
            path = argv[2]
            fixture_stop(path)  # a cluster an interrupted run left behind
            if not find_bindir():
                print("SKIPPED: no PostgreSQL server binaries (install Debian's `postgresql`; "
                      "`make test` does): the e2e.pg tests skip")
                return SKIPPED
            c = Cluster().start()
            with open(path + ".tmp", "w") as f:
                f.write(c.root + "\n")
            os.replace(path + ".tmp", path)
            print(c.url)
            print(c.root)
        elif cmd == "fixture-stop" and len(argv) == 3:
            fixture_stop(argv[2])
        elif cmd == "run" and "--" in argv:
            command = argv[argv.index("--") + 1:]
            if not find_bindir():
                print("no PostgreSQL server binaries found (install Debian's `postgresql`)", file=sys.stderr)
                return NO_BINARIES
            with Cluster() as c:
                url = c.createdb("trail")
                return subprocess.run(command, env=dict(os.environ, TRAIL_STORE=url)).returncode
        else:
            print(__doc__.strip(), file=sys.stderr)
            return 2
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        print(f"pg_cluster: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

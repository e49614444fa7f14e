# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Process control for the benchmarks: `trail serve` (tests/harness.py's Server) with its RSS
and CPU read from /proc, an RSS sampler, and load generators (`trail bench`) run with their
CPU time accounted."""

import json
import os
import subprocess
import sys
import threading

from lib.config import ROOT, SECONDS, TRAIL, TYPES, die, log

sys.path.insert(0, os.path.join(ROOT, "tests"))
import harness  # noqa: E402  tests/harness.py: `trail serve` on a free port, waited for


class Server(harness.Server):
    """`trail serve` (tests/harness.py's Server, started at once) with the warehouse types on
    a free loopback port, its output in DATA.log; RSS and CPU read from /proc."""

    def __init__(self, data, extra=(), binary=None):
        os.makedirs(data, exist_ok=True)
        super().__init__(*extra, events=TYPES, data=data, binary=binary or TRAIL,
                         log=data.rstrip("/") + ".log")
        log("   $ " + " ".join(self.command()))
        try:
            self.start(timeout=60)
        except RuntimeError as e:
            die(str(e))

    @property
    def key(self):
        return self.admin_key

    def rss(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def cpu_seconds(self):
        return process_cpu_seconds(self.proc.pid)

    def thread_cpu_seconds(self):
        """CPU seconds of each thread, by thread id (creation order = ascending id)."""
        out = {}
        try:
            for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
                try:
                    with open(f"/proc/{self.proc.pid}/task/{tid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    out[int(tid)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                except OSError:
                    pass
        except OSError:
            pass
        return out


def process_stat(pid):
    """The fields of /proc/PID/stat after the command name (field 3 on), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_cpu_seconds(pid):
    """User + system CPU seconds of process `pid` (0 when it is gone)."""
    fields = process_stat(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RssSampler(threading.Thread):
    """Samples a Server's RSS every `period` seconds until finish(), which returns the maximum."""

    def __init__(self, server, period=0.5):
        super().__init__(daemon=True)
        self.server, self.period = server, period
        self.samples = []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            self.samples.append(self.server.rss())
            self.halt.wait(self.period)

    def finish(self):
        self.halt.set()
        self.join()
        return max(self.samples) if self.samples else 0


def run_client(cmd):
    """Runs a client; returns (exit code, stdout, its CPU seconds)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, out, ru.ru_utime + ru.ru_stime


def trail_bench_command(server, mode, connections, batch, seed, seconds=None):
    """`trail bench` against `server`: `mode` batch or single, for `seconds` (default SECONDS)."""
    return [TRAIL, "bench", "--url", server.url, "--key", server.key, "--json", "--mode", mode,
            "--connections", str(connections), "--batch", str(batch),
            "--duration", str(SECONDS if seconds is None else seconds), "--seed", str(seed)]


def bench_result(rc, out):
    """The figures `trail bench` printed (its last JSON line); the run dies without one."""
    line = [l for l in out.splitlines() if l.startswith("{")]
    if not line:
        die(f"trail bench printed nothing (exit {rc})")
    return json.loads(line[-1])


def dir_bytes(d):
    """Bytes of the files directly in `d`."""
    n = 0
    for name in os.listdir(d):
        p = os.path.join(d, name)
        if os.path.isfile(p):
            n += os.path.getsize(p)
    return n

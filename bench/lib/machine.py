# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""The machine a run measures: CPU, cores, RAM, kernel, file system, SQLite, the commit, and
the conditions (load average, fsync latency) at the start and at the end of the run."""

import os
import platform
import sqlite3
import tempfile
import time


def fsync_probe(directory, n=100):
    """Latency (ms, p50 and p99) of appending 4 KiB to a file and fsync'ing it, in `directory`:
    what a WAL commit waits for. Baseline (b) and the single-event figures are bounded by it,
    and it moves with other I/O on the machine (one ext4 journal), so it is taken at the start
    and at the end of the run."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    times = []
    try:
        block = b"x" * 4096
        for i in range(n):
            os.pwrite(fd, block, i * 4096)
            t0 = time.perf_counter()
            os.fsync(fd)
            times.append((time.perf_counter() - t0) * 1e3)
    finally:
        os.close(fd)
        os.remove(path)
    times.sort()
    return {"p50_ms": times[len(times) // 2], "p99_ms": times[int(len(times) * 0.99) - 1]}


def _head_commit():
    try:
        head = open(".git/HEAD").read().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        if os.path.exists(os.path.join(".git", ref)):
            return open(os.path.join(".git", ref)).read().strip()
        if os.path.exists(".git/packed-refs"):
            for line in open(".git/packed-refs"):
                if line.strip().endswith(" " + ref):
                    return line.split()[0]
    except OSError:
        pass
    return None


def machine_info(work):
    """What the run starts on; `work` is where the fsync probe writes."""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    fs = "?"
    try:
        best = ""
        tmp = os.path.realpath(tempfile.gettempdir())
        with open("/proc/mounts") as f:
            for line in f:
                dev, mnt, typ = line.split()[:3]
                if (tmp == mnt or tmp.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                    best, fs = mnt, f"{typ} on {dev} ({mnt})"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_bytes": mem,
        "kernel": platform.release(),
        "os": platform.platform(),
        "fs": fs,
        "sqlite": sqlite3.sqlite_version,
        "loadavg_at_start": os.getloadavg()[0],
        "fsync_4k_at_start": fsync_probe(work),
        "commit": _head_commit(),
    }


def finish(machine):
    """The conditions at the end of the run, into `machine`."""
    machine["loadavg_at_end"] = os.getloadavg()[0]
    probe_dir = tempfile.mkdtemp(prefix="trail-bench-")
    machine["fsync_4k_at_end"] = fsync_probe(probe_dir)
    os.rmdir(probe_dir)

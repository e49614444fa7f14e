# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Crash and fault tests of the whole delivery path (SPEC §7a, docs/DELIVERY.md): the Python client
(clients/python) and the C++ client (tests/delivery_driver.cc) against a real `trail serve`.

- the server SIGKILLed three times under load and restarted: every event recorded is stored
  exactly once (not only the acknowledged ones: the clients retry and spool);
- a client process SIGKILLed while it spools (and its successor SIGKILLed mid-replay): the
  spool replays without loss or duplicates, a torn tail is skipped;
- a disk that fills up (the data directory on an 8 MiB tmpfs; on PostgreSQL the database's
  tablespace): the server answers 503, the clients spool, nothing acknowledged is lost, all is
  delivered once space returns;
- SIGTERM under client load: exit 0 within 10 s, and after a restart everything is there once.

ctest label `slow` (CI runs it too). Needs root for the tmpfs; skipped with a message if mount
is not permitted.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PG, SOURCE_DIR, ServerTestCase, new_workdir, run_cli  # noqa: E402

PY_CLIENT_DIR = os.path.join(SOURCE_DIR, "clients", "python")
sys.path.insert(0, PY_CLIENT_DIR)
import trail_client  # noqa: E402

DRIVER = os.environ.get("TRAIL_DELIVERY_DRIVER") or os.path.join(
    SOURCE_DIR, "build", "tests", "delivery_driver")

# A Python process that records until killed, flushing every 500 events and printing what is
# durable (acknowledged or spooled) by then.
PY_SPOOLER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import trail_client
c = trail_client.Client(sys.argv[2], sys.argv[3], spool_dir=sys.argv[4], flush_interval=0.05)
i = 0
while True:
    c.record("project:release:add", "project:pykill", metadata={"version": str(i), "n": i})
    i += 1
    if i % 500 == 0:
        print(json.dumps({"stage": "durable", "upto": i - 1, "ok": c.flush(5)}), flush=True)
"""


def durable_upto(output):
    """The highest `upto` the process reported durable (ok), or -1."""
    best = -1
    for line in output.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            if d.get("stage") == "durable" and d.get("ok"):
                best = max(best, d["upto"])
    return best


class Loader(threading.Thread):
    """Records Python-client events until stopped, at most `rate` a second."""

    def __init__(self, client, subject, rate):
        super().__init__(daemon=True)
        self.client, self.subject, self.rate = client, subject, rate
        self.count, self.stop = 0, threading.Event()

    def run(self):
        t0 = time.monotonic()
        while not self.stop.is_set():
            self.client.record("project:release:add", self.subject,
                               metadata={"version": str(self.count), "n": self.count})
            self.count += 1
            ahead = self.count / self.rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)


@unittest.skipUnless(os.path.exists(DRIVER) or os.environ.get("TRAIL_DELIVERY_DRIVER"),
                     f"no driver at {DRIVER} (build the tests)")
class DeliveryFaultsTest(ServerTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="trail-faults-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    # ---- helpers ----
    def writer_key(self, s):
        c = s.client()
        try:
            return c.new_key("writer")["key"]
        finally:
            c.close()

    def stored(self, s, subject):
        """Counter of metadata n of the events stored under `subject`."""
        c = s.client(timeout=120)
        try:
            return Counter(e["metadata"]["n"] for e in c.query_all(f"subject={subject}"))
        finally:
            c.close()

    def assert_exactly_once(self, got, upto, what, at_most=None):
        missing = [n for n in range(upto + 1) if got[n] == 0]
        twice = [n for n, k in got.items() if k > 1]
        extra = [n for n in got if at_most is not None and (n > at_most or n < 0)]
        self.assertEqual(len(missing), 0, f"{what}: {len(missing)} of {upto + 1} missing, e.g. {missing[:5]}")
        self.assertEqual(len(twice), 0, f"{what}: {len(twice)} stored twice, e.g. {twice[:5]}")
        self.assertEqual(len(extra), 0, f"{what}: never recorded, e.g. {extra[:5]}")

    def finish_spool(self, s, key, spool):
        """The next process on a spool: replays what is left; returns its last JSON line."""
        drv = self.driver(s.url, key, spool, "--count", 0, "--flush-ms", 60000)
        out, err = drv.communicate(timeout=120)
        self.assertEqual(drv.returncode, 0, err[-2000:])
        last = json.loads(out.splitlines()[-1])
        self.assertEqual(last["spooled"], 0, out[-1000:])
        return json.loads(out.splitlines()[0])

    def driver(self, url, key, spool, *args):
        return subprocess.Popen([DRIVER, "--url", url, "--key", key, "--spool", spool, *map(str, args)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def py_client(self, s, key, spool, **kw):
        kw.setdefault("flush_interval", 0.05)
        kw.setdefault("backoff_max", 0.5)
        kw.setdefault("spool_after", 1.0)
        c = trail_client.Client(s.url, key, spool_dir=spool, **kw)
        self.addCleanup(c.close, 1)
        return c

    # ---- the tests ----
    def test_server_sigkilled_three_times_every_recorded_event_stored_once(self):
        s = self.new_server()
        key = self.writer_key(s)
        c = self.py_client(s, key, os.path.join(self.tmp, "py"))
        loader = Loader(c, "project:pyload", rate=3000)
        drv = self.driver(s.url, key, os.path.join(self.tmp, "cpp"), "--count", 80000,
                          "--rate", 8000, "--every", 4000, "--run", "cppload", "--flush-ms", 60000)
        loader.start()
        for outage in (0.2, 1.0, 3.0):  # the last one long enough for both clients to spool
            time.sleep(2.0)
            s.stop(signal.SIGKILL)
            time.sleep(outage)
            s.start()
        time.sleep(1.0)
        loader.stop.set()
        loader.join()
        self.assertTrue(c.flush(90), c.stats())
        out, err = drv.communicate(timeout=180)
        self.assertEqual(drv.returncode, 0, err[-2000:])
        self.assertEqual(durable_upto(out), 79999, out[-1000:])
        # It may have exited with events spooled (its last flush fell into an outage): the
        # next process on that spool delivers them.
        replay = self.finish_spool(s, key, os.path.join(self.tmp, "cpp"))
        st = c.stats()
        self.assertEqual((st["queued"], st["spooled"], st["failed"], st["dropped"]), (0, 0, 0, 0), st)
        self.assertGreater(st["retries"], 0, "the kills were noticed")
        self.assert_exactly_once(self.stored(s, "project:pyload"), loader.count - 1, "python client",
                                 at_most=loader.count - 1)
        self.assert_exactly_once(self.stored(s, "project:cppload"), 79999, "C++ client", at_most=79999)
        print(f"\n  python: {loader.count} events, stats {st}\n  C++: {out.splitlines()[-1]}"
              f"\n  C++ replay by the next process: {replay}")

    def test_client_sigkilled_mid_spool_and_mid_replay_nothing_lost_nothing_twice(self):
        s = self.new_server()
        key = self.writer_key(s)
        s.stop()  # nothing listens: both clients spool
        cpp_spool, py_spool = os.path.join(self.tmp, "cpp"), os.path.join(self.tmp, "py")
        drv = self.driver(s.url, key, cpp_spool, "--count", 10**7, "--rate", 15000, "--every", 500,
                          "--flush-ms", 5000, "--run", "cppkill", "--connections", 1)
        py = subprocess.Popen([sys.executable, "-c", PY_SPOOLER, PY_CLIENT_DIR, s.url, key, py_spool],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3.0)
        for p in (drv, py):
            p.send_signal(signal.SIGKILL)
        cpp_upto, py_upto = durable_upto(drv.communicate()[0]), durable_upto(py.communicate()[0])
        self.assertGreater(cpp_upto, 1000)
        self.assertGreater(py_upto, 500)
        # A crash mid-append leaves a torn record: make sure there is one to skip.
        slot = os.path.join(cpp_spool, "slot-0")
        last = sorted(f for f in os.listdir(slot) if f.startswith("seg-"))[-1]
        with open(os.path.join(slot, last), "ab") as f:
            f.write(trail_client.encode_record(b'{"tag":"project:release:add"}')[:-5])

        s.start()
        # The next C++ process replays; it is killed mid-replay (after the server has some).
        drv = self.driver(s.url, key, cpp_spool, "--count", 0, "--flush-ms", 60000, "--connections", 1)
        deadline = time.time() + 30
        while time.time() < deadline and sum(self.stored(s, "project:cppkill").values()) == 0:
            time.sleep(0.05)
        drv.send_signal(signal.SIGKILL)
        opened = json.loads(drv.communicate()[0].splitlines()[0])
        self.assertEqual(opened["torn"], 1, f"the torn record is found and cut off: {opened}")
        # And the one after that finishes the job.
        drv = self.driver(s.url, key, cpp_spool, "--count", 0, "--flush-ms", 60000, "--connections", 1)
        out, err = drv.communicate(timeout=120)
        self.assertEqual(drv.returncode, 0, err[-2000:])
        last = json.loads(out.splitlines()[-1])
        self.assertEqual(last["spooled"], 0, out[-1000:])
        first = json.loads(out.splitlines()[0])
        c = self.py_client(s, key, py_spool)
        self.assertTrue(c.flush(60), c.stats())
        self.assertEqual(c.stats()["spooled"], 0, c.stats())
        self.assert_exactly_once(self.stored(s, "project:cppkill"), cpp_upto, "C++ spool")
        self.assert_exactly_once(self.stored(s, "project:pykill"), py_upto, "Python spool")
        print(f"\n  C++ durable up to {cpp_upto}, replay opened with {first}; "
              f"Python durable up to {py_upto}; python stats {c.stats()}")

    def test_disk_full_503_then_everything_delivered_once_space_returns(self):
        mnt = tempfile.mkdtemp(prefix="trail-tmpfs-")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt],
                           capture_output=True, text=True)
        if r.returncode != 0:
            os.rmdir(mnt)
            self.skipTest(f"cannot mount a tmpfs (needs root): {r.stderr.strip()}")

        def unmount():
            if subprocess.run(["umount", mnt], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", mnt], capture_output=True)
            shutil.rmtree(mnt, ignore_errors=True)
        self.addCleanup(unmount)
        if PG:  # what fills is the database: its tables live on the tmpfs
            url, drop = PG.create_in_tablespace("diskfull", mnt)
            self.addCleanup(drop)  # after the server stops, before unmount (cleanups are LIFO)
            s = self.new_server("--store", url, start=False)
        else:
            s = self.new_server(data=mnt, start=False)
            s.workdir = new_workdir("diskfull-log")  # serve.log off the small disk
        s.start()
        self.addCleanup(s.stop, signal.SIGKILL)  # runs before unmount (cleanups are LIFO)
        key = self.writer_key(s)
        c = self.py_client(s, key, os.path.join(self.tmp, "py"))
        pad = "x" * 3000
        probe = s.client()
        self.addCleanup(probe.close)
        acked, statuses, n = [], Counter(), 0
        deadline = time.time() + 60
        while time.time() < deadline and statuses[503] == 0:
            for _ in range(500):
                c.record("project:release:add", "project:full", metadata={"version": str(n), "n": n, "pad": pad})
                n += 1
            r = probe.record({"tag": "project:release:add", "subject": "project:probe",
                              "metadata": {"version": "p", "n": len(acked), "pad": pad}})
            statuses[r.status] += 1
            if r.status == 201:
                acked.append(r.events[0]["id"])
            else:
                self.assertEqual(r.status, 503, f"disk full must be 503, got {r!r}")
                self.assertTrue(r.header("Retry-After"), "a 503 carries Retry-After")
            time.sleep(0.05)
        self.assertGreater(statuses[503], 0, f"the disk never filled: {statuses}, {c.stats()}")
        self.assertTrue(s.running(), s.log_tail())
        self.assertEqual(probe.get("/healthz").status, 200)
        for _ in range(500):  # more while it is full: they wait in memory or the spool
            c.record("project:release:add", "project:full", metadata={"version": str(n), "n": n, "pad": pad})
            n += 1
        self.assertTrue(c.flush(10), c.stats())  # acknowledged or spooled, not stuck
        during = c.stats()
        self.assertGreater(during["retries"], 0, during)

        subprocess.run(["mount", "-o", "remount,size=256m", mnt], check=True)  # space returns
        self.assertTrue(c.flush(120), c.stats())
        st = c.stats()
        self.assertEqual((st["queued"], st["spooled"], st["failed"]), (0, 0, 0), st)
        self.assert_exactly_once(self.stored(s, "project:full"), n - 1, "client events", at_most=n - 1)
        pc = s.client()
        try:
            ids = {e["id"] for e in pc.query_all("subject=project:probe")}
        finally:
            pc.close()
        self.assertFalse(set(acked) - ids, "every acknowledged probe is stored")
        if PG:  # the failed commits left no trace: verified through the checkpoint and tiles
            vkey = run_cli("keys", "verifier", "--data", s.data).stdout.strip().splitlines()[-1]
            r = run_cli("verify", "--url", s.url, "--vkey", vkey, timeout=120)
            self.assertEqual(s.stop(), 0, s.log_tail())
        else:
            self.assertEqual(s.stop(), 0, s.log_tail())
            r = run_cli("verify", "--data", mnt, timeout=120)  # the failed commits left no trace
        self.assertEqual(r.returncode, 0, (r.stdout + r.stderr)[-1000:])
        print(f"\n  {n} events, {len(acked)} probes acknowledged, probe replies {dict(statuses)}; "
              f"while full {during}")

    def test_sigterm_under_client_load_drains_then_all_delivered_once(self):
        s = self.new_server()
        key = self.writer_key(s)
        c = self.py_client(s, key, os.path.join(self.tmp, "py"))
        loader = Loader(c, "project:pyterm", rate=3000)
        drv = self.driver(s.url, key, os.path.join(self.tmp, "cpp"), "--count", 40000,
                          "--rate", 8000, "--every", 4000, "--run", "cppterm", "--flush-ms", 60000)
        loader.start()
        time.sleep(2.0)
        code = s.stop(signal.SIGTERM, timeout=15)
        self.assertEqual(code, 0, s.log_tail())
        self.assertLess(s.last_stop_seconds, 10.0)
        time.sleep(1.0)
        s.start()
        time.sleep(1.0)
        loader.stop.set()
        loader.join()
        self.assertTrue(c.flush(60), c.stats())
        out, err = drv.communicate(timeout=120)
        self.assertEqual(drv.returncode, 0, err[-2000:])
        self.finish_spool(s, key, os.path.join(self.tmp, "cpp"))
        self.assert_exactly_once(self.stored(s, "project:pyterm"), loader.count - 1, "python client",
                                 at_most=loader.count - 1)
        self.assert_exactly_once(self.stored(s, "project:cppterm"), 39999, "C++ client", at_most=39999)


if __name__ == "__main__":
    unittest.main()

# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""trail::Client (include/trail/client.h) end to end: tests/delivery_driver.cc against a real
`trail serve` — delivery with the server up, spooling while it is down, and the replay by the
next process, exactly once and in order.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SOURCE_DIR, ServerTestCase  # noqa: E402

DRIVER = os.environ.get("TRAIL_DELIVERY_DRIVER") or os.path.join(
    SOURCE_DIR, "build", "tests", "delivery_driver")


def run_driver(url, key, spool, *args, timeout=120):
    """Runs the driver to the end; returns its JSON lines by stage (the last of each)."""
    out = subprocess.run([DRIVER, "--url", url, "--key", key, "--spool", spool, *map(str, args)],
                         capture_output=True, text=True, timeout=timeout)
    stages = {}
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            stages[d["stage"]] = d
    if out.returncode != 0:
        raise AssertionError(f"driver exit {out.returncode}: {out.stdout[-500:]} {out.stderr[-500:]}")
    return stages


def stored_ns(server, run):
    """The metadata n of every stored event of `run`, in seq order."""
    c = server.client()
    try:
        events = c.query_all(f"subject=project:{run}&order=asc")
    finally:
        c.close()
    return [e["metadata"]["n"] for e in events]


def writer_key(server):
    c = server.client()
    try:
        return c.new_key("writer")["key"]
    finally:
        c.close()


@unittest.skipUnless(os.path.exists(DRIVER) or os.environ.get("TRAIL_DELIVERY_DRIVER"),
                     f"no driver at {DRIVER} (build the tests)")
class CppClientTest(ServerTestCase):
    def setUp(self):
        self.spool = tempfile.mkdtemp(prefix="trail-cpp-spool-")
        self.addCleanup(shutil.rmtree, self.spool, True)

    def test_delivers_every_event_once_with_the_server_up(self):
        s = self.new_server()
        key = writer_key(s)
        st = run_driver(s.url, key, self.spool, "--count", 20000, "--run", "up")
        self.assertTrue(st["durable"]["ok"], st)
        self.assertEqual(st["flushed"]["sent"], 20000, st)
        self.assertEqual(st["flushed"]["spooled"], 0, st)
        ns = stored_ns(s, "up")
        self.assertEqual(sorted(ns), list(range(20000)))

    def test_spools_while_down_and_the_next_process_replays_in_order(self):
        s = self.new_server()
        key = writer_key(s)
        s.stop()
        st = run_driver(s.url, key, self.spool, "--count", 3000, "--run", "down",
                        "--flush-ms", 3000, "--connections", 1)
        self.assertTrue(st["durable"]["ok"], st)  # spooled counts as durable while down
        self.assertEqual(st["flushed"]["spooled"], 3000, st)
        self.assertEqual(st["flushed"]["queued"], 0, st)
        self.assertGreater(sum(os.path.getsize(os.path.join(r, f))
                               for r, _, fs in os.walk(self.spool) for f in fs), 0)
        s.start()
        st = run_driver(s.url, key, self.spool, "--count", 500, "--start", 3000,
                        "--run", "down", "--connections", 1)
        self.assertTrue(st["durable"]["ok"], st)
        self.assertEqual(st["opened"]["spooled"], 3000, st)
        self.assertEqual(st["flushed"]["spooled"], 0, st)
        ns = stored_ns(s, "down")
        self.assertEqual(ns, list(range(3500)), "every event once, in the order recorded")

    def test_a_refused_event_is_dropped_and_the_rest_delivered(self):
        # A subject of the wrong kind for the tag is a 400 naming the event; the driver's events
        # all fit, so this uses a second server that does not know the tag at all.
        s = self.new_server(events=None)
        key = writer_key(s)
        st = run_driver(s.url, key, self.spool, "--count", 50, "--run", "unknown")
        self.assertEqual(st["flushed"]["failed"], 50, st)  # every event refused, none lost silently
        self.assertEqual(st["flushed"]["sent"], 0, st)


if __name__ == "__main__":
    unittest.main()

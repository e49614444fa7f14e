# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Retention across crashes (SPEC §7): a GC killed with SIGKILL in the middle of its batches
leaves every event either whole or pruned — never half — and the next run finishes the job;
the log still verifies (`trail verify --data`; on PostgreSQL, which has no file to read,
`trail verify --url --vkey` through the checkpoint and tiles), seqs and leaf hashes never move.
"""
import datetime
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ON_POSTGRES, ServerTestCase, ev, run_cli  # noqa: E402


def days_ahead(n):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=n)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class GcCrash(ServerTestCase):
    def test_a_gc_killed_mid_batch_is_finished_by_the_next_run(self):
        srv = self.new_server()
        c = srv.client()
        n = 60000  # file:add has retention 30d in the test types: 30 batches of 2,000 to kill amid
        for b in range(n // 1000):
            r = c.record([ev("file:add", f"file:f{b}-{i}", "carol", filename=f"f{b}-{i}.whl") for i in range(1000)])
            self.assertEqual(r.status, 201, r)
        kept = c.record([ev("project:create", f"project:k{i}", "dave") for i in range(50)])
        self.assertEqual(kept.status, 201)
        before = {e["id"]: (e["seq"], e["leaf_hash"]) for e in c.query_all("pruned=include")}

        # Start a GC and kill the server while it is pruning.
        done = threading.Event()

        def gc():
            try:
                srv.client(timeout=120).post("/v1/admin/gc", {"as_of": days_ahead(31)})
            except OSError:
                pass
            done.set()

        threading.Thread(target=gc, daemon=True).start()
        watcher = srv.client()
        for _ in range(400):
            m = watcher.get("/metrics").text
            line = [x for x in m.splitlines() if x.startswith("trail_gc_progress_pruned ")]
            if line and float(line[0].split()[1]) > 0:
                break
            time.sleep(0.01)
        srv.kill()
        done.wait(30)

        srv.start()
        c = srv.client()
        after = {e["id"]: e for e in c.query_all("pruned=include")}
        self.assertEqual(set(after), set(before) | {i for i, e in after.items() if e["tag"].startswith("trail:")})
        for i, (seq, leaf) in before.items():
            self.assertEqual((after[i]["seq"], after[i]["leaf_hash"]), (seq, leaf), "seq and leaf hash never move")
            e = after[i]
            if e["pruned"]:  # whole or pruned, never half
                self.assertTrue(all(e.get(k) is None for k in ("subject", "actor", "ip", "user_agent", "metadata")), e)
            else:
                self.assertIsNotNone(e["subject"])
        partly = sum(1 for e in after.values() if e["tag"] == "file:add" and e["pruned"])
        self.assertLess(partly, n, "the kill was meant to land mid-run")

        r = c.post("/v1/admin/gc", {"as_of": days_ahead(31)})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["pruned"], n - partly)
        final = {e["id"]: e for e in c.query_all("pruned=include")}
        self.assertTrue(all(e["pruned"] for e in final.values() if e["tag"] == "file:add"))
        self.assertTrue(all(not e["pruned"] for e in final.values() if e["tag"] == "project:create"))
        if ON_POSTGRES:
            vkey = run_cli("keys", "verifier", "--data", srv.data).stdout.strip().splitlines()[-1]
            v = run_cli("verify", "--url", srv.url, "--vkey", vkey, timeout=120)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
            self.assertEqual(srv.stop(), 0)
            return
        self.assertEqual(srv.stop(), 0)
        v = run_cli("verify", "--data", srv.data, timeout=120)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertIn(f"{n} pruned", v.stdout)


if __name__ == "__main__":
    unittest.main()

# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Invariants over a whole log after a mixed workload (single events, batches, NDJSON,
idempotent retries, client ids, unicode, restarts):

* every event's leaf_hash is the format-2 leaf hash of SPEC §5 over the fields it reads with;
* seq is 0..N-1, recorded_at never goes backwards with seq, ids are unique UUIDv7s whose
  time is not after recorded_at, and ids of one batch increase;
* the list, GET /v1/events/{id}, the NDJSON export and the CSV export agree on every event;
* /metrics counts per tag are exactly the stored events per tag.
"""
import base64
import csv
import io
import json
import os
import re
import sys
import unittest
import uuid
from collections import Counter
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, ev, leaf_hash_v2, resolve_seqs, run_threads  # noqa: E402

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def leaf_hash(e):
    return base64.b64encode(leaf_hash_v2(e)).decode()


def micros(t):
    return datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def uuid7_time(u):
    return datetime.fromtimestamp(int(u.replace("-", "")[:12], 16) / 1000, timezone.utc)


class Invariants(ServerTestCase):
    def workload(self, s):
        c = s.client()
        batches = []

        def ok(r):
            self.assertIn(r.status, (200, 201), r)
            return r
        ok(c.record(ev("project:role:add", "project:inv", "alice", target_user="bob",
                       role_name="Owner")))
        ok(c.record(dict(ev("project:create", "project:inv"), occurred_at="2025-05-05T05:05:05Z")))
        batches.append(ok(c.record([ev("project:release:add", "project:inv", "bob", version=v,
                                       files=3, yanked=False, details={"n": 2.5, "s": "x"},
                                       tags=["a", 1, None]) for v in "abcde"])).events)
        batches.append(ok(c.record_ndjson([ev("account:note", f"user:ü{i}", "zoë",
                                              text=f"naïve — {i} \u2603") for i in range(4)])).events)
        ok(c.record(dict(ev("organization:create", "organization:o"), id=str(uuid.uuid4()))))
        for _ in range(2):
            ok(c.record(dict(ev("organization:create", "organization:idem"),
                             idempotency_key="k1")))
        ok(c.record({"tag": "file:add", "subject": "file:x.whl", "metadata": {"filename": "x"},
                     "ip": "2001:db8::1", "user_agent": "pip/24"}))

        def burst(k):
            cc = s.client()
            for i in range(20):
                r = cc.record(ev("account:login:success", f"user:b{k}", f"b{k}",
                                 auth_method="password") if i % 2 else
                              [ev("account:login:failure", f"user:b{k}", f"b{k}")] * 3)
                self.assertEqual(r.status, 201, r)
            cc.close()
        run_threads(burst, 8)
        c.close()
        return batches

    def test_log_invariants_hold_across_reads_and_restarts(self):
        s = self.new_server()
        batches = self.workload(s)
        s.restart()
        batches += self.workload(s)
        s.stop(9)
        s.start()
        c = s.client()
        events = c.query_all(params="order=asc")
        n = len(events)
        self.assertEqual([e["seq"] for e in events], list(range(n)))

        for e in events:
            self.assertEqual(e["leaf_hash"], leaf_hash(e), f"seq {e['seq']}: leaf_hash")
            self.assertRegex(e["id"], r"^[0-9a-f-]{36}$")
        self.assertEqual(len({e["id"] for e in events}), n, "ids are not unique")
        times = [micros(e["recorded_at"]) for e in events]
        self.assertEqual(times, sorted(times), "recorded_at goes backwards")
        server_ids = [e for e in events if UUID7.match(e["id"])]
        self.assertGreater(len(server_ids), n - 3)
        for e in server_ids:
            lag = (micros(e["recorded_at"]) - uuid7_time(e["id"])).total_seconds()
            self.assertTrue(-0.002 <= lag < 30, f"seq {e['seq']}: id time {lag} s before recorded")
        for batch in batches:
            ids = [a["id"] for a in batch]
            self.assertEqual(ids, sorted(ids), "ids of one batch do not increase")
            seqs = [a["seq"] for a in resolve_seqs(c, batch)]  # PostgreSQL: may be null at 201
            self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))))

        by_id = {e["id"]: e for e in events}
        for e in events[::7]:
            self.assertEqual(c.get(f"/v1/events/{e['id']}").json, e)
        export = c.get("/v1/export?format=ndjson")
        rows = [json.loads(x) for x in export.text.splitlines()]
        self.assertEqual(rows[:n], events, "the NDJSON export differs from the list")
        self.assertEqual(rows[n]["tag"], "trail:export")
        table = list(csv.DictReader(io.StringIO(c.get("/v1/export?format=csv").text, newline="")))
        self.assertEqual(len(table), n + 2)
        for row in table[:n]:
            e = by_id[row["id"]]
            self.assertEqual(row["seq"], str(e["seq"]))
            self.assertEqual(row["leaf_hash"], e["leaf_hash"])
            self.assertEqual(json.loads(row["metadata"]), e["metadata"])
            self.assertEqual(row["description"].lstrip("'"), e["description"])
            self.assertEqual(row["occurred_at"], e["occurred_at"])

        tags = Counter(e["tag"] for e in c.query_all())
        metrics = c.get("/metrics").text
        got = dict(re.findall(r'^trail_events_recorded_total\{tag="([^"]+)"\} (\d+)$', metrics,
                              re.M))
        self.assertEqual({k: int(v) for k, v in got.items()}, dict(tags))
        c.close()

    def test_an_event_read_right_after_its_201_reads_as_it_stays(self):
        """Read-your-writes for GET /v1/events/{id}: read back at once, an event already has
        its seq, recorded_at and leaf_hash, and later reads (the list) return it unchanged.
        Regression: on PostgreSQL the read came from the pending row — seq and leaf_hash null,
        a recorded_at that later changed."""
        s = self.new_server()
        c = s.client()
        first = []
        for i in range(100):
            r = c.record(ev("project:create", f"project:ryw{i}"))
            self.assertEqual(r.status, 201, r)
            g = c.get(f"/v1/events/{r.events[0]['id']}")
            self.assertEqual(g.status, 200, g)
            first.append(g.json)
        later = {e["id"]: e for e in c.query_all("tag=project:create")}
        c.close()
        self.assertEqual([e["seq"] for e in first if e["seq"] is None], [], "read without its seq")
        self.assertEqual([e for e in first if later[e["id"]] != e], [], "changed after the first read")


if __name__ == "__main__":
    unittest.main(verbosity=2)

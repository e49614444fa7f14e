# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Concurrency (SPEC §3 Read "stable under concurrent writes", §7a group commit).

Paging while writers insert into the very result set being paged must neither repeat nor skip
an event, in both orders; many keep-alive connections recording at once all get 201 and the
log's seqs are exactly 0..N-1.
"""
import os
import sys
import threading
import time
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, ev, resolve_seqs, run_threads  # noqa: E402


def release(i, who="w", project="project:paged"):
    return ev("project:release:add", project, who, version=str(i))


class Writers:
    """n threads recording into `project` until stopped; remembers every acknowledged seq."""

    def __init__(self, server, n, project, batch=1):
        self.server, self.project, self.batch = server, project, batch
        self.stop = threading.Event()
        self.acked, self.failures = [], []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(k,)) for k in range(n)]

    def run(self, k):
        c = self.server.client()
        i = 0
        while not self.stop.is_set():
            evs = [release(f"{k}-{i + j}", f"w{k}", self.project) for j in range(self.batch)]
            i += self.batch
            r = c.record(evs if self.batch > 1 else evs[0])
            with self.lock:
                if r.status == 201:
                    self.acked += [a["seq"] for a in r.events]
                else:
                    self.failures.append(r)
        c.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)


class PagingUnderWrites(ServerTestCase):
    def setUp(self):
        self.server = self.new_server()
        c = self.server.client()
        for k in range(4):
            r = c.record([release(f"seed-{k}-{j}") for j in range(100)])
            self.assertEqual(r.status, 201, r)
        c.close()

    def page(self, order, params="subject=project:paged", limit=7, writers=None):
        """Pages to the end with limit=7; returns the seqs in the order received. With
        `writers`, waits until they are under way, lets them write between pages, and stops
        them after 80 pages (asc paging could otherwise chase them forever)."""
        while writers and len(writers.acked) < 20:
            time.sleep(0.01)
        c = self.server.client()
        seqs, cursor, pages = [], None, 0
        while True:
            q = f"/v1/events?{params}&order={order}&limit={limit}"
            if cursor:
                q += "&cursor=" + urllib.parse.quote(cursor, safe="")
            r = c.get(q)
            self.assertEqual(r.status, 200, r)
            self.assertLessEqual(len(r.events), limit)
            seqs += [e["seq"] for e in r.events]
            self.assertTrue(all(e["subject"] == "project:paged" for e in r.events))
            cursor = r.json["next_cursor"]
            pages += 1
            if writers:
                time.sleep(0.002)
                if pages == 80:  # from here on paging catches up with the end
                    writers.stop.set()
            if cursor is None:
                break
            self.assertEqual(len(r.events), limit, "a page before the last one is short")
        c.close()
        return seqs, pages

    def all_seqs(self):
        c = self.server.client()
        out = sorted(e["seq"] for e in c.query_all("subject=project:paged"))
        c.close()
        return out

    def test_desc_paging_while_writing_into_the_result_set(self):
        before = set(self.all_seqs())
        with Writers(self.server, 4, "project:paged") as w:
            seqs, pages = self.page("desc", writers=w)
        self.assertEqual(w.failures, [])
        self.assertGreater(len(w.acked), 20, "the writers hardly wrote")
        self.assertEqual(len(seqs), len(set(seqs)), "an event was repeated")
        self.assertEqual(seqs, sorted(seqs, reverse=True), "not newest first")
        # Nothing skipped: every matching event at or below the first one seen is there,
        # those stored before paging began and those written while it ran.
        now = self.all_seqs()
        self.assertEqual(sorted(seqs), [s for s in now if s <= seqs[0]])
        self.assertTrue(before <= set(seqs))
        self.assertGreater(pages, 50)

    def test_asc_paging_while_writing_into_the_result_set(self):
        before = set(self.all_seqs())
        with Writers(self.server, 4, "project:paged", batch=3) as w:
            seqs, pages = self.page("asc", writers=w)
        self.assertEqual(w.failures, [])
        self.assertEqual(len(seqs), len(set(seqs)), "an event was repeated")
        self.assertEqual(seqs, sorted(seqs), "not oldest first")
        # Paging forward picks up new events as they come; nothing up to the last seen is
        # skipped, including events written while paging.
        now = self.all_seqs()
        self.assertEqual(seqs, [s for s in now if s <= seqs[-1]])
        self.assertTrue(before <= set(seqs))
        self.assertGreater(len(seqs), len(before), "no event written during paging was seen")

    def test_unfiltered_and_prefix_paging_while_writing(self):
        with Writers(self.server, 3, "project:paged"), Writers(self.server, 2, "project:other"):
            for params in ("tag=project:*", "q=tag:project:release:*%20-actor:nobody"):
                c = self.server.client()
                seqs, cursor = [], None
                while True:
                    q = f"/v1/events?{params}&limit=7" + (
                        "&cursor=" + urllib.parse.quote(cursor, safe="") if cursor else "")
                    r = c.get(q)
                    self.assertEqual(r.status, 200, r)
                    seqs += [e["seq"] for e in r.events]
                    cursor = r.json["next_cursor"]
                    if not cursor:
                        break
                c.close()
                self.assertEqual(len(seqs), len(set(seqs)), params)
                self.assertEqual(seqs, sorted(seqs, reverse=True), params)
                self.assertEqual(sorted(seqs), [s for s in range(1, seqs[0] + 1)], params)


class ManyConnections(ServerTestCase):
    def test_64_keep_alive_connections_all_201_and_seqs_0_to_n(self):
        s = self.new_server()
        per_conn = 40
        acks = [[] for _ in range(64)]
        bad = []

        def hammer(k):
            c = s.client()
            for i in range(per_conn):
                r = c.record(ev("account:login:success", f"user:u{k}", f"u{k}",
                                auth_method="password"))
                if r.status != 201 or len(r.events) != 1:
                    bad.append(r)
                    continue
                acks[k].append(r.events[0])
            self.assertLessEqual(c.requests_on_conn, per_conn + 1, "keep-alive was not kept")
            c.close()
        run_threads(hammer, 64)
        self.assertEqual(bad, [])
        all_acks = [a for conn in acks for a in conn]
        self.assertEqual(len(all_acks), 64 * per_conn)
        c = s.client()
        resolve_seqs(c, all_acks)  # PostgreSQL may acknowledge with "seq": null (SPEC §3)
        seqs = sorted(a["seq"] for a in all_acks)
        # seq 0 is the admin key's trail:key:created event.
        self.assertEqual(seqs, list(range(1, 64 * per_conn + 1)))
        for conn in acks:  # one connection's requests are stored in the order sent
            self.assertEqual([a["seq"] for a in conn], sorted(a["seq"] for a in conn))
        stored = c.query_all()
        self.assertEqual(sorted(e["seq"] for e in stored), list(range(64 * per_conn + 1)))
        self.assertEqual({e["id"] for e in stored if e["seq"] > 0}, {a["id"] for a in all_acks})
        m = c.get("/metrics")
        self.assertIn(f'trail_events_recorded_total{{tag="account:login:success"}} {64 * per_conn}\n',
                      m.text)
        # Group commit: the events shared commits.
        commits = [float(line.split()[-1]) for line in m.text.splitlines()
                   if line.startswith("trail_commits_total ")]
        self.assertTrue(commits and commits[0] < 64 * per_conn, commits)
        c.close()

    def test_duplicate_key_batch_does_not_fail_other_writers(self):
        """Regression test: a batch holding the same idempotency key (or client id) twice
        once broke a unique index inside the group commit, and the server rolled back the
        whole group, so concurrent requests of other clients that shared the commit were
        refused with 409 "conflict" ("step: UNIQUE constraint failed: idempotency.key")
        though they did nothing wrong. (The batch itself: idempotency_in_batch.scenario.)"""
        s = self.new_server()
        with Writers(s, 8, "project:innocent") as w:
            c = s.client()
            for i in range(200):
                if i % 2:
                    dup = dict(ev("project:create", "project:dup"), idempotency_key=f"dup-{i}")
                else:
                    dup = dict(ev("project:create", "project:dup"), id=str(uuid.uuid4()))
                c.record([dup, dup])
            c.close()
        self.assertGreater(len(w.acked), 100)
        refused = [(r.status, r.error.get("message")) for r in w.failures]
        self.assertEqual(refused[:3], [], f"{len(refused)} innocent requests were refused")


if __name__ == "__main__":
    unittest.main(verbosity=2)

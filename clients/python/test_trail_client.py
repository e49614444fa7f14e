# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Tests of trail_client: the spool format on its own, then the client against a real
`trail serve` (tests/harness.py: a free port, its own data directory) and against a scripted
stdlib HTTP server for the replies a healthy trail rarely gives (429, 503, refusals).

    cd clients/python && TRAIL_BIN=../../build/trail python3 -m unittest -v test_trail_client
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("TRAIL_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests"))

import trail_client  # noqa: E402
from harness import ServerTestCase, free_port  # noqa: E402
from trail_client import Backoff, Client, Spool, SpoolFull, encode_record, scan_records  # noqa: E402


class TempDirCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="trail-pyclient-")
        self.addCleanup(shutil.rmtree, self.dir, True)


class SpoolTest(TempDirCase):
    def drain(self, spool, per=3):
        out = []
        while spool.pending:
            got, pos = spool.peek(per)
            if not got:
                break
            spool.commit(pos, len(got), sum(map(len, got)))
            out += got
        return out

    def test_record_format_is_shared_with_the_cpp_client(self):
        r = encode_record(b"hello")
        self.assertEqual(r[:4], b"TRL1")
        self.assertEqual(int.from_bytes(r[4:8], "little"), 5)
        self.assertEqual(int.from_bytes(r[8:12], "little"), 0x3610A686)  # src/client/spool_test.cc
        self.assertEqual(r[12:], b"hello")

    def test_round_trip_in_order_across_segments_and_reopen(self):
        recs = [b'{"n":%d}' % i for i in range(300)]
        s = Spool(self.dir, 1 << 20, segment_bytes=2048)
        self.assertEqual(s.append(recs), 300)
        self.assertGreater(len([f for f in os.listdir(self.dir) if f.startswith("seg-")]), 2)
        got, pos = s.peek(40)
        s.commit(pos, len(got), 0)
        s.close()
        s = Spool(self.dir, 1 << 20, segment_bytes=2048)
        self.assertEqual(s.pending, 260)
        self.assertEqual(self.drain(s, 7), recs[40:])
        self.assertEqual([f for f in os.listdir(self.dir) if f.startswith("seg-")], [])
        self.assertEqual(s.append(recs[:2]), 2)
        self.assertEqual(self.drain(s), recs[:2])
        s.close()

    def test_torn_tail_is_cut_off_and_appends_continue(self):
        s = Spool(self.dir, 1 << 20)
        s.append([b"a", b"b"])
        s.close()
        seg = [f for f in os.listdir(self.dir) if f.startswith("seg-")][0]
        with open(os.path.join(self.dir, seg), "ab") as f:
            f.write(encode_record(b"torn-record")[:-4])
        s = Spool(self.dir, 1 << 20)
        self.assertEqual((s.torn, s.pending), (1, 2))
        s.append([b"c"])
        self.assertEqual(self.drain(s), [b"a", b"b", b"c"])
        s.close()

    def test_corrupt_record_in_the_middle_is_skipped(self):
        buf = bytearray(encode_record(b"one") + encode_record(b"two") + encode_record(b"three"))
        buf[len(encode_record(b"one")) + 13] ^= 0xFF
        recs, end, corrupt, torn = scan_records(bytes(buf))
        self.assertEqual([p for _, p in recs], [b"one", b"three"])
        self.assertEqual((corrupt, torn), (1, 0))

    def test_full_spool_takes_a_prefix(self):
        rec = len(encode_record(b"x" * 100))
        s = Spool(self.dir, rec * 5 + 10)
        self.assertEqual(s.append([b"x" * 100] * 9), 5)
        self.assertEqual(s.append([b"x" * 100]), 0)
        self.assertLessEqual(s.disk_bytes, s.max_bytes)
        self.drain(s)
        self.assertEqual(s.append([b"x" * 100] * 9), 5)
        s.close()

    def test_spool_files_are_private_whatever_the_umask(self):
        # Regression test: segments, CURSOR and LOCK were created 0666 less the umask
        # (0644 usually, 0666 under umask 0), readable by every local user; they hold IPs.
        root = os.path.join(self.dir, "spool")
        seen = set()

        def check():
            for d, _, files in os.walk(root):
                self.assertEqual(oct(os.stat(d).st_mode & 0o777), oct(0o700), d)
                for f in files:
                    seen.add(f[:3])
                    self.assertEqual(oct(os.stat(os.path.join(d, f)).st_mode & 0o777), oct(0o600), f)
        old = os.umask(0)
        try:
            s, lock = trail_client.open_slot(root, 1 << 20)
            s.append([b'{"ip":"203.0.113.9"}'])
            check()
            got, pos = s.peek(1)
            s.commit(pos, len(got), 0)
            check()
            s.close()
            lock.close()
        finally:
            os.umask(old)
        self.assertEqual(seen, {"LOC", "seg", "CUR"})

    def test_slots_one_process_each(self):
        a, la = trail_client.open_slot(self.dir, 1 << 20)
        self.addCleanup(lambda: [x.close() for x in (a, b, c)])
        b, lb = trail_client.open_slot(self.dir, 1 << 20)
        self.assertNotEqual(a.dir, b.dir)
        la.close()
        c, lc = trail_client.open_slot(self.dir, 1 << 20)
        self.assertEqual(c.dir, a.dir)
        lb.close()
        lc.close()


class BackoffTest(unittest.TestCase):
    def test_delays_between_half_and_full_of_the_capped_exponential(self):
        b = Backoff(0.05, 5.0)
        for attempt in range(70):
            d = min(5.0, 0.05 * 2 ** attempt)
            for _ in range(50):
                self.assertTrue(d / 2 <= b.delay(attempt) <= d, attempt)

    def test_retry_after(self):
        self.assertEqual(trail_client.parse_retry_after("2"), 2.0)
        self.assertIsNone(trail_client.parse_retry_after(None))
        self.assertIsNone(trail_client.parse_retry_after("soon"))
        soon = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
        self.assertTrue(25 <= trail_client.parse_retry_after(soon) <= 31)


class IdempotencyKeyTest(unittest.TestCase):
    def test_keys_are_unique_time_ordered_uuidv7(self):
        import uuid
        keys = [trail_client.new_idempotency_key() for _ in range(20000)]
        self.assertEqual(len(set(keys)), len(keys))
        self.assertTrue(all(uuid.UUID(k).version == 7 and len(k) == 32 for k in keys))
        self.assertEqual([k[:12] for k in keys], sorted(k[:12] for k in keys))  # by millisecond


class ScriptedServer:
    """A stdlib HTTP server answering POST /v1/events with handler(lines) -> (status,
    headers, body dict); records what it saw."""

    def __init__(self, handler):
        outer = self
        self.seen, self.handler = [], handler

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                lines = [json.loads(x) for x in body.splitlines() if x.strip()]
                outer.seen.append(lines)
                status, headers, reply = outer.handler(lines)
                data = json.dumps(reply).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def acks(lines):
    return 201, {}, {"events": [{"id": f"id-{i}", "seq": i} for i in range(len(lines))]}


class ClientRepliesTest(TempDirCase):
    def client(self, url, **kw):
        kw.setdefault("flush_interval", 0.02)
        kw.setdefault("backoff_initial", 0.01)
        kw.setdefault("backoff_max", 0.1)
        c = Client(url, "k", spool_dir=self.dir, **kw)
        self.addCleanup(c.close, 1)
        return c

    def test_a_refusal_naming_an_event_drops_only_that_event(self):
        def handler(lines):
            for i, e in enumerate(lines):
                if e.get("metadata", {}).get("bad"):
                    return 400, {}, {"error": {"code": "invalid_event", "message": "no", "index": i}}
            return acks(lines)
        srv = ScriptedServer(handler)
        self.addCleanup(srv.close)
        c = self.client(srv.url)
        for i in range(20):
            c.record("project:create", "project:p", metadata={"i": i, "bad": i in (4, 15)})
        self.assertTrue(c.flush(5))
        stored = [e["metadata"]["i"] for lines in srv.seen for e in lines]
        final = Counter(stored)
        self.assertEqual(c.stats()["failed"], 2)
        self.assertEqual(c.stats()["sent"], 18)
        self.assertTrue(all(final[i] >= 1 for i in range(20) if i not in (4, 15)))

    def test_refusal_without_index_is_narrowed_down(self):
        def handler(lines):
            if any(e.get("metadata", {}).get("bad") for e in lines):
                return 400, {}, {"error": {"code": "invalid_json", "message": "no"}}
            return acks(lines)
        srv = ScriptedServer(handler)
        self.addCleanup(srv.close)
        c = self.client(srv.url)
        for i in range(16):
            c.record("project:create", "project:p", metadata={"i": i, "bad": i == 9})
        self.assertTrue(c.flush(5))
        self.assertEqual((c.stats()["failed"], c.stats()["sent"]), (1, 15))

    def test_503_and_429_are_retried_honouring_retry_after(self):
        calls = []

        def handler(lines):
            calls.append(time.monotonic())
            if len(calls) == 1:
                return 503, {"Retry-After": "0"}, {"error": {"code": "unavailable", "message": "full"}}
            if len(calls) == 2:
                return 429, {"Retry-After": "1"}, {"error": {"code": "queue_full", "message": "later"}}
            return acks(lines)
        srv = ScriptedServer(handler)
        self.addCleanup(srv.close)
        c = self.client(srv.url, spool_after=30)
        c.record("project:create", "project:p")
        deadline = time.time() + 10
        while c.stats()["sent"] < 1 and time.time() < deadline:
            time.sleep(0.02)
        self.assertEqual(c.stats()["sent"], 1)
        self.assertEqual(len(calls), 3)
        self.assertGreaterEqual(calls[2] - calls[1], 0.95)  # Retry-After: 1
        self.assertEqual(c.stats()["spooled_total"], 0)

    def test_record_rejects_what_can_never_be_sent(self):
        c = self.client(f"http://127.0.0.1:{free_port()}")
        with self.assertRaises(TypeError):
            c.record("project:create", "project:p", metadata={"x": object()})
        with self.assertRaises(ValueError):
            c.record("project:create", "project:p", metadata={"x": "a" * 70000})

    def test_when_queue_and_spool_are_full_record_waits_briefly_then_raises(self):
        c = self.client(f"http://127.0.0.1:{free_port()}", max_queue=10, batch_size=5,
                        max_spool_bytes=20000, full_timeout=0.05, spool_after=0)
        pad = "p" * 3000
        t0, raised = time.monotonic(), 0
        for i in range(60):
            t = time.monotonic()
            try:
                c.record("project:create", "project:p", metadata={"pad": pad, "i": i})
            except SpoolFull:
                raised += 1
            self.assertLess(time.monotonic() - t, 1.0)
        self.assertGreater(raised, 0)
        st = c.stats()
        self.assertEqual(st["dropped"], raised)
        self.assertLessEqual(st["spool_bytes"], 20000)
        self.assertLess(time.monotonic() - t0, 20)

    def test_drop_policy_counts(self):
        c = self.client(f"http://127.0.0.1:{free_port()}", max_queue=10, batch_size=5,
                        max_spool_bytes=20000, full_timeout=0.01, spool_after=0, when_full="drop")
        for i in range(60):
            c.record("project:create", "project:p", metadata={"pad": "p" * 3000, "i": i})
        self.assertGreater(c.stats()["dropped"], 0)


class ClientServerTest(ServerTestCase):
    def setUp(self):
        self.spool = tempfile.mkdtemp(prefix="trail-pyclient-")
        self.addCleanup(shutil.rmtree, self.spool, True)

    def writer(self, s):
        c = s.client()
        try:
            return c.new_key("writer")["key"]
        finally:
            c.close()

    def stored(self, s, subject):
        c = s.client()
        try:
            return c.query_all(f"subject={subject}&order=asc")
        finally:
            c.close()

    def test_delivers_every_event_once(self):
        s = self.new_server()
        c = Client(s.url, self.writer(s), spool_dir=self.spool)
        for i in range(5000):
            c.record("project:release:add", "project:py", actor="alice", ip="203.0.113.7",
                     user_agent="t/1", metadata={"version": str(i), "i": i})
        self.assertTrue(c.flush(30))
        st = c.stats()
        c.close()
        self.assertEqual((st["sent"], st["queued"], st["spooled"], st["failed"]), (5000, 0, 0, 0))
        evs = self.stored(s, "project:py")
        self.assertEqual(sorted(e["metadata"]["i"] for e in evs), list(range(5000)))
        self.assertEqual(evs[0]["ip"], "203.0.113.7")

    def test_spools_while_down_replays_in_order_exactly_once(self):
        s = self.new_server()
        key = self.writer(s)
        s.stop()
        c = Client(s.url, key, spool_dir=self.spool)
        t_record = time.time()
        for i in range(300):
            c.record("project:release:add", "project:py", metadata={"version": str(i), "i": i})
        self.assertTrue(c.flush(5))  # spooled: counts as done while the server is down
        self.assertEqual(c.stats()["spooled"], 300)
        c.close()
        s.start()
        c = Client(s.url, key, spool_dir=self.spool)
        c.record("project:release:add", "project:py", metadata={"version": "300", "i": 300})
        self.assertTrue(c.flush(30))
        self.assertEqual(c.stats()["spooled"], 0)
        c.close()
        evs = self.stored(s, "project:py")
        self.assertEqual([e["metadata"]["i"] for e in evs], list(range(301)))
        first = time.strptime(evs[0]["occurred_at"][:19], "%Y-%m-%dT%H:%M:%S")
        self.assertLess(abs(time.mktime(first) - time.timezone - t_record), 5)

    def test_refused_event_is_dropped_the_rest_stored(self):
        s = self.new_server()
        c = Client(s.url, self.writer(s), spool_dir=self.spool)
        for i in range(10):
            tag = "no:such:tag" if i == 6 else "project:release:add"
            c.record(tag, "project:py", metadata={"version": str(i), "i": i})
        self.assertTrue(c.flush(10))
        self.assertEqual((c.stats()["failed"], c.stats()["sent"]), (1, 9))
        c.close()
        self.assertEqual(sorted(e["metadata"]["i"] for e in self.stored(s, "project:py")),
                         [i for i in range(10) if i != 6])

    def test_atexit_flushes(self):
        s = self.new_server()
        code = ("import sys; sys.path.insert(0, sys.argv[1]); import trail_client;"
                "c = trail_client.Client(sys.argv[2], sys.argv[3], spool_dir=sys.argv[4]);"
                "[c.record('project:release:add', 'project:exit', metadata={'version': str(i)})"
                " for i in range(100)]")
        subprocess.run([sys.executable, "-c", code, HERE, s.url, self.writer(s), self.spool],
                       check=True, timeout=60)
        self.assertEqual(len(self.stored(s, "project:exit")), 100)


if __name__ == "__main__":
    unittest.main()

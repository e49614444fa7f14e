# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Crash safety and shutdown (SPEC §3 "an acknowledged write is never lost", §7a SIGTERM).

Many writer threads record single events and small batches over keep-alive connections,
each remembering every acknowledged id and seq; the server is killed mid-load (SIGKILL) or
stopped (SIGTERM); after a restart on the same data directory every acknowledged event must
be there exactly once, with the seq it was acknowledged with, seqs contiguous from 0, and the
log must continue.

On PostgreSQL the same holds for a node killed or stopped and restarted on the same database
(acknowledged means committed there; an acknowledgement may carry "seq": null, SPEC §3, and
then the event must simply be there, once, with some seq).
"""
import os
import random
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import CONNECTION_ERRORS, ServerTestCase, ev, resolve_seqs, slowed  # noqa: E402

WRITERS = 16


class Load:
    """WRITERS threads recording until stopped or until the server goes away."""

    def __init__(self, server, token, round_no):
        self.server, self.token, self.round = server, token, round_no
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked = []        # (id, seq, marker)
        self.unacked = []      # markers sent without an answer
        self.statuses = []     # (status, Connection header) of every reply
        self.unexpected = []   # replies that are neither 201 nor an orderly 503
        self.threads = [threading.Thread(target=self.writer, args=(w,)) for w in range(WRITERS)]

    def writer(self, w):
        c = self.server.client(token=self.token, timeout=30)
        rnd = random.Random(w * 1000 + self.round)
        i = 0
        try:
            while not self.stop.is_set():
                n = 1 if rnd.random() < 0.6 else rnd.randint(2, 5)
                markers = [f"r{self.round}-w{w}-{i + k}" for k in range(n)]
                i += n
                events = [ev("project:release:add", f"project:w{w}", f"writer{w}", version=m)
                          for m in markers]
                try:
                    r = c.record(events[0] if n == 1 else events)
                except CONNECTION_ERRORS:
                    with self.lock:
                        self.unacked += markers
                    return
                with self.lock:
                    self.statuses.append((r.status, r.header("Connection")))
                    if r.status == 201 and len(r.events) == n:
                        self.acked += [(a["id"], a["seq"], m) for a, m in zip(r.events, markers)]
                    else:
                        self.unacked += markers
                        if not (r.status == 503 and r.header("Connection") == "close"):
                            self.unexpected.append(r)
                if r.status != 201:
                    return
        finally:
            c.close()

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(60)


class CrashTest(ServerTestCase):
    def setUp(self):
        self.server = self.new_server()
        admin = self.server.client()
        self.writer_key = admin.new_key("writer", "load")["key"]
        admin.close()
        self.base = 2  # seq 0: admin key, seq 1: the writer key

    def check_log(self, acked):
        """Every acknowledged event is stored once, with its seq; seqs are 0..N-1."""
        c = self.server.client()
        events = c.query_all(limit=1000)
        c.close()
        seqs = sorted(e["seq"] for e in events)
        self.assertEqual(seqs, list(range(len(events))), "seqs are not contiguous from 0")
        by_id = {e["id"]: e for e in events}
        self.assertEqual(len(by_id), len(events), "an id is stored twice")
        markers = [e["metadata"]["version"] for e in events if e["tag"] == "project:release:add"]
        self.assertEqual(len(markers), len(set(markers)), "an event is stored twice")
        lost = [(i, s, m) for i, s, m in acked if i not in by_id]
        self.assertEqual(lost, [], f"{len(lost)} of {len(acked)} acknowledged events are lost")
        moved = [(i, s, by_id[i]["seq"]) for i, s, m in acked
                 if s is not None and by_id[i]["seq"] != s]
        self.assertEqual(moved, [], "stored seq differs from the acknowledged seq")
        wrong = [m for i, s, m in acked if by_id[i]["metadata"]["version"] != m]
        self.assertEqual(wrong, [], "an acknowledged id holds another event")
        return len(events)

    def test_sigkill_mid_load_loses_nothing_acknowledged(self):
        acked = []
        for round_no in range(3):
            load = Load(self.server, self.writer_key, round_no).start()
            time.sleep(random.uniform(0.4, 0.9))
            self.server.kill()
            load.join()
            self.assertEqual(load.unexpected, [], f"round {round_no}: unexpected replies")
            self.assertGreater(len(load.acked), 50, f"round {round_no}: too little load")
            acked += load.acked
            print(f"round {round_no}: {len(load.acked)} acknowledged, {len(load.unacked)} unanswered")
            self.server.start()
            n = self.check_log(acked)
            # The log continues where it stopped.
            c = self.server.client(token=self.writer_key)
            r = c.record(ev("project:create", f"project:after-{round_no}"))
            c.close()
            self.assertEqual(r.status, 201, r)
            admin = self.server.client()
            self.assertEqual(resolve_seqs(admin, r.events)[0]["seq"], n,
                             "the log does not continue at N")
            admin.close()
        self.check_log(acked)

    def test_sigterm_under_load_exits_0_and_keeps_every_acknowledged_event(self):
        load = Load(self.server, self.writer_key, 0).start()
        time.sleep(0.8)
        code = self.server.stop(signal.SIGTERM, timeout=20)
        took = self.server.last_stop_seconds
        load.join()
        self.assertEqual(code, 0, f"exit code after SIGTERM; log: {self.server.log_tail()}")
        self.assertLessEqual(took, 10, "SIGTERM took longer than 10 s")
        self.assertEqual(load.unexpected, [], "replies other than 201 or 503 + Connection: close")
        self.assertGreater(len(load.acked), 50)
        self.server.start()
        n = self.check_log(load.acked)
        c = self.server.client(token=self.writer_key)
        r = c.record(ev("project:create", "project:after"))
        c.close()
        self.assertEqual(r.status, 201, r)
        admin = self.server.client()
        self.assertEqual(resolve_seqs(admin, r.events)[0]["seq"], n)
        admin.close()

    def fill(self, events):
        c = self.server.client(token=self.writer_key)
        for k in range(events // 1000):
            r = c.record_ndjson([ev("project:release:add", "project:big", "bot", version=f"{k}",
                                    notes="n" * 400)] * 1000)
            self.assertEqual(r.status, 201, r)
        c.close()

    def stalled_export(self):
        """A client that asks for a large export and reads none of it."""
        sock = socket.create_connection(("127.0.0.1", self.server.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # no autotuning
        sock.sendall(f"GET /v1/export?format=ndjson HTTP/1.1\r\nHost: t\r\n"
                     f"Authorization: Bearer {self.server.admin_key}\r\n\r\n".encode())
        time.sleep(0.5)  # the server is now blocked writing to it
        return sock

    def test_sigterm_refuses_new_work_while_draining(self):
        """SPEC §7a: after SIGTERM, new connections are refused and requests on open
        connections get 503 with Connection: close; what was accepted is finished."""
        self.fill(15000)
        idle = self.server.client(token=self.writer_key)
        self.assertEqual(idle.record(ev("project:create", "project:idle")).status, 201)
        export = self.stalled_export()  # keeps one request in flight while draining
        self.server.send_signal(signal.SIGTERM)
        t0 = time.time()
        time.sleep(0.3)
        try:
            r = idle.record(ev("project:create", "project:late"))
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.header("Connection"), "close")
            self.assertEqual(r.error.get("code"), "unavailable")
        except CONNECTION_ERRORS:
            pass  # the connection was closed: as good as a refusal
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", self.server.port), timeout=2).close()
        # The export in flight is finished: read it to the end.
        export.settimeout(20)
        data = b""
        while time.time() - t0 < 30:
            chunk = export.recv(1 << 20)
            if not chunk:
                break
            data += chunk
            if data.endswith(b"\r\n0\r\n\r\n"):
                break
        export.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:100])
        self.assertTrue(data.endswith(b"0\r\n\r\n"), "the export was cut short")
        self.assertGreaterEqual(data.count(b'"tag":"project:release:add"'), 15000)
        self.server.proc.wait(slowed(15))
        self.assertEqual(self.server.proc.returncode, 0)
        self.assertLessEqual(time.time() - t0, slowed(10))  # SPEC §7a: exit 0 within 10 s
        self.server.start()
        c = self.server.client()
        self.assertEqual(len(c.query_all("subject=project:late")), 0)
        self.assertEqual(len(c.query_all("subject=project:idle")), 1)
        c.close()

    def test_sigterm_exits_within_10s_despite_a_stalled_reader(self):
        """Regression (fixed): a client that stops reading an export keeps `trail serve` from exiting
        after SIGTERM — the export is written with blocking writes and no timeout
        (SendStream sets expires_never), WaitIdle gives up after 8 s, and then
        HttpServer::Stop() joins the worker pool, which waits for that write forever.
        SPEC §7a: exit 0 within 10 s."""
        self.fill(15000)
        export = self.stalled_export()
        try:
            code = self.server.stop(signal.SIGTERM, timeout=12)
            took = self.server.last_stop_seconds
        finally:
            export.close()
        self.assertLessEqual(took, 10.5, f"SIGTERM took {took:.1f} s with a stalled reader")
        self.assertEqual(code, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)

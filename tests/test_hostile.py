# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""A hostile client against the real `trail serve` (docs/OPERATIONS.md, "Limits"): each case is
one attack that used to stop the server or hold its resources without bound. After every case
the same process (same pid) still answers /healthz: an audit log that anyone can switch off
records nothing.

Regression tests: GET /ui/history/user:alice?since=2099-01-01 (and /ui/, /embed/history) wrapped
the chart's bucket count to ~2^64; std::length_error escaped a worker thread and ended the
process. The limits (max_connections, header/idle/write timeouts, streams per principal) are
set small in trail.toml so each case takes a few seconds.
"""
import base64
import hashlib
import json
import os
import re
import resource
import socket
import time
import unittest
import urllib.parse

from harness import SANITIZER_RSS_MIB, Server, ServerTestCase, new_workdir, slowed

HEADER_TIMEOUT = 1
IDLE_TIMEOUT = 2
WRITE_TIMEOUT = 2
STREAMS_PER_PRINCIPAL = 2


from harness import b64url, viewer_token  # noqa: E402,F401


def write_config(workdir, **server):
    path = os.path.join(workdir, "trail.toml")
    with open(path, "w") as f:
        f.write("[server]\n")
        for k, v in server.items():
            f.write(f"{k} = {json.dumps(v)}\n")
    return path


def raw_connect(port, rcvbuf=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    return sock


def closed_by_peer(sock, timeout):
    """True when the server closes (or resets) `sock` within `timeout` seconds; reads and drops
    whatever it sent first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            if sock.recv(1 << 16) == b"":
                return True
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def read_head(sock):
    """The status line and headers of a response on `sock` (the body is left unread)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


def eventually(probe, deadline, pause=0.1):
    """True as soon as `probe()` is; False once `deadline` (a time.time()) has passed."""
    while True:
        if probe():
            return True
        if time.time() >= deadline:
            return False
        time.sleep(pause)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def metric(client_or_server, name):
    """A figure from /metrics, through a client or a fresh one of a server (closed after)."""
    own = isinstance(client_or_server, Server)
    client = client_or_server.client() if own else client_or_server
    try:
        text = client.get("/metrics").text
    finally:
        if own:
            client.close()
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


class HostileClients(ServerTestCase):
    """One server for the attacks that need no limit of their own."""

    @classmethod
    def setUpClass(cls):
        cls.workdir = new_workdir("hostile-server")
        config = write_config(cls.workdir, header_timeout=f"{HEADER_TIMEOUT}s", idle_timeout=f"{IDLE_TIMEOUT}s",
                              write_timeout=f"{WRITE_TIMEOUT}s", max_streams_per_principal=STREAMS_PER_PRINCIPAL)
        cls.srv = Server(name="hostile", workdir=cls.workdir, use_config=config)
        cls.srv.start()
        cls.pid = cls.srv.proc.pid
        with open(os.path.join(cls.srv.data, "viewer.secret"), "rb") as f:
            secret = f.read().strip()
        exp = int(time.time()) + 3600
        cls.alice = viewer_token(secret, {"sub": "alice", "exp": exp, "roles": {"project:p1": ["owner"]}})
        cls.bob = viewer_token(secret, {"sub": "bob", "exp": exp})
        cls.dave = viewer_token(secret, {"sub": "dave", "exp": exp})
        c = cls.srv.client()
        r = c.post("/v1/events", {"events": [
            {"tag": "account:note", "subject": "user:alice", "actor": "alice", "metadata": {"text": "hi"}},
            {"tag": "project:create", "subject": "project:p1", "actor": "alice"}]})
        assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def tearDown(self):
        # Whatever the attack, the same process still serves.
        self.assertTrue(self.srv.running(), self.srv.log_tail())
        self.assertEqual(self.srv.proc.pid, self.pid)
        self.assertTrue(self.srv.healthy(), self.srv.log_tail())
        self.assertNotIn("terminate called", self.srv.log_text())

    def get(self, path, token=..., **kw):
        c = self.srv.client(token=token, timeout=15)
        try:
            return c.get(path, **kw)
        finally:
            c.close()

    def embed(self, query):
        """GET /embed/history?<query>&token=…: trades the token for a cookie, then the page."""
        r = self.get("/embed/history?" + query + "&token=" + self.alice, token=None)
        self.assertEqual(r.status, 302, r)
        cookie = r.header("Set-Cookie").split(";")[0]
        return self.get(r.header("Location"), token=None, headers={"Cookie": cookie})

    # --- the chart: a future, inverted or absurd window on every route that draws one
    def test_future_since_on_every_chart_route(self):
        for chart in ("", "&chart=hour", "&chart=week"):
            with self.subTest(chart=chart):
                r = self.get("/ui/history/user:alice?since=2099-01-01" + chart, token=self.alice)
                self.assertEqual(r.status, 200, r)
                self.assertIn("0 events", r.text)
                r = self.get("/ui/?since=2099-01-01" + chart)
                self.assertEqual(r.status, 200, r)
                r = self.embed("subject=user:alice&since=2099-01-01" + chart)
                self.assertEqual(r.status, 200, r)
        r = self.get("/v1/events?since=2099-01-01T00:00:00Z", token=self.alice)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["events"], [])

    def test_inverted_and_absurd_ranges(self):
        ranges = [
            ("2026-02-01", "2026-01-01"),              # since after until
            ("2099-01-01", None),                      # in the future
            ("1900-01-01", "1900-01-02"),              # before 1970
            ("0000-01-01", None),                      # the first RFC 3339 instant
            (None, "0000-01-01"),
            ("9999-12-31", "9999-12-31T23:59:59.999999Z"),
            (None, "9999-12-31T23:59:59.999999Z"),     # a huge until
            ("10000-01-01", None),                     # past year 9999: not a time
            ("2026-01-01", "1970-01-01"),
        ]
        for since, until in ranges:
            def q(date_only):
                parts = []
                for name, v in (("since", since), ("until", until)):
                    if v is None:
                        continue
                    if not date_only and "T" not in v:
                        v += "T00:00:00Z"
                    parts.append(f"{name}={urllib.parse.quote(v)}")
                return "&".join(parts)
            with self.subTest(since=since, until=until):
                for path, token in (("/v1/events?" + q(False), ...), ("/v1/events?" + q(False), self.alice),
                                    ("/v1/export?" + q(False), self.alice),
                                    ("/ui/?" + q(True), ...), ("/ui/history/user:alice?" + q(True), self.alice)):
                    r = self.get(path, token=token)
                    self.assertIn(r.status, (200, 400), f"{path}: {r}")
                    inverted = since and until and since > until
                    if path.startswith("/v1/events") and r.status == 200 and inverted:
                        self.assertEqual(r.json["events"], [], path)
                r = self.embed("subject=user:alice&" + q(True))
                self.assertIn(r.status, (200, 400), r)
                # A created: range in q that contradicts since/until.
                r = self.get("/ui/?q=" + urllib.parse.quote("created:2026-02-01..2026-01-01") + "&" + q(True))
                self.assertIn(r.status, (200, 400), r)
                # The live tail with the same window answers its head (and nothing else); a
                # closed stream gives its slot back within about a second, so one that opens
                # right after may find the key's slots taken (429).
                sock = raw_connect(self.srv.port)
                try:
                    sock.sendall(f"GET /v1/stream?{q(False)} HTTP/1.1\r\nHost: x\r\n"
                                 f"Authorization: Bearer {self.srv.admin_key}\r\n\r\n".encode())
                    head = read_head(sock)
                    self.assertRegex(head, r"^HTTP/1.1 (200|400|429)", head)
                finally:
                    sock.close()

    def test_last_event_id_that_would_wrap(self):
        sock = raw_connect(self.srv.port)
        try:
            sock.sendall(f"GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {self.dave}\r\n"
                         f"Last-Event-ID: 18446744073709551615\r\n\r\n".encode())
            self.assertTrue(read_head(sock).startswith("HTTP/1.1 400"))
        finally:
            sock.close()

    def test_no_internal_errors_were_needed(self):
        # The attacks above are answered by the handlers themselves, not by the last-resort
        # catch (unit tested in src/http/server_test.cc, which throws on purpose).
        self.test_future_since_on_every_chart_route()
        self.assertEqual(metric(self.srv, "trail_http_internal_errors_total"), 0)

    # --- slow and idle clients
    def test_slowloris_header_is_dropped_while_others_are_served(self):
        sock = raw_connect(self.srv.port)
        try:
            t0 = time.time()
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            dropped = False
            while not dropped and time.time() - t0 < HEADER_TIMEOUT + 4:
                try:
                    sock.sendall(b"X")  # one byte of a header that never ends
                except (BrokenPipeError, ConnectionResetError):
                    dropped = True
                    break
                r = self.get("/healthz", token=None)  # another client is served meanwhile
                self.assertEqual(r.status, 200)
                dropped = closed_by_peer(sock, 0.2)
            self.assertTrue(dropped, "the trickling client was never dropped")
            self.assertLess(time.time() - t0, HEADER_TIMEOUT + 2.5)
        finally:
            sock.close()

    def test_slow_body_is_dropped(self):
        sock = raw_connect(self.srv.port)
        try:
            t0 = time.time()
            sock.sendall(f"POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {self.srv.admin_key}\r\n"
                         "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{".encode())
            dropped = False
            while not dropped and time.time() - t0 < IDLE_TIMEOUT + 4:
                try:
                    sock.sendall(b" ")
                except (BrokenPipeError, ConnectionResetError):
                    break
                dropped = closed_by_peer(sock, 0.2)
            self.assertLess(time.time() - t0, IDLE_TIMEOUT + 2.5)
        finally:
            sock.close()

    def test_idle_keep_alive_connection_is_dropped(self):
        sock = raw_connect(self.srv.port)
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(read_head(sock).startswith("HTTP/1.1 200"))
            t0 = time.time()
            self.assertTrue(closed_by_peer(sock, IDLE_TIMEOUT + 3))
            self.assertGreater(time.time() - t0, IDLE_TIMEOUT - 0.5)
        finally:
            sock.close()

    # --- streams
    def open_stream(self, token, path="/v1/stream"):
        sock = raw_connect(self.srv.port)
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
        return sock, read_head(sock)

    def test_streams_per_principal_are_capped(self):
        held = []
        try:
            for _ in range(STREAMS_PER_PRINCIPAL):
                sock, head = self.open_stream(self.bob)
                held.append(sock)
                self.assertTrue(head.startswith("HTTP/1.1 200"), head)
            sock, head = self.open_stream(self.bob)
            held.append(sock)
            self.assertTrue(head.startswith("HTTP/1.1 429"), head)
            self.assertIn("Retry-After:", head)
            r = self.get("/v1/export", token=self.bob)  # exports count too
            self.assertEqual(r.status, 429, r)
            self.assertEqual(r.error["code"], "too_many_streams")
            # Another principal is not affected.
            sock, head = self.open_stream(self.alice)
            held.append(sock)
            self.assertTrue(head.startswith("HTTP/1.1 200"), head)
            # A stream whose client leaves gives its slot back within about a second.
            held.pop(0).close()
            deadline = time.time() + 5
            while True:
                sock, head = self.open_stream(self.bob)
                held.append(sock)
                if head.startswith("HTTP/1.1 200") or time.time() > deadline:
                    break
                time.sleep(0.3)
            self.assertTrue(head.startswith("HTTP/1.1 200"), head)
        finally:
            for s in held:
                s.close()

    def record_padding(self, batches=10):
        """~batches × 1.6 MB of events: far more than the socket buffers hold."""
        c = self.srv.client()
        try:
            pad = "x" * 32000
            for i in range(batches):
                batch = [{"tag": "account:note", "subject": "user:carol", "metadata": {"text": f"{i}-{j}{pad}"}}
                         for j in range(50)]
                r = c.post("/v1/events", {"events": batch})
                self.assertEqual(r.status, 201, r)
        finally:
            c.close()

    def wait_for_stall(self, before):
        deadline = time.time() + WRITE_TIMEOUT + 8
        while time.time() < deadline and metric(self.srv, "trail_http_write_stalls_total") <= before:
            time.sleep(0.25)
        self.assertGreater(metric(self.srv, "trail_http_write_stalls_total"), before)

    def test_never_reading_export_is_dropped(self):
        self.record_padding()
        stalls = metric(self.srv, "trail_http_write_stalls_total")
        sock = raw_connect(self.srv.port, rcvbuf=4096)
        try:
            sock.sendall(f"GET /v1/export HTTP/1.1\r\nHost: x\r\n"
                         f"Authorization: Bearer {self.srv.admin_key}\r\n\r\n".encode())
            self.wait_for_stall(stalls)  # never read: cut off after the write timeout
            self.assertTrue(closed_by_peer(sock, 5))
        finally:
            sock.close()

    def test_never_reading_stream_is_dropped_and_memory_stays_bounded(self):
        deadline = time.time() + 5
        while True:  # streams closed by earlier tests give their slots back within a second or so
            sock = raw_connect(self.srv.port, rcvbuf=4096)
            sock.sendall(f"GET /v1/stream HTTP/1.1\r\nHost: x\r\n"
                         f"Authorization: Bearer {self.srv.admin_key}\r\n\r\n".encode())
            head = read_head(sock)
            if not head.startswith("HTTP/1.1 429") or time.time() > deadline:
                break
            sock.close()
            time.sleep(0.3)
        try:
            self.assertTrue(head.startswith("HTTP/1.1 200"), head)
            stalls = metric(self.srv, "trail_http_write_stalls_total")
            before = rss_kib(self.pid)
            self.record_padding()
            # The client never reads: within the write timeout (and the watchdog's half
            # second) the server cuts it off.
            self.wait_for_stall(stalls)
            self.assertTrue(closed_by_peer(sock, 5))  # what was buffered, then the end
            grown_mib = (rss_kib(self.pid) - before) / 1024
            self.assertLess(grown_mib, 128 + SANITIZER_RSS_MIB, f"RSS grew {grown_mib:.0f} MiB")
        finally:
            sock.close()


class ConnectionLimit(ServerTestCase):
    def test_connections_past_max_are_closed_at_once(self):
        workdir = new_workdir("maxconn")
        limit = 4
        srv = self.new_server(workdir=workdir, use_config=write_config(workdir, max_connections=limit,
                                                                        idle_timeout="30s"))
        pid = srv.proc.pid
        time.sleep(0.3)  # the start-up probes' connections are gone
        held = [raw_connect(srv.port) for _ in range(limit)]
        try:
            time.sleep(0.3)
            extra = raw_connect(srv.port)
            t0 = time.time()
            self.assertTrue(closed_by_peer(extra, 3), "the connection past the bound stayed open")
            self.assertLess(time.time() - t0, 2)
            extra.close()
            # The held ones are served, and once one goes a new client is too.
            held[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(read_head(held[0]).startswith("HTTP/1.1 200"))
            held.pop().close()
            deadline = time.time() + slowed(5)
            # One probe, not two: a second would race the first's slot, still being closed.
            self.assertTrue(eventually(srv.healthy, deadline))
            self.assertEqual(srv.proc.pid, pid)
            for s in held:
                s.close()
            held = []
            time.sleep(0.3)
            self.assertGreaterEqual(metric(srv, "trail_http_connections_refused_total"), 1)
        finally:
            for s in held:
                s.close()

    def test_out_of_descriptors_backs_off_instead_of_spinning(self):
        # A server whose descriptor limit is below its connection bound: accept() fails with
        # EMFILE while connections wait in the backlog. It must wait, not retry at full CPU.
        workdir = new_workdir("emfile")
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(96, hard), hard))  # inherited by the server
        try:
            srv = self.new_server(workdir=workdir, use_config=write_config(workdir, max_connections=100000))
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        pid = srv.proc.pid
        held = []
        try:
            for _ in range(160):
                held.append(raw_connect(srv.port))
            time.sleep(0.5)
            cpu0 = cpu_seconds(pid)
            time.sleep(2)
            used = cpu_seconds(pid) - cpu0
            self.assertLess(used, 0.6, f"{used:.2f} s of CPU in 2 s while out of descriptors")
        finally:
            for s in held:
                s.close()
        deadline = time.time() + 10
        self.assertTrue(eventually(srv.healthy, deadline), srv.log_tail())
        self.assertEqual(srv.proc.pid, pid)
        self.assertIn("backing off", srv.log_text())

    def test_bad_limits_are_refused_at_start(self):
        for bad in ({"max_connections": 0}, {"max_connections": "10"}, {"header_timeout": "0s"},
                    {"idle_timeout": "10"}, {"write_timeout": "2d"}, {"max_streams_per_principal": 0},
                    {"max_streams_per_principal": 1000}, {"header_timeout": ""}):
            with self.subTest(bad=bad):
                workdir = new_workdir("badlimit")
                srv = self.new_server(workdir=workdir, use_config=write_config(workdir, **bad), start=False)
                with self.assertRaises(RuntimeError) as e:
                    srv.start(timeout=10)
                self.assertIn("server.", str(e.exception))


if __name__ == "__main__":
    unittest.main()

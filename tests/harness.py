"""End-to-end test harness: a real `trail serve` on a free loopback port, HTTP over keep-alive
connections, and the command line. Python 3.11 standard library only.

    from harness import Server
    with Server() as s:                      # fresh data dir, tests/data/events.toml
        c = s.client()                       # admin key from DATA/admin.key
        r = c.post("/v1/events", {"tag": "project:create", "subject": "project:p1"})
        assert r.status == 201, r

Environment: TRAIL_BIN (the binary; default build/trail), TRAIL_SOURCE_DIR (the project root),
TRAIL_TEST_ARTIFACTS (where the data directories of failed tests are kept; default: the
system temp dir). Each Server owns its data directory and port, so tests can run in parallel.
"""
import http.client
import json
import os
import shutil
import signal as signals
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("TRAIL_SOURCE_DIR") or os.path.dirname(TESTS_DIR)
TRAIL = os.environ.get("TRAIL_BIN") or os.path.join(SOURCE_DIR, "build", "trail")
EVENTS = os.path.join(TESTS_DIR, "data", "events.toml")
WAREHOUSE_EVENTS = os.path.join(SOURCE_DIR, "examples", "warehouse", "events.toml")
ARTIFACTS = os.environ.get("TRAIL_TEST_ARTIFACTS") or tempfile.gettempdir()

# Errors a client sees when the server closes or refuses a connection.
CONNECTION_ERRORS = (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine,
                     http.client.IncompleteRead, socket.timeout, OSError)


def free_port():
    """A port nobody listens on right now (bind to port 0, read it, release it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_STARTED = time.time()


def new_workdir(prefix):
    """A fresh directory trail-e2e-PREFIX-XXXX in ARTIFACTS. Directories of the same prefix
    kept by an earlier run (a failed test) are removed first, so ARTIFACTS holds only the
    latest failure of each test."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    stem = f"trail-e2e-{prefix}-"
    for old in os.listdir(ARTIFACTS):
        path = os.path.join(ARTIFACTS, old)
        if old.startswith(stem) and len(old) == len(stem) + 8:
            try:
                if os.path.getmtime(path) < _STARTED - 1:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass
    return tempfile.mkdtemp(prefix=stem, dir=ARTIFACTS)


class Response:
    """One HTTP reply: status, headers (case-insensitive), body bytes, text and parsed JSON."""

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body
        self._json = self._parsed = None

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    @property
    def json(self):
        """The body parsed as JSON, or None when it is not JSON."""
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.body)
            except ValueError:
                self._json = None
        return self._json

    def header(self, name):
        return self.headers.get(name)

    @property
    def events(self):
        j = self.json
        return j.get("events", []) if isinstance(j, dict) else []

    @property
    def error(self):
        j = self.json
        return j.get("error", {}) if isinstance(j, dict) and isinstance(j.get("error"), dict) else {}

    def __repr__(self):
        return f"<HTTP {self.status} {self.text[:400]!r}>"


def encode_body(body):
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


class Client:
    """A keep-alive HTTP/1.1 connection to one server. Not thread-safe: one per thread.

    `token` is the default credential (None: no Authorization header). A connection the server
    closed is reopened for the next request; a request that fails on a reused connection
    before any reply (the server closed it while idle) is sent once more on a fresh one.
    """

    def __init__(self, host, port, token=None, tls_context=None, timeout=60):
        self.host, self.port, self.token = host, port, token
        self.tls_context, self.timeout = tls_context, timeout
        self.conn = None
        self.requests_on_conn = 0

    def _connect(self):
        if self.tls_context is not None:
            self.conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                                    context=self.tls_context)
        else:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.requests_on_conn = 0

    def close(self):
        if self.conn:
            self.conn.close()
        self.conn = None

    def request(self, method, path, body=None, token=..., headers=None, ctype=None):
        """Sends one request; returns a Response. Connection errors are raised."""
        data = encode_body(body)
        h = {}
        tok = self.token if token is ... else token
        if tok is not None:
            h["Authorization"] = f"Bearer {tok}"
        if data is not None:
            h["Content-Type"] = ctype or "application/json"
        h.update(headers or {})
        for attempt in (0, 1):
            if self.conn is None:
                self._connect()
            reused = self.requests_on_conn > 0
            try:
                self.conn.request(method, path, body=data, headers=h)
                self.requests_on_conn += 1
                r = self.conn.getresponse()
                payload = r.read()
                resp = Response(r.status, r.headers, payload)
                if r.will_close:
                    self.close()
                return resp
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 0 and reused:
                    continue
                raise
            except BaseException:
                self.close()
                raise
        raise AssertionError("unreachable")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def record(self, events, **kw):
        """POSTs one event (a dict) or a batch (a list, sent as {"events": [...]})."""
        body = {"events": events} if isinstance(events, list) else events
        return self.post("/v1/events", body, **kw)

    def record_ndjson(self, events, **kw):
        text = "".join(json.dumps(e) + "\n" for e in events)
        return self.post("/v1/events", text, ctype="application/x-ndjson", **kw)

    def query_all(self, params="", limit=1000, **kw):
        """Follows next_cursor to the end; returns every event. Raises on a bad reply."""
        out, cursor = [], None
        for _ in range(100000):
            q = f"/v1/events?limit={limit}" + (f"&{params}" if params else "")
            if cursor:
                q += "&cursor=" + urllib.parse.quote(cursor, safe="")
            r = self.get(q, **kw)
            if r.status != 200 or not isinstance(r.json, dict):
                raise AssertionError(f"GET {q} -> {r!r}")
            out += r.json["events"]
            cursor = r.json.get("next_cursor")
            if not cursor:
                return out
        raise AssertionError("paging never ended")

    def new_key(self, role, name="e2e"):
        r = self.post("/v1/admin/keys", {"role": role, "name": name})
        if r.status != 201:
            raise AssertionError(f"POST /v1/admin/keys -> {r!r}")
        return r.json


class Server:
    """A `trail serve` process with its own data directory and a free loopback port.

    `events` is the events.toml to serve (None: built-in types only); `args` are extra flags.
    `tls=(cert, key)` serves HTTPS. Output goes to WORKDIR/serve.log; the work directory
    (by default the data directory) is removed by cleanup() unless `keep`.
    """

    def __init__(self, *args, events=EVENTS, data=None, workdir=None, tls=None, name="server",
                 use_config=None):
        self.args = list(args)
        self.events = events
        self.tls = tls
        self.use_config = use_config
        self.workdir = workdir or data or new_workdir(name)  # holds serve.log
        self.data = data or self.workdir
        self.port = free_port()
        self.proc = None
        self._admin_key = None
        self.last_stop_seconds = None
        self.tls_context = None
        if tls and os.path.exists(tls[0]):
            try:
                self.tls_context = ssl.create_default_context(cafile=tls[0])
            except ssl.SSLError:
                self.tls_context = None

    # --- process control ---
    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def command(self):
        cmd = [TRAIL, "serve"]
        if self.use_config:
            cmd += ["--config", self.use_config]
        cmd += ["--data", self.data, "--listen", f"127.0.0.1:{self.port}"]
        if self.events:
            cmd += ["--events", self.events]
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        return cmd + self.args

    @property
    def log_path(self):
        return os.path.join(self.workdir, "serve.log")

    def start(self, timeout=20):
        for attempt in range(3):
            with open(self.log_path, "ab") as log:
                log.write(f"=== {' '.join(self.command())}\n".encode())
                log.flush()
                self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
            deadline = time.time() + timeout
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                if self.healthy():
                    self._admin_key = None
                    return self
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError(f"no /healthz answer in {timeout} s: {self.log_tail()}")
            if "in use" in self.log_tail(1) and attempt < 2:  # lost the port to someone else
                self.port = free_port()
                continue
            raise RuntimeError(f"trail serve exited {self.proc.returncode}: {self.log_tail()}")
        raise RuntimeError("could not start")

    def healthy(self):
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=1)
            try:
                if self.tls_context:
                    sock = self.tls_context.wrap_socket(sock, server_hostname="localhost")
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return sock.recv(64).startswith(b"HTTP/1.1 200")
            finally:
                sock.close()
        except (OSError, ssl.SSLError):
            return False

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signals.SIGTERM, timeout=30):
        """Sends `sig`, waits; returns the exit code (and sets last_stop_seconds)."""
        if not self.running():
            return self.proc.returncode if self.proc else None
        t0 = time.time()
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.last_stop_seconds = time.time() - t0
        return self.proc.returncode

    def kill(self):
        return self.stop(signals.SIGKILL)

    def restart(self):
        code = self.stop()
        self.start()
        return code

    def cleanup(self, keep=False):
        if self.running():
            self.stop()
        if not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, *_):
        self.cleanup(keep=exc_type is not None)
        if exc_type is not None:
            print(f"server data kept in {self.workdir}; log tail: {self.log_tail(10)}")

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def log_tail(self, n=8):
        return " | ".join(self.log_text().splitlines()[-n:])

    # --- clients ---
    @property
    def admin_key(self):
        if self._admin_key is None:
            with open(os.path.join(self.data, "admin.key")) as f:
                self._admin_key = f.read().strip()
        return self._admin_key

    def client(self, token=..., timeout=60):
        """A keep-alive client; by default with the admin key."""
        return Client("127.0.0.1", self.port, self.admin_key if token is ... else token,
                      tls_context=self.tls_context, timeout=timeout)

    def cli(self, *args, key=..., timeout=60, **kw):
        """Runs `trail ARGS --url URL --key KEY` (the admin key unless given)."""
        extra = ["--url", self.url, "--key", self.admin_key if key is ... else key]
        return run_cli(*args, *extra, timeout=timeout, **kw)


def run_cli(*args, timeout=60, **kw):
    """Runs the trail binary; returns a CompletedProcess with text stdout/stderr."""
    return subprocess.run([TRAIL, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, **kw)


def ev(tag, subject, actor=None, **metadata):
    """An event body; with an actor it also carries ip and user_agent."""
    e = {"tag": tag, "subject": subject, "metadata": metadata}
    if actor:
        e.update(actor=actor, ip="203.0.113.7", user_agent="e2e/1.0")
    return e


def run_threads(fn, n, *args):
    """Runs fn(i, *args) in n threads; re-raises the first exception."""
    errors = []

    def wrap(i):
        try:
            fn(i, *args)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    ts = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]


class ServerTestCase(unittest.TestCase):
    """A TestCase whose servers (made with self.new_server) are stopped after each test; their
    data directories are removed when the test passed and kept (with the path and the log
    tail printed) when it failed."""

    def new_server(self, *args, start=True, **kw):
        kw.setdefault("name", self.id().rsplit(".", 1)[-1][:40])
        s = Server(*args, **kw)
        self._servers.append(s)
        return s.start() if start else s

    def run(self, result=None):
        self._servers = []
        if result is None:
            return super().run(result)
        before = len(result.failures) + len(result.errors)
        try:
            return super().run(result)
        finally:
            failed = len(result.failures) + len(result.errors) > before
            for s in self._servers:
                if s.running():
                    s.kill()
                if failed:
                    print(f"\n[{self.id()}] data kept in {s.workdir}\n  log: {s.log_tail(12)}")
                s.cleanup(keep=failed)

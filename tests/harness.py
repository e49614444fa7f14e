# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

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

The store under test (SPEC §4: both stores behave identically; one suite runs on both):
TRAIL_TEST_STORE=postgres runs every Server with `--store postgresql://…` on a fresh database
of its own (restarts keep it, cleanup drops it); TRAIL_TEST_PG says where (see "The store
under test" below). Unset or `sqlite`: the embedded store in the data directory.

    TRAIL_TEST_STORE=postgres python3 -m unittest -v test_crash   # (from tests/) own cluster
"""
import atexit
import base64
import hashlib
import http.client
import itertools
import json
import os
import re
import shutil
import signal as signals
import socket
import ssl
import subprocess
import sys
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

# The sanitizer the binaries were built with ("address", "thread"; "" for a release build),
# set by tests/CMakeLists.txt. Under one, the few bounds a test checks on time and memory are
# scaled (slowed(), SANITIZER_RSS_MIB): those are the release build's to hold; a sanitizer run
# is there to find memory and thread errors, and must not fail on its own overhead.
SANITIZER = os.environ.get("TRAIL_SANITIZER", "")
TIME_FACTOR = {"address": 3, "thread": 5}.get(SANITIZER, 1)
# ASan keeps freed memory in quarantine (256 MiB by default) and TSan keeps shadow memory:
# what a sanitized process's RSS may grow by with nothing leaked.
SANITIZER_RSS_MIB = {"address": 320, "thread": 512}.get(SANITIZER, 0)


def slowed(seconds):
    """A time bound a test checks, scaled under a sanitizer (TIME_FACTOR)."""
    return seconds * TIME_FACTOR

# ---------------------------------------------------------------- the store under test
#
# TRAIL_TEST_STORE=postgres: every `trail serve` a test starts (Server, run_cli("serve", …),
# store_args() for the few that spawn it themselves) gets `--store postgresql://…/<db>`, one
# fresh database per data directory — the PostgreSQL counterpart of DATA/trail.db: the same
# data directory (a restart, a second Server on it) finds the same database; Server.cleanup()
# drops it, and whatever is left is dropped when the process exits.
#
# TRAIL_TEST_PG says where the databases are made:
#   DIR              a cluster folder made by `tests/pg_cluster.py start`
#   postgresql://…   a server on which the URL's user may CREATE DATABASE
#   @FILE            FILE holds one of the above (ctest's e2e.pg fixture writes the folder there)
#   unset            this process starts a throwaway cluster and removes it at exit
# Without PostgreSQL server binaries (or when the fixture skipped), importing this module
# prints the reason and exits 77, which ctest reports as skipped.
STORE = (os.environ.get("TRAIL_TEST_STORE") or "sqlite").lower()
ON_POSTGRES = STORE in ("postgres", "postgresql", "pg")
if STORE not in ("sqlite", "postgres", "postgresql", "pg"):
    raise SystemExit(f"TRAIL_TEST_STORE={STORE!r}: sqlite or postgres")
SKIP_CODE = 77


def _skip_all(reason):
    print(f"SKIPPED: {reason}", flush=True)
    sys.exit(SKIP_CODE)


class _Postgres:
    """Where this process makes its databases: an admin URL and the client binaries."""

    def __init__(self):
        if TESTS_DIR not in sys.path:
            sys.path.insert(0, TESTS_DIR)
        import pg_cluster
        self.pg_cluster = pg_cluster
        self.own = None
        self.lock = threading.Lock()
        self.counter = itertools.count(1)
        self.databases = {}  # realpath of a data directory -> (name, url)
        self.kept = set()
        spec = os.environ.get("TRAIL_TEST_PG", "").strip()
        if spec.startswith("@"):
            path = spec[1:]
            if not os.path.exists(path):
                if not pg_cluster.find_bindir():
                    _skip_all("TRAIL_TEST_STORE=postgres, but no PostgreSQL server binaries are "
                              "installed (Debian's `postgresql`; `make test` installs it)")
                raise SystemExit(f"TRAIL_TEST_PG={spec}: {path} is missing — the cluster is made by "
                                 f"the e2e.pg.cluster.start fixture (ctest -R e2e.pg runs it)")
            with open(path) as f:
                spec = f.read().strip()
        if not spec:
            if not pg_cluster.find_bindir():
                _skip_all("TRAIL_TEST_STORE=postgres, but no PostgreSQL server binaries are "
                          "installed (Debian's `postgresql`; `make test` installs it)")
            self.own = pg_cluster.Cluster().start()
            atexit.register(self.own.stop)
            spec = self.own.root
        self.local = not re.match(r"postgres(ql)?://", spec)  # a cluster on this machine
        if not self.local:
            self.admin_url = spec
            self.bindir = pg_cluster.find_bindir()
        else:
            cluster = pg_cluster.Cluster(spec)
            if cluster.port is None:
                raise SystemExit(f"TRAIL_TEST_PG={spec}: not a cluster folder of pg_cluster.py")
            self.admin_url, self.bindir = cluster.url, cluster.bindir
        psql = os.path.join(self.bindir or "", "psql")
        self.psql = psql if os.access(psql, os.X_OK) else shutil.which("psql")
        if not self.psql:
            raise SystemExit("TRAIL_TEST_STORE=postgres needs psql (Debian's postgresql-client)")
        atexit.register(self.drop_all)

    def sql(self, statement):
        r = subprocess.run([self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.admin_url,
                            "-c", statement], capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError(f"psql {statement!r}: {(r.stdout + r.stderr).strip()}")

    def url_of(self, name):
        parts = urllib.parse.urlsplit(self.admin_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def create(self, label):
        """A new empty database: (name, url)."""
        slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:32] or "t"
        name = f"trail_{slug}_{os.getpid()}_{next(self.counter)}"
        self.sql(f'CREATE DATABASE "{name}"')
        return name, self.url_of(name)

    def create_in_tablespace(self, label, location):
        """A new database whose tables (what trail creates) live in a tablespace at `location`,
        an empty folder on this machine — the PostgreSQL counterpart of a data directory on a
        small disk. Returns (url, drop): drop() removes the database and the tablespace."""
        if not self.local:
            raise unittest.SkipTest("TRAIL_TEST_PG is a URL: no tablespace on this machine")
        if os.geteuid() == 0:  # the cluster runs as postgres (pg_cluster.py)
            import pwd
            pw = pwd.getpwnam("postgres")
            os.chown(location, pw.pw_uid, pw.pw_gid)
        name, url = self.create(label)
        space = f"{name}_space"
        self.sql(f"CREATE TABLESPACE \"{space}\" LOCATION '{location}'")
        self.sql(f'ALTER DATABASE "{name}" SET default_tablespace = "{space}"')

        def drop():
            self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.sql(f'DROP TABLESPACE IF EXISTS "{space}"')
        return url, drop

    def database_for(self, data, label="server"):
        """The URL of the database of data directory `data`, created on first use."""
        key = os.path.realpath(data)
        with self.lock:
            if key not in self.databases:
                self.databases[key] = self.create(label)
            return self.databases[key][1]

    def drop(self, data, keep=False):
        """Drops the database of `data` (kept, for a look at a failure, when `keep`)."""
        with self.lock:
            entry = self.databases.pop(os.path.realpath(data), None)
        if not entry:
            return
        if keep:
            self.kept.add(entry[0])
            return entry[1]
        try:
            self.sql(f'DROP DATABASE IF EXISTS "{entry[0]}" WITH (FORCE)')
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            print(f"harness: could not drop {entry[0]}: {e}", file=sys.stderr)

    def drop_all(self):
        for data in list(self.databases):
            self.drop(data)


PG = _Postgres() if ON_POSTGRES else None


def store_url(data, label="server"):
    """The --store value for a server on data directory `data`: None for the default
    (DATA/trail.db), the URL of that directory's database on PostgreSQL."""
    return PG.database_for(data, label) if PG else None


def store_args(data, label="server"):
    """`["--store", URL]` on PostgreSQL, [] on SQLite: for tests that spawn `trail serve`."""
    url = store_url(data, label)
    return ["--store", url] if url else []


def drop_store(data, keep=False):
    """Drops the PostgreSQL database of data directory `data` (no-op on SQLite); with `keep`
    leaves it (until the cluster goes) and returns its URL."""
    return PG.drop(data, keep) if PG else None


def sqlite_only(reason):
    """Skips a test (or class) on PostgreSQL: `reason` says what it needs of the SQLite file."""
    return unittest.skipIf(ON_POSTGRES, f"SQLite file: {reason}")


def resolve_seqs(client, acks, token=..., timeout=15):
    """Fills in the seq of acknowledgements (the `events` of a 200/201 to POST /v1/events) in
    place and returns them. SQLite acknowledges with the seq (a null is an error there);
    PostgreSQL may say "seq": null — SPEC §3: the multi-node log has not sequenced it yet —
    and then the seq is read back with GET /v1/events/{id}, waiting until it is assigned."""
    deadline = time.time() + timeout
    for a in acks:
        if "seq" not in a or a["seq"] is not None:
            continue
        if not ON_POSTGRES:
            raise AssertionError(f"an acknowledgement without seq on SQLite: {a}")
        while True:
            r = client.get(f"/v1/events/{a['id']}", token=token)
            if r.status == 200 and isinstance(r.json, dict) and r.json.get("seq") is not None:
                a["seq"] = r.json["seq"]
                break
            if time.time() > deadline:
                raise AssertionError(f"event {a['id']} has no seq after {timeout} s: {r!r}")
            time.sleep(0.01)
    return acks


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
    # The store is part of the name: the same test runs on both stores at once under ctest -j,
    # and one process must never take the other's directory for an earlier run's.
    stem = f"trail-e2e-{'pg-' if ON_POSTGRES else ''}{prefix}-"
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
    `tls=(cert, key)` serves HTTPS. `binary` is the trail program (default TRAIL: another
    build, e.g. the benchmarks' format-1 one). Output goes to `log` (default WORKDIR/serve.log);
    the work directory (by default the data directory) is removed by cleanup() unless `keep` —
    and only by cleanup(): a Server used without `with` or ServerTestCase leaves it for its
    owner. The store is the one under test (TRAIL_TEST_STORE, above) unless `args` hold
    `--store`; on PostgreSQL the data directory's database is made at the first start and
    dropped by cleanup(). The benchmarks (bench/*.py) start their servers with this class too.
    """

    def __init__(self, *args, events=EVENTS, data=None, workdir=None, tls=None, name="server",
                 use_config=None, binary=None, log=None):
        self.args = list(args)
        self.binary = binary or TRAIL
        self.name = name
        self.kept_database = None
        self.events = events
        self.tls = tls
        self.use_config = use_config
        self.workdir = workdir or data or new_workdir(name)  # holds serve.log
        self.data = data or self.workdir
        self._log_path = log
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
        cmd = [self.binary, "serve"]
        if self.use_config:
            cmd += ["--config", self.use_config]
        cmd += ["--data", self.data, "--listen", f"127.0.0.1:{self.port}"]
        if "--store" not in self.args:
            cmd += store_args(self.data, self.name)
        if self.events:
            cmd += ["--events", self.events]
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        return cmd + self.args

    @property
    def log_path(self):
        return self._log_path or os.path.join(self.workdir, "serve.log")

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

    @property
    def store_url(self):
        """The PostgreSQL database of this server (None on SQLite)."""
        return store_url(self.data, self.name) if "--store" not in self.args else None

    def cleanup(self, keep=False):
        if self.running():
            self.stop()
        self.kept_database = drop_store(self.data, keep)
        if not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, *_):
        self.cleanup(keep=exc_type is not None)
        if exc_type is not None:
            print(f"server data kept in {self.workdir}{self.store_note()}; log tail: {self.log_tail(10)}")

    def store_note(self):
        return f" and database {self.kept_database}" if self.kept_database else ""

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
    """Runs the trail binary; returns a CompletedProcess with text stdout/stderr. `serve`
    gets the store under test (its --data's database on PostgreSQL) unless given --store."""
    args = list(args)
    if PG and args[:1] == ["serve"] and "--store" not in args and "--help" not in args:
        data = args[args.index("--data") + 1] if "--data" in args[:-1] else os.path.join(
            kw.get("cwd") or os.getcwd(), "data")
        args += store_args(data, "cli")
    return subprocess.run([TRAIL, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, **kw)


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def viewer_token(secret, claims, header=None):
    """An HS256 viewer token (SPEC §6) as a host application mints it; `header` to forge."""
    import hmac
    head = b64url(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


def jcs(value):
    """RFC 8785 for values without floats beyond short decimals (what the tests send)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def leaf_hash_v2(e):
    """SPEC §5 leaf format 2 of an event as a read returns it (raw bytes): personal → body →
    leaf; from personal_hash where the read has no salt, from body_hash where pruned."""
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    if e.get("pruned"):
        body_hash = base64.b64decode(e["body_hash"])
    else:
        if e.get("salt") is not None:
            personal = {k: e[k] for k in ("ip", "user_agent", "location") if e.get(k) is not None}
            personal["salt"] = e["salt"]
            personal_hash = hashlib.sha256(jcs(personal)).digest()
        else:
            personal_hash = base64.b64decode(e["personal_hash"])
        body = {k: e[k] for k in ("subject", "actor", "occurred_at", "metadata") if e.get(k) is not None}
        body["personal_hash"] = b64(personal_hash)
        body_hash = hashlib.sha256(jcs(body)).digest()
    leaf = {"v": 2, "id": e["id"], "recorded_at": e["recorded_at"], "tag": e["tag"], "body_hash": b64(body_hash)}
    return hashlib.sha256(b"\x00" + jcs(leaf)).digest()


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
                s.cleanup(keep=failed)
                if failed:
                    print(f"\n[{self.id()}] data kept in {s.workdir}{s.store_note()}\n"
                          f"  log: {s.log_tail(12)}")


def main(argv):
    """For tests in other languages (tests/browser/run.sh), the store under test:

        python3 tests/harness.py create-store LABEL   prints the URL of a fresh database
                                                      (nothing on SQLite; exit 77: skipped)
        python3 tests/harness.py drop-store URL       drops that database
    """
    if len(argv) == 3 and argv[1] == "create-store":
        if PG:
            print(PG.create(argv[2])[1])
        return 0
    if len(argv) == 3 and argv[1] == "drop-store":
        if PG:
            name = urllib.parse.urlsplit(argv[2]).path.lstrip("/")
            PG.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return 0
    print(main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

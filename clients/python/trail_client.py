# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""trail_client: record audit events into trail without blocking and without losing them.

    import trail_client
    audit = trail_client.Client("http://127.0.0.1:8420", key, spool_dir="/var/spool/myapp-trail")
    audit.record("account:login:success", "user:alice", actor="alice", ip=request_ip,
                 metadata={"auth_method": "password"})
    ...
    audit.close()            # also done at interpreter exit (atexit)

Python 3.11 standard library only. The delivery contract (docs/DELIVERY.md):

- record() returns at once. It stamps occurred_at and a fresh idempotency_key (a UUIDv7:
  unique like a uuid4, but time-ordered, which the server's key index takes ~3x faster), turns
  the event into one NDJSON line and appends it to an in-memory queue. Bad arguments (metadata
  that is not JSON, an event over 64 KiB) raise ValueError/TypeError there and then.
- One background thread sends the queue in batches (batch_size events, or whatever is queued
  once the oldest event has waited flush_interval seconds) over one keep-alive connection.
- Connection errors, 429 (its Retry-After honoured), 503 and other 5xx are retried with
  exponential backoff and jitter. When a batch keeps failing for spool_after seconds (or at
  once while a flush() or close() waits) the unsent events go to the spool: an append-only,
  fsync'd file of length-prefixed, crc32-checked records in spool_dir. While the spool holds
  anything, new events are appended behind it and the spool is replayed oldest first, so
  events reach the server in the order record() was called. A replay resent after a crash
  carries the same idempotency keys, so the server stores every event exactly once.
- A batch refused with 400/413 naming an event (index): that event alone is dropped (counted
  in stats()["failed"] and logged) and the rest is resent. A refusal not naming an event is
  narrowed down by halving the batch. 401/403 and other 4xx are kept and retried (a key can be
  fixed; an event must not be lost because of it).
- Full: the queue holds at most max_queue events and the spool at most max_spool_bytes. Only
  when both are full (the server unreachable for long) does record() wait, at most
  full_timeout seconds, for room; then it raises SpoolFull (when_full="raise", the default)
  or drops the event, counting it in stats()["dropped"] and logging (when_full="drop").
  Nothing is ever dropped silently.
- flush(timeout) returns True once every event recorded before the call is acknowledged by
  the server, or - when an attempt made during the flush failed - is safely in the spool;
  False when the timeout passes first. It never raises for an unreachable server.
- close() flushes, spools whatever is still in memory and releases the spool.

- A process killed outright (SIGKILL, OOM) loses only what was still in memory; call
  flush() where an event must survive that: it returns once the event is acknowledged or
  spooled. What is spooled survives any crash (a torn last record is detected and skipped).

record() returns the event's idempotency key (None when dropped under when_full="drop").

Threads: record(), flush(), stats() and close() may be called from any thread. Processes:
make the Client after forking (in each worker), not before. One process at a time owns a
spool: the client takes the first free slot directory (slot-0, slot-1, ...) of spool_dir
under an flock, so several worker processes may share one spool_dir; a slot left by a
process that died is replayed by the next client that takes it.
"""
import atexit
import collections
import email.utils
import fcntl
import http.client
import json
import logging
import os
import random
import ssl
import struct
import threading
import time
import urllib.parse
import weakref
import zlib

__all__ = ["Client", "Spool", "SpoolFull", "ClientClosed", "Backoff"]

log = logging.getLogger("trail_client")

MAX_EVENT_BYTES = 65536     # the server's per-event limit (SPEC §3)
MAX_BATCH_EVENTS = 10000    # the server's per-request limit


class SpoolFull(Exception):
    """record() found the queue and the spool full for longer than full_timeout."""


class ClientClosed(Exception):
    """record() after close()."""


# ---------------------------------------------------------------------------------------------
# Spool

_MAGIC = 0x314C5254                 # "TRL1" little-endian
_HEADER = struct.Struct("<III")     # magic, payload length, crc32(payload)
_MAX_RECORD = 1 << 20
_SEGMENT = "seg-%012d.log"


def _private(path, flags):
    """open()'s opener for spool files: they hold events (with IP addresses), so they are
    created 0600 from the start, whatever the umask."""
    return os.open(path, flags, 0o600)


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def encode_record(payload):
    """One spool record: magic, length, crc32 and the payload bytes."""
    return _HEADER.pack(_MAGIC, len(payload), zlib.crc32(payload)) + payload


def _parse_at(buf, pos):
    """The payload of a valid record at buf[pos:] and the position after it, or None."""
    if pos + _HEADER.size > len(buf):
        return None
    magic, length, crc = _HEADER.unpack_from(buf, pos)
    end = pos + _HEADER.size + length
    if magic != _MAGIC or length > _MAX_RECORD or end > len(buf):
        return None
    payload = bytes(buf[pos + _HEADER.size:end])
    if zlib.crc32(payload) != crc:
        return None
    return payload, end


def scan_records(buf):
    """Splits one segment's bytes into records: (records, end of the last good record,
    corrupt records skipped, torn tail bytes). A bad record followed by a good one is
    corruption and is skipped; bad bytes with no good record after them are a torn tail
    (a crash during an append)."""
    records, pos, corrupt = [], 0, 0
    while pos < len(buf):
        got = _parse_at(buf, pos)
        if got is not None:
            records.append((pos, got[0]))
            pos = got[1]
            continue
        nxt = buf.find(_HEADER.pack(_MAGIC, 0, 0)[:4], pos + 1)
        while nxt != -1 and _parse_at(buf, nxt) is None:
            nxt = buf.find(_HEADER.pack(_MAGIC, 0, 0)[:4], nxt + 1)
        if nxt == -1:
            return records, pos, corrupt, len(buf) - pos
        corrupt += 1
        pos = nxt
    return records, pos, corrupt, 0


class Spool:
    """An append-only, bounded, crash-safe FIFO of byte records in one directory.

    Files: seg-NNNNNNNNNNNN.log segments of records (see encode_record), appended and fsync'd,
    a new segment every segment_bytes; CURSOR names the first record not yet delivered
    ("<segment> <offset> <crc32>", replaced atomically). Segments wholly before the cursor are
    deleted. The bound max_bytes counts the segment files on disk. Not thread-safe: the caller
    serialises calls. One process at a time: the caller holds an flock (see Client).
    """

    def __init__(self, directory, max_bytes=256 << 20, segment_bytes=None):
        self.dir = directory
        self.max_bytes = max_bytes
        self.segment_bytes = segment_bytes or max(64 << 10, min(8 << 20, max_bytes // 8))
        self.torn = 0        # torn tails cut off at open (records lost in a crash mid-append)
        self.corrupt = 0     # checksum failures skipped
        self._tail = None    # append file object
        os.makedirs(directory, mode=0o700, exist_ok=True)
        self._load()

    # -- state --
    def _segments(self):
        out = []
        for name in os.listdir(self.dir):
            if name.startswith("seg-") and name.endswith(".log"):
                try:
                    out.append(int(name[4:-4]))
                except ValueError:
                    pass
        return sorted(out)

    def _path(self, seg):
        return os.path.join(self.dir, _SEGMENT % seg)

    def _read_cursor(self):
        try:
            with open(os.path.join(self.dir, "CURSOR"), "rb") as f:
                seg, off, crc = f.read().split()
            if zlib.crc32(seg + b" " + off) == int(crc):
                return int(seg), int(off)
        except (OSError, ValueError):
            pass
        return None

    def _write_cursor(self, seg, off):
        text = f"{seg} {off}".encode()
        tmp = os.path.join(self.dir, "CURSOR.tmp")
        with open(tmp, "wb", opener=_private) as f:
            f.write(text + b" " + str(zlib.crc32(text)).encode() + b"\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, os.path.join(self.dir, "CURSOR"))
        _fsync_dir(self.dir)

    def _load(self):
        segs = self._segments()
        cur = self._read_cursor() or ((segs[0] if segs else 1), 0)
        for s in segs:
            if s < cur[0]:
                os.remove(self._path(s))
        segs = [s for s in segs if s >= cur[0]]
        if not segs or segs[0] != cur[0]:
            cur = ((segs[0] if segs else cur[0]), 0)
        self.cursor = cur
        self.pending = 0
        self.pending_bytes = 0
        self.disk_bytes = 0
        for i, s in enumerate(segs):
            with open(self._path(s), "rb") as f:
                buf = f.read()
            recs, good_end, corrupt, torn = scan_records(buf)
            self.corrupt += corrupt
            if torn and i == len(segs) - 1:  # a crash mid-append: cut the torn record off
                self.torn += 1
                log.warning("spool %s: torn record of %d bytes at the end of %s cut off",
                            self.dir, torn, _SEGMENT % s)
                with open(self._path(s), "r+b") as f:
                    f.truncate(good_end)
                    os.fsync(f.fileno())
                buf = buf[:good_end]
            elif torn:
                self.corrupt += 1
            start = cur[1] if s == cur[0] else 0
            for off, payload in recs:
                if off >= start:
                    self.pending += 1
                    self.pending_bytes += len(payload)
            self.disk_bytes += len(buf)
        self.tail_seg = segs[-1] if segs else cur[0]
        if self.pending == 0 and segs:
            self._reset(segs)

    def _reset(self, segs):
        """Everything delivered: point the cursor past the last segment, then remove them."""
        if self._tail:
            self._tail.close()
            self._tail = None
        nxt = max([self.tail_seg] + segs) + 1
        self._write_cursor(nxt, 0)
        for s in segs:
            try:
                os.remove(self._path(s))
            except FileNotFoundError:
                pass
        self.cursor = (nxt, 0)
        self.tail_seg = nxt
        self.disk_bytes = 0

    # -- writing --
    def append(self, payloads):
        """Appends records in order, as many as fit under max_bytes; fsync'd before it
        returns. Returns how many were appended (a prefix of payloads). A write error (the
        disk full) is logged and ends the append: what is on disk is counted, nothing else."""
        blob, n, nbytes, total = bytearray(), 0, 0, 0

        def flush_blob():
            nonlocal blob, n, nbytes, total
            if blob:
                self._write(blob)
                self.pending += n
                self.pending_bytes += nbytes
                total += n
            blob, n, nbytes = bytearray(), 0, 0
        try:
            for p in payloads:
                rec_len = _HEADER.size + len(p)
                if self.disk_bytes + len(blob) + rec_len > self.max_bytes:
                    break
                if self._tail is None:
                    self._tail = open(self._path(self.tail_seg), "ab", opener=_private)
                    if self._tail.tell() == 0:
                        _fsync_dir(self.dir)
                size = self._tail.tell() + len(blob)
                if size > 0 and size + rec_len > self.segment_bytes:
                    flush_blob()
                    self._tail.close()
                    self.tail_seg += 1
                    self._tail = open(self._path(self.tail_seg), "ab", opener=_private)
                    _fsync_dir(self.dir)
                blob += encode_record(p)
                n += 1
                nbytes += len(p)
            flush_blob()
        except OSError as e:
            log.error("trail: cannot write the spool %s: %s", self.dir, e)
        return total

    def _write(self, blob):
        start = self._tail.tell()
        try:
            self._tail.write(blob)
            self._tail.flush()
            os.fsync(self._tail.fileno())
        except OSError:
            try:  # leave no partial record behind
                self._tail.seek(start)
                self._tail.truncate(start)
            except (OSError, ValueError):
                pass  # Spool() finds and cuts a torn tail
            self._tail.close()
            self._tail = None
            raise
        self.disk_bytes += len(blob)

    # -- reading --
    def peek(self, max_records, max_bytes=4 << 20):
        """The oldest undelivered records: (payloads, position after them). Reads only."""
        out, size = [], 0
        seg, off = self.cursor
        while len(out) < max_records and seg <= self.tail_seg:
            try:
                f = open(self._path(seg), "rb")
            except FileNotFoundError:
                seg, off = seg + 1, 0
                continue
            with f:
                f.seek(off)
                want = max(0, max_bytes - size) + _HEADER.size + MAX_EVENT_BYTES + 64
                buf = f.read(want)
                at_eof = len(buf) < want
                pos = 0
                while len(out) < max_records:
                    got = _parse_at(buf, pos)
                    if got is None:
                        break
                    payload, end = got
                    if out and size + len(payload) > max_bytes:
                        return out, (seg, off + pos)
                    out.append(payload)
                    size += len(payload)
                    pos = end
                if len(out) >= max_records or (pos < len(buf) and self._cut(buf, pos, at_eof)):
                    return out, (seg, off + pos)
                if pos < len(buf):  # a bad record: skip to the next good one, if any
                    f.seek(off + pos)
                    recs = scan_records(f.read())[0]
                    if recs:
                        off += pos + recs[0][0]
                        continue
                elif not at_eof:
                    off += pos
                    continue
                if seg == self.tail_seg:
                    f.seek(0, os.SEEK_END)
                    return out, (seg, f.tell())
                seg, off = seg + 1, 0
        return out, (seg, off)

    @staticmethod
    def _cut(buf, pos, at_eof):
        """Whether the record at buf[pos:] is whole in the file but cut by the read window."""
        if at_eof or pos + _HEADER.size > len(buf):
            return not at_eof
        magic, length, _ = _HEADER.unpack_from(buf, pos)
        return magic == _MAGIC and length <= _MAX_RECORD and pos + _HEADER.size + length > len(buf)

    def commit(self, position, count, nbytes):
        """Marks the records before `position` (count records, nbytes payload) delivered.
        Raises OSError when the cursor cannot be written (nothing changes then)."""
        segs = self._segments()
        if count >= self.pending:
            self._reset(segs)
            self.pending = self.pending_bytes = 0
            return
        self._write_cursor(*position)
        self.pending -= count
        self.pending_bytes = max(0, self.pending_bytes - nbytes)
        self.cursor = position
        for s in segs:
            if s < position[0]:
                try:
                    self.disk_bytes -= os.path.getsize(self._path(s))
                    os.remove(self._path(s))
                except FileNotFoundError:
                    pass

    def close(self):
        if self._tail:
            self._tail.close()
            self._tail = None


def open_slot(spool_dir, max_bytes):
    """Takes the first slot directory of spool_dir that no live process holds:
    (Spool, lock file). The flock goes with the process, so a crashed owner frees its slot."""
    os.makedirs(spool_dir, mode=0o700, exist_ok=True)
    for i in range(1024):
        d = os.path.join(spool_dir, f"slot-{i}")
        os.makedirs(d, mode=0o700, exist_ok=True)
        lock = open(os.path.join(d, "LOCK"), "a+b", opener=_private)
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        try:
            return Spool(d, max_bytes), lock
        except BaseException:
            lock.close()
            raise
    raise OSError(f"no free spool slot in {spool_dir}")


# ---------------------------------------------------------------------------------------------
# Backoff

class Backoff:
    """Exponential backoff with jitter: the n-th delay (n from 0) is drawn from [d/2, d] with
    d = min(maximum, initial * 2**n), so retries spread out but never stall."""

    def __init__(self, initial=0.05, maximum=5.0, rng=None):
        self.initial, self.maximum = initial, maximum
        self.rng = rng or random.Random()

    def delay(self, attempt):
        d = min(self.maximum, self.initial * (2 ** min(attempt, 60)))
        return d / 2 + self.rng.random() * d / 2


def parse_retry_after(value):
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        t = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, t.timestamp() - time.time())


# ---------------------------------------------------------------------------------------------
# Client

_live = weakref.WeakSet()
_time_cache = [(0, "")]  # (second, its "YYYY-MM-DDTHH:MM:SS"), replaced whole: thread-safe


def new_idempotency_key():
    """A UUIDv7 (RFC 9562) in 32 hex digits: 48 bits of Unix milliseconds, 74 random bits
    (os.urandom: safe across fork). Time-ordered keys land at the end of the server's
    idempotency index; random UUIDv4 keys made the server ingest about a third as fast."""
    b = bytearray((time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10))
    b[6] = 0x70 | (b[6] & 0x0F)
    b[8] = 0x80 | (b[8] & 0x3F)
    return b.hex()


def _now_rfc3339():
    t = time.time_ns() // 1000
    sec, us = divmod(t, 1_000_000)
    cached = _time_cache[0]
    if cached[0] != sec:
        cached = (sec, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)))
        _time_cache[0] = cached
    return f"{cached[1]}.{us:06d}Z"


def _format_time(t):
    if t is None:
        return _now_rfc3339()
    if isinstance(t, str):
        return t
    if hasattr(t, "astimezone"):  # datetime; a naive one is taken as UTC
        import datetime as _dt
        if t.tzinfo is None:
            t = t.replace(tzinfo=_dt.timezone.utc)
        return t.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    raise TypeError("occurred_at: a datetime or an RFC 3339 string")


class _Outcome:
    OK, RETRY, REFUSED = range(3)


class Client:
    """A trail client: see the module documentation for the contract.

    url, key: the server (http(s)://host[:port][/base]) and a writer API key.
    spool_dir: where unsent events are kept (default ~/.trail-spool); one slot per process.
    batch_size (1000), flush_interval (0.2 s): a batch goes when this many events are queued
    or the oldest has waited this long. max_queue (100,000 events) and max_spool_bytes
    (256 MiB): the bounds; full_timeout (0.1 s) and when_full ("raise" | "drop"): what
    record() does when both are reached. timeout (10 s): one request. spool_after (2 s): how
    long a failing batch is retried in memory before it is spooled. backoff_initial (0.05 s),
    backoff_max (5 s): the retry backoff. ssl_context: for https. exit_timeout (5 s): how
    long close() and the atexit hook try to deliver before they spool.
    """

    def __init__(self, url, key, spool_dir=None, batch_size=1000, flush_interval=0.2,
                 max_spool_bytes=256 << 20, max_queue=100_000, full_timeout=0.1,
                 when_full="raise", timeout=10.0, spool_after=2.0, backoff_initial=0.05,
                 backoff_max=5.0, ssl_context=None, exit_timeout=5.0):
        if when_full not in ("raise", "drop"):
            raise ValueError("when_full: 'raise' or 'drop'")
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"url must be http(s)://host[:port][/base]: {url!r}")
        self.url = url
        self._host, self._port, self._tls = u.hostname, u.port, u.scheme == "https"
        self._path = u.path.rstrip("/") + "/v1/events"
        self._headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson",
                         "User-Agent": "trail-client-python/0.1"}
        self._ssl = ssl_context
        self.batch_size = max(1, min(int(batch_size), MAX_BATCH_EVENTS))
        self.flush_interval = flush_interval
        self.max_queue = max(int(max_queue), self.batch_size)
        self.full_timeout, self.when_full = full_timeout, when_full
        self.timeout, self.spool_after, self.exit_timeout = timeout, spool_after, exit_timeout
        self.max_batch_bytes = 4 << 20
        self.backoff = Backoff(backoff_initial, backoff_max)
        if spool_dir is None:
            spool_dir = os.path.join(os.path.expanduser("~"), ".trail-spool")
        self._spool, self._lockfile = open_slot(spool_dir, max_spool_bytes)
        self.spool_dir = self._spool.dir

        self._cond = threading.Condition(threading.Lock())
        self._spool_lock = threading.Lock()     # spool I/O; taken before _cond, never after
        self._queue = collections.deque()       # (n, line) not yet sent nor spooled
        self._inflight = []                      # the direct batch being sent
        self._spool_nums = collections.deque([0] * self._spool.pending)  # n of spool records
        self._foreign = self._spool.pending  # records an earlier process left in the spool
        self._n = 0                  # events recorded by this client
        self._settled = 0            # every event <= this is acked, refused or spooled
        self._delivered = 0          # every event <= this is acked or refused
        self._flush_gen = 0          # flush() requests
        self._handled_gen = 0        # the newest flush request an attempt started after
        self._failed_gen = 0         # the newest flush request an attempt failed after
        self._flushers = 0           # flush() calls waiting
        self._closing = self._abandoned = self._closed = False
        self._spool_full = False     # the last move to the spool did not fit
        self._spool_batch = None     # (items, position, count, bytes) being replayed
        self._queue_seen = (None, 0.0)
        self._retry_at = 0.0
        self._attempt = 0
        self._failing_since = None
        self._conn = None
        self._counts = collections.Counter()
        self._thread = threading.Thread(target=self._run, name="trail-client-sender", daemon=True)
        self._thread.start()
        _live.add(self)

    # ---- the application's side ----
    def record(self, tag, subject, actor=None, ip=None, user_agent=None, metadata=None,
               occurred_at=None, idempotency_key=None):
        """Queues one event and returns its idempotency key at once (see the module doc for
        when it may wait). Raises ValueError/TypeError for an event that can never be sent,
        SpoolFull when everything is full (when_full="raise"), ClientClosed after close()."""
        ev = {"tag": tag, "subject": subject}
        if actor is not None:
            ev["actor"] = actor
        if ip is not None:
            ev["ip"] = ip
        if user_agent is not None:
            ev["user_agent"] = user_agent
        if metadata is not None:
            ev["metadata"] = metadata
        ev["occurred_at"] = _format_time(occurred_at)
        ev["idempotency_key"] = key = idempotency_key or new_idempotency_key()
        line = json.dumps(ev, separators=(",", ":"), ensure_ascii=False).encode()
        if len(line) > MAX_EVENT_BYTES:
            raise ValueError(f"event is {len(line)} bytes; trail takes at most {MAX_EVENT_BYTES}")
        with self._cond:
            if self._closed or self._closing:
                raise ClientClosed("record() after close()")
            if len(self._queue) >= self.max_queue and not self._wait_for_room():
                return None
            self._n += 1
            self._queue.append((self._n, line))
            self._counts["recorded"] += 1
            if len(self._queue) == 1 or len(self._queue) == self.batch_size:
                self._cond.notify_all()
        return key

    def _wait_for_room(self):
        deadline = time.monotonic() + self.full_timeout
        self._cond.notify_all()
        while len(self._queue) >= self.max_queue:
            left = deadline - time.monotonic()
            if left <= 0 or self._closing:
                self._counts["dropped"] += 1
                if self.when_full == "raise":
                    raise SpoolFull(f"{len(self._queue)} events queued and the spool "
                                    f"({self._spool.max_bytes} bytes) is full")
                if self._counts["dropped"] & (self._counts["dropped"] - 1) == 0:  # 1, 2, 4, ...
                    log.error("trail: queue and spool full; %d events dropped so far",
                              self._counts["dropped"])
                return False
            self._cond.wait(left)
        return True

    def flush(self, timeout=None):
        """Waits until every event recorded so far (and whatever an earlier process left in
        the spool) is acknowledged, or - if the server could not take it during this call -
        spooled. True when done, False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            target = self._n
            self._flush_gen += 1
            gen = self._flush_gen
            self._flushers += 1
            self._cond.notify_all()
            try:
                while not ((self._delivered >= target and not self._foreign) or
                           (self._failed_gen >= gen and self._settled >= target)):
                    if not self._thread.is_alive():
                        return self._settled >= target
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    self._cond.wait(min(left, 1.0) if left is not None else 1.0)
                return True
            finally:
                self._flushers -= 1

    def close(self, timeout=None):
        """Flushes (at most `timeout` seconds, default exit_timeout), stops the sender,
        spools whatever is still in memory and releases the spool. Idempotent."""
        with self._cond:
            if self._closing:
                return
        timeout = self.exit_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        self.flush(timeout)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(max(0.1, deadline - time.monotonic()))
        with self._cond:
            # A sender stuck in a request is left behind; its batch is spooled here too (a
            # copy the server may also have taken is harmless: same idempotency keys).
            self._abandoned = True
        with self._spool_lock:
            with self._cond:
                left = list(self._inflight) + list(self._queue)
                self._inflight, self._queue = [], collections.deque()
            n = self._spool.append([line for _, line in left]) if left else 0
            with self._cond:
                self._counts["spooled"] += n
                if n < len(left):
                    self._counts["dropped"] += len(left) - n
                    log.error("trail: spool full at close; %d events lost", len(left) - n)
            self._spool.close()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._close_conn()
        self._lockfile.close()
        _live.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def stats(self):
        """Counters: queued (in memory), spooled (in the spool now), sent (acknowledged),
        failed (refused by the server), dropped (refused by record() when full), retries,
        recorded, spooled_total, replayed (sent from the spool), spool_bytes, torn and
        corrupt (spool records found damaged and skipped)."""
        with self._cond:
            c = self._counts
            return {"queued": len(self._queue) + len(self._inflight),
                    "spooled": self._spool.pending, "sent": c["sent"], "failed": c["failed"],
                    "dropped": c["dropped"], "retries": c["retries"],
                    "recorded": c["recorded"], "spooled_total": c["spooled"],
                    "replayed": c["replayed"], "spool_bytes": self._spool.disk_bytes,
                    "torn": self._spool.torn, "corrupt": self._spool.corrupt}

    # ---- the sender thread ----
    #
    # One thread, strictly first in, first out. Direct mode (the spool is empty): take a batch
    # from the queue, send it, retry it; when it keeps failing, put it back in front of the
    # queue and move the queue to the spool. Spool mode: move the queue behind the spool, send
    # the spool's oldest records, advance the spool's cursor once they are acknowledged.

    def _run(self):
        try:
            while True:
                try:
                    if not self._step():
                        return
                except Exception:  # a bug or an I/O error: log it, keep the events, go on
                    log.exception("trail: sender step failed; events are kept, retrying")
                    with self._cond:
                        self._queue.extendleft(reversed(self._inflight))  # resent: same keys
                        self._inflight = []
                        self._spool_batch = None
                        self._cond.wait(1.0)
        finally:
            with self._cond:
                self._cond.notify_all()

    def _flush_pending(self):
        """A flush() waits that no attempt has been made for yet."""
        return self._flush_gen > self._handled_gen

    def _queue_due(self, now):
        """Whether the queue should be sent (or spooled) now, else when."""
        if self._flushers or self._closing or len(self._queue) >= self.batch_size:
            return True, now
        head = self._queue[0][0]
        if self._queue_seen[0] != head:  # the sender times a batch from when it first sees it
            self._queue_seen = (head, now)
        wake = self._queue_seen[1] + self.flush_interval
        return now >= wake, wake

    def _step(self):
        """One unit of work; False when the thread should end."""
        with self._cond:
            while True:
                if self._abandoned:
                    return False
                now = time.monotonic()
                if self._spool.pending:
                    wake = self._retry_at
                    if self._queue and not self._spool_full:
                        due, when = self._queue_due(now)
                        if due:
                            break
                        wake = min(wake, when)
                    if self._closing:
                        return False  # what is spooled waits for the next client
                    if now >= self._retry_at or self._flush_pending():
                        break
                    self._cond.wait(max(0.0, wake - now))
                    continue
                if not self._queue:
                    if self._closing:
                        return False
                    self._cond.wait()
                    continue
                due, when = self._queue_due(now)
                if due and (now >= self._retry_at or self._flush_pending()):
                    break
                self._cond.wait(max(when, self._retry_at) - now)
            spool_mode = self._spool.pending > 0
        if spool_mode:
            self._spool_step()
        else:
            self._direct_step()
        return True

    def _direct_step(self):
        with self._cond:
            batch, size = [], 0
            while self._queue and len(batch) < self.batch_size:
                line = self._queue[0][1]
                if batch and size + len(line) + 1 > self.max_batch_bytes:
                    break
                batch.append(self._queue.popleft())
                size += len(line) + 1
            self._inflight = batch
            self._cond.notify_all()  # room for a record() that waits
        while True:
            with self._cond:
                gen = self._handled_gen = self._flush_gen
            ok, reason, retry_after, owed = self._deliver(batch, self._settle_direct)
            with self._cond:
                if self._abandoned:
                    return
                self._inflight = batch = owed
                if ok:
                    self._healthy()
                    return
                self._failed(gen, reason, retry_after)
                while True:
                    give_up = (self._flushers or self._closing or
                               time.monotonic() - self._failing_since >= self.spool_after or
                               len(self._queue) >= self.max_queue // 2)
                    left = self._retry_at - time.monotonic()
                    if give_up or left <= 0 or self._abandoned:
                        break
                    self._cond.wait(left)
                if self._abandoned:
                    return
                if not give_up:
                    continue
                # To the spool: the batch goes back in front of the queue, the queue (in
                # record order) into the spool.
                self._queue.extendleft(reversed(batch))
                self._inflight = []
            self._move_to_spool()
            return

    def _settle_direct(self, items, sent):
        """Called under _cond for each part of a direct batch acknowledged or refused."""
        last = max(n for n, _ in items)
        self._delivered = max(self._delivered, last)
        self._settled = max(self._settled, last)
        self._counts["sent"] += sent

    def _healthy(self):
        if self._failing_since is not None:
            log.warning("trail: server reachable again")
        self._failing_since = None
        self._attempt = 0
        self._retry_at = 0.0
        self._cond.notify_all()

    def _failed(self, gen, reason, retry_after):
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
            log.warning("trail: delivery failed (%s); retrying", reason)
        self._failed_gen = max(self._failed_gen, gen)
        delay = self.backoff.delay(self._attempt)
        self._attempt += 1
        if retry_after is not None:
            delay = max(delay, min(retry_after, 60.0))
        self._retry_at = now + delay
        self._counts["retries"] += 1
        self._cond.notify_all()

    def _move_to_spool(self):
        """Appends the queue (oldest first) behind the spool, as much as fits."""
        with self._spool_lock:
            with self._cond:
                if self._abandoned:
                    return
                items = list(self._queue)
            if not items:
                return
            n = self._spool.append([line for _, line in items])
            with self._cond:
                for _ in range(n):
                    self._queue.popleft()
                self._spool_nums.extend(num for num, _ in items[:n])
                if n:
                    self._settled = max(self._settled, items[n - 1][0])
                self._counts["spooled"] += n
                self._spool_full = n < len(items)
                if self._spool_full:
                    log.error("trail: spool full (%d bytes); %d events wait in memory",
                              self._spool.max_bytes, len(self._queue))
                self._cond.notify_all()

    def _spool_step(self):
        with self._cond:
            move = bool(self._queue) and not self._spool_full
        if move:
            self._move_to_spool()
        with self._cond:
            if self._closing or self._abandoned or not (
                    time.monotonic() >= self._retry_at or self._flush_pending()):
                return
            gen = self._handled_gen = self._flush_gen
            batch = self._spool_batch
        if batch is None:
            with self._spool_lock:  # taken before _cond, never inside it
                if self._abandoned:
                    return
                payloads, pos = self._spool.peek(self.batch_size, self.max_batch_bytes)
            batch = (list(enumerate(payloads)), pos, len(payloads), sum(len(p) for p in payloads))
            with self._cond:
                self._spool_batch = batch
        items, pos, total, nbytes = batch
        if not total:  # nothing readable is left: move the cursor to the end
            with self._spool_lock, self._cond:
                self._spool_batch = None
                self._spool.commit(pos, self._spool.pending, self._spool.pending_bytes)
            return
        ok, reason, retry_after, owed = self._deliver(items, self._settle_spool_part)
        with self._cond:
            if self._abandoned:
                return
            if not ok:
                self._spool_batch = (owed, pos, total, nbytes)
                self._failed(gen, reason, retry_after)
                return
            self._spool_batch = None
        with self._spool_lock:
            self._spool.commit(pos, total, nbytes)
        with self._cond:
            self._spool_full = False
            last = 0
            for _ in range(min(total, len(self._spool_nums))):
                num = self._spool_nums.popleft()
                last = max(last, num)
                self._foreign -= num == 0
            self._delivered = max(self._delivered, last)
            if not self._spool.pending:
                self._spool_nums.clear()
                self._foreign = 0
                self._delivered = self._settled  # caught up: nothing of ours is owed
            self._healthy()

    def _settle_spool_part(self, items, sent):
        self._counts["sent"] += sent
        self._counts["replayed"] += sent

    def _deliver(self, items, settle):
        """Sends items ((key, line) pairs) until each is acknowledged or refused. Returns
        (True, None, None, []) or, at the first transient failure, (False, reason,
        retry_after, the items still owed, in order)."""
        work = [list(items)]
        while work:
            part = work.pop()
            outcome, info, retry_after = self._post([line for _, line in part])
            if outcome == _Outcome.RETRY:
                return False, info, retry_after, part + [x for w in reversed(work) for x in w]
            with self._cond:
                if self._abandoned:
                    return True, None, None, []
                if outcome == _Outcome.OK:
                    settle(part, len(part))
                    continue
                index, message = info
                if index is not None and 0 <= index < len(part):
                    bad = part[index]
                    self._refused(bad[1], message)
                    settle([bad], 0)
                    rest = part[:index] + part[index + 1:]
                    if rest:
                        work.append(rest)
                elif len(part) == 1:
                    self._refused(part[0][1], message)
                    settle(part, 0)
                else:  # a refusal naming no event: halve until it does
                    mid = len(part) // 2
                    work.append(part[mid:])
                    work.append(part[:mid])
        return True, None, None, []

    def _refused(self, line, message):
        self._counts["failed"] += 1
        log.error("trail: event refused by the server and dropped: %s; event: %s",
                  message, line[:300].decode(errors="replace"))

    def _connect(self):
        if self._tls:
            return http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout,
                                               context=self._ssl or ssl.create_default_context())
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)

    def _close_conn(self):
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
            self._conn = None

    def _post(self, lines):
        """One POST of NDJSON lines: (outcome, info, retry_after)."""
        body = b"\n".join(lines) + b"\n"
        for attempt in (0, 1):
            reused = self._conn is not None
            try:
                if self._conn is None:
                    self._conn = self._connect()
                self._conn.request("POST", self._path, body, self._headers)
                r = self._conn.getresponse()
                data = r.read()
                if r.will_close:
                    self._close_conn()
                break
            except (OSError, http.client.HTTPException) as e:
                self._close_conn()
                if reused and attempt == 0 and isinstance(
                        e, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)):
                    continue  # a keep-alive connection the server had closed
                return _Outcome.RETRY, f"{type(e).__name__}: {e}", None
        status = r.status
        if status in (200, 201):
            return _Outcome.OK, None, None
        message, index = f"HTTP {status}", None
        try:
            err = json.loads(data)["error"]
            message = f"HTTP {status} {err.get('code')}: {err.get('message')}"
            index = err.get("index") if isinstance(err.get("index"), int) else None
        except (ValueError, KeyError, TypeError):
            message += " " + data[:200].decode(errors="replace")
        if status in (400, 413):
            return _Outcome.REFUSED, (index, message), None
        if status in (401, 403):
            log.error("trail: %s - check the API key; events are kept", message)
        return _Outcome.RETRY, message, parse_retry_after(r.getheader("Retry-After"))


@atexit.register
def _close_all():
    for c in list(_live):
        try:
            c.close()
        except Exception:  # at exit: report, never raise
            log.exception("trail: close at exit failed")

#!/usr/bin/env python3
# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Runs scenario files: behaviour tests written as requests and expected replies.

    python3 tests/run_scenarios.py tests/scenarios/record.scenario [-v]

The format is described in tests/README.md; in short, each scenario starts a fresh
`trail serve` (its own data directory and port, tests/data/events.toml copied to DIR/events.toml),
creates a writer and an auditor key (so the log starts with three trail:key:created events,
seq 0..2), then runs the lines in order:

    # comment
    start --queue 10                    flags for trail serve (first line only)
    as admin | writer | auditor | none  the credential of the following requests
    as token TEXT                       a literal credential
    header NAME: VALUE                  a header for the next request only
    GET|POST|DELETE|PUT|HEAD PATH       a request; `eventually GET …` retries it up to 10 s
      header NAME: VALUE                  until its expectations hold
      repeat N                            the body lines that follow, N times (NDJSON floods)
      BODY LINES…                         up to the next blank or keyword line
    expect 201                          the status (every request needs one)
    expect error CODE                   error.code of the reply
    expect json PATH OP VALUE           OP: == != < <= > >= contains !contains matches !matches
    expect json PATH exists|missing     length [OP] N. PATH: a.b[0].c, [-1], [*] maps over a list
    expect header NAME OP VALUE         header values are strings
    expect body OP TEXT                 contains, !contains, matches /re/flags, ==
    expect csv PATH OP VALUE            the body as CSV rows keyed by the header row
    expect ndjson PATH OP VALUE         the body as a list of JSON lines
    expect metric NAME{LABELS} OP N     a Prometheus sample of the body (missing: absent)
    expect stored [FILTERS] OP N        how many events GET /v1/events?FILTERS finds (admin)
    expect log contains TEXT            the server's log (waits up to 5 s)
    capture NAME = [json] PATH          remember a value: $NAME, ${NAME}, ${NAME+1}
    capture NAME = header NAME | stored [FILTERS]
    restart                             SIGTERM (exit 0 within 10 s), start on the same data
    crash                               SIGKILL, start on the same data
    signal HUP                          send a signal to the server
    file NAME … end                     write DIR/NAME (e.g. a new events.toml)
    sleep SECONDS

`${…}` also expands `repeat N TEXT`, `byte HH` (a raw byte), `uuid`, `date +1d` (YYYY-MM-DD),
`time -1h` (RFC 3339), `dir` (the scenario's directory); `$$` is a literal `$`.
Every reply with a status >= 400 must be `{"error":{"code","message"}}`; a 5xx nobody expected,
or a server that dies, fails the scenario. Exit 0 when every expectation held.
"""
import csv
import io
import json
import os
import re
import shutil
import signal as signals
import sys
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"}
KEYWORDS = METHODS | {"start", "as", "header", "expect", "capture", "restart", "crash", "signal",
                      "file", "sleep", "eventually", "repeat"}
OPS = ("==", "!=", "<=", ">=", "<", ">", "contains", "!contains", "matches", "!matches",
       "exists", "missing", "length")
MISSING = object()


class ScenarioError(Exception):
    """A syntax error in a scenario file."""


# ---------------------------------------------------------------- parsing

class Step:
    def __init__(self, kind, line, **kw):
        self.kind, self.line = kind, line
        self.__dict__.update(kw)


def first_word(s):
    return s.split(None, 1)[0] if s.split() else ""


def parse(text, name="<scenario>"):
    lines = text.split("\n")
    steps, pending_headers, i = [], [], 0
    last_request = None

    def err(msg, n):
        raise ScenarioError(f"{name}:{n}: {msg}")

    while i < len(lines):
        n = i + 1
        s = lines[i].strip()
        i += 1
        if not s or s.startswith("#"):
            continue
        word = first_word(s)
        rest = s[len(word):].strip()
        if steps and steps[-1].kind != "request":
            last_request = None  # expectations follow their request directly
        if word == "start":
            if steps:
                err("`start` must come first", n)
            steps.append(Step("start", n, flags=rest.split()))
        elif word == "as":
            if not rest:
                err("as admin|writer|auditor|none|token TEXT", n)
            steps.append(Step("as", n, who=rest))
        elif word == "header":
            name_, sep, value = rest.partition(":")
            if not sep:
                err("header NAME: VALUE", n)
            pending_headers.append((name_.strip(), value.strip()))
        elif word in METHODS or word == "eventually":
            eventually = word == "eventually"
            if eventually:
                s = rest
                word = first_word(s)
                rest = s[len(word):].strip()
                if word not in METHODS:
                    err("eventually METHOD PATH", n)
            if not rest.startswith("/"):
                err(f"{word} PATH (spaces in the query are sent as %20)", n)
            headers, repeat, body = list(pending_headers), None, []
            pending_headers = []
            while i < len(lines):
                t = lines[i].strip()
                w = first_word(t)
                if w == "header":
                    hn, sep, hv = t[len(w):].strip().partition(":")
                    if not sep:
                        err("header NAME: VALUE", i + 1)
                    headers.append((hn.strip(), hv.strip()))
                    i += 1
                elif w == "repeat" and not body:
                    try:
                        repeat = int(t.split()[1])
                    except (IndexError, ValueError):
                        err("repeat N", i + 1)
                    i += 1
                else:
                    break
            while i < len(lines):
                t = lines[i]
                if not t.strip() or t.strip().startswith("#") or first_word(t.strip()) in KEYWORDS:
                    break
                body.append(t.strip())
                i += 1
            last_request = Step("request", n, method=word, path=rest, headers=headers,
                                body=body, repeat=repeat, eventually=eventually, expects=[])
            steps.append(last_request)
        elif word == "expect":
            e = parse_expect(rest, n, err)
            if e.what in ("stored", "log"):
                steps.append(Step("expect", n, expect=e))
            else:
                if last_request is None:
                    err("`expect` must follow its request (or be `expect stored`/`log`)", n)
                last_request.expects.append(e)
        elif word == "capture":
            m = re.match(r"^([A-Za-z_]\w*)\s*=\s*(.+)$", rest)
            if not m:
                err("capture NAME = [json] PATH | header NAME | stored [FILTERS]", n)
            var, src = m.group(1), m.group(2).strip()
            sw = first_word(src)
            if sw == "stored":
                steps.append(Step("capture_stored", n, var=var, filters=src[6:].strip()))
                continue
            if last_request is None:
                err("`capture` must follow its request", n)
            if sw == "header":
                last_request.expects.append(Capture("header", var, src[6:].strip(), n))
            else:
                last_request.expects.append(
                    Capture("json", var, src[4:].strip() if sw == "json" else src, n))
        elif word in ("restart", "crash"):
            steps.append(Step(word, n))
        elif word == "signal":
            sig = rest.upper().removeprefix("SIG")
            if not hasattr(signals, "SIG" + sig):
                err("signal HUP|TERM|…", n)
            steps.append(Step("signal", n, sig=getattr(signals, "SIG" + sig)))
        elif word == "sleep":
            try:
                steps.append(Step("sleep", n, seconds=float(rest)))
            except ValueError:
                err("sleep SECONDS", n)
        elif word == "file":
            if not rest or "/" in rest:
                err("file NAME (a plain file name)", n)
            content = []
            while i < len(lines) and lines[i].strip() != "end":
                content.append(lines[i])
                i += 1
            if i == len(lines):
                err("`file` without `end`", n)
            i += 1
            steps.append(Step("file", n, name=rest, content="\n".join(content) + "\n"))
        else:
            err(f"unknown line {s!r}", n)
    if pending_headers:
        err("`header` without a request after it", len(lines))
    for st in steps:
        if st.kind == "request" and not any(e.what == "status" for e in st.expects):
            err(f"{st.method} {st.path}: every request needs `expect STATUS`", st.line)
    return steps


class Capture:
    what = "capture"

    def __init__(self, source, var, path, line):
        self.source, self.var, self.path, self.line = source, var, path, line


class Expect:
    def __init__(self, what, line, text, **kw):
        self.what, self.line, self.text = what, line, text
        self.__dict__.update(kw)


def split_op(rest):
    """'PATH OP VALUE' or 'OP VALUE' -> (path, op, value)."""
    toks = rest.split(None, 1)
    if not toks:
        return None
    path = ""
    if toks[0] not in OPS:
        path = toks[0]
        rest = toks[1] if len(toks) > 1 else ""
    toks = rest.split(None, 1)
    if not toks or toks[0] not in OPS:
        return None
    return path, toks[0], (toks[1].strip() if len(toks) > 1 else "")


def parse_expect(rest, n, err):
    text = "expect " + rest
    word = first_word(rest)
    body = rest[len(word):].strip()
    if re.fullmatch(r"\d{3}", word) and not body:
        return Expect("status", n, text, status=int(word))
    if word == "status" and re.fullmatch(r"\d{3}", body):
        return Expect("status", n, text, status=int(body))
    if word == "error" and body and " " not in body:
        return Expect("json", n, text, path="error.code", op="==", value=json.dumps(body))
    if word == "log":
        op, _, value = body.partition(" ")
        if op not in ("contains", "!contains") or not value:
            err("expect log contains TEXT", n)
        return Expect("log", n, text, op=op, value=value.strip())
    if word in ("json", "csv", "ndjson", "header", "body", "metric", "stored"):
        if word in ("header", "metric"):
            toks = body.split(None, 1)
            if len(toks) < 2:
                err(f"expect {word} NAME OP VALUE", n)
            parts = split_op(toks[1])
            if parts is None or parts[0]:
                err(f"expect {word} NAME OP VALUE (OP: {', '.join(OPS)})", n)
            return Expect(word, n, text, name=toks[0], path="", op=parts[1], value=parts[2])
        if word == "body":
            parts = split_op(body)
            if parts is None or parts[0]:
                err("expect body OP TEXT", n)
            return Expect(word, n, text, path="", op=parts[1], value=parts[2])
        parts = split_op(body)
        if parts is None:
            err(f"expect {word} [PATH] OP VALUE (OP: {', '.join(OPS)})", n)
        path, op, value = parts
        if op not in ("exists", "missing") and value == "":
            err(f"`{op}` needs a value", n)
        if word == "stored" and op not in ("==", "!=", "<", "<=", ">", ">="):
            err("expect stored [FILTERS] OP N", n)
        return Expect(word, n, text, path=path, op=op, value=value)
    err(f"unknown expectation {text!r}", n)


# ---------------------------------------------------------------- values and paths

PATH_TOKEN = re.compile(r'\.?([A-Za-z_][\w\-]*)|\[(-?\d+|\*|"[^"]*")\]')


def eval_path(doc, path):
    """a.b[0].c, [-1], ["key.with.dots"], [*] (maps the rest over a list)."""
    if path in ("", "."):
        return doc
    pos, cur, mapped = 0, doc, False
    toks = []
    while pos < len(path):
        m = PATH_TOKEN.match(path, pos)
        if not m or m.end() == pos:
            raise ScenarioError(f"bad path {path!r} at {path[pos:]!r}")
        toks.append(m.group(1) if m.group(1) is not None else m.group(2))
        pos = m.end()

    def step(v, t):
        if v is MISSING:
            return MISSING
        if t.startswith('"'):
            t = t[1:-1]
        elif re.fullmatch(r"-?\d+", t):
            if isinstance(v, list):
                k = int(t)
                return v[k] if -len(v) <= k < len(v) else MISSING
            return MISSING
        if isinstance(v, dict):
            return v.get(t, MISSING)
        return MISSING

    for t in toks:
        if t == "*":
            if mapped:
                raise ScenarioError("only one [*] per path")
            if not isinstance(cur, list):
                return MISSING
            mapped = True
            continue
        cur = [step(x, t) for x in cur] if mapped else step(cur, t)
    return cur


def parse_value(text):
    try:
        return json.loads(text)
    except ValueError:
        return text  # a bare word reads as a string


def show(v):
    if v is MISSING:
        return "(missing)"
    s = json.dumps(v, ensure_ascii=False) if not isinstance(v, bytes) else repr(v)
    return s if len(s) <= 300 else s[:300] + "…"


def compile_regex(text):
    m = re.fullmatch(r"/(.*)/([imsx]*)", text, re.S)
    if not m:
        raise ScenarioError(f"a regex is written /…/flags, not {text!r}")
    flags = 0
    for f in m.group(2):
        flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[f]
    return re.compile(m.group(1), flags)


def same(a, b):
    """JSON equality: true is not 1, 1 is 1.0, lists and objects compared deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def compare(actual, op, value_text, as_string=False):
    """True when `actual OP value` holds; `as_string`: the value is compared as text."""
    if op == "exists":
        return actual is not MISSING
    if op == "missing":
        return actual is MISSING
    if op in ("matches", "!matches"):
        s = actual if isinstance(actual, str) else show(actual)
        found = actual is not MISSING and compile_regex(value_text).search(s) is not None
        return found if op == "matches" else not found
    if op == "length":
        parts = value_text.split()
        lop, lval = ("==", parts[0]) if len(parts) == 1 else (parts[0], parts[1])
        if actual is MISSING or not hasattr(actual, "__len__"):
            return False
        return compare(len(actual), lop, lval)
    # as_string "text" (headers, bodies): the value is raw text unless written as a JSON
    # string; "cells" (CSV): a JSON value whose numbers read as text; else a JSON value.
    if as_string == "text":
        expected = value_text
        if len(value_text) >= 2 and value_text[0] == '"' and value_text[-1] == '"':
            try:
                expected = json.loads(value_text)
            except ValueError:
                pass
    else:
        expected = parse_value(value_text)
    if op in ("contains", "!contains"):
        if actual is MISSING:
            return op == "!contains"
        if isinstance(actual, str):
            found = isinstance(expected, str) and expected in actual
        elif isinstance(actual, list):
            found = any(same(x, expected) for x in actual)
        elif isinstance(actual, dict):
            found = expected in actual
        else:
            found = False
        return found if op == "contains" else not found
    if actual is MISSING:
        return op == "!="
    if as_string and isinstance(expected, (int, float, bool)):
        expected = json.dumps(expected)
    if op == "==":
        return same(actual, expected)
    if op == "!=":
        return not same(actual, expected)
    try:
        return {"<": actual < expected, "<=": actual <= expected,
                ">": actual > expected, ">=": actual >= expected}[op]
    except TypeError:
        return False


# ---------------------------------------------------------------- running

def today_plus(spec):
    m = re.fullmatch(r"([+-]\d+)([smhd])", spec.strip() or "+0d")
    if not m:
        raise ScenarioError(f"a time offset is like +1d, -2h, not {spec!r}")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
    return datetime.now(timezone.utc) + timedelta(**{unit: int(m.group(1))})


class Runner:
    def __init__(self, path, verbose=False):
        self.path, self.name = path, os.path.basename(path)
        self.verbose = verbose
        self.vars = {}
        self.failures, self.checks = [], 0
        self.server = None
        self.client = None
        self.tokens = {}
        self.who = "admin"
        self.flags = []
        self.workdir = harness.new_workdir(os.path.splitext(self.name)[0])

    # --- reporting
    def fail(self, line, what, detail=""):
        msg = f"{self.name}:{line}: FAIL {what}" + (f"\n    got: {detail}" if detail else "")
        self.failures.append(msg)
        print(msg, flush=True)

    def check(self, ok, line, what, detail=""):
        self.checks += 1
        if not ok:
            self.fail(line, what, detail)
        return ok

    # --- variables
    def sub(self, text, line):
        def repl(m):
            if m.group(0) == "$$":
                return "$"
            expr = m.group(1) if m.group(1) is not None else m.group(2)
            return self.expand(expr.strip(), line)
        return re.sub(r"\$\$|\$\{([^}]*)\}|\$([A-Za-z_]\w*)", repl, text)

    def expand(self, expr, line):
        fn, _, arg = expr.partition(" ")
        if fn == "repeat":
            count, _, unit = arg.partition(" ")
            return unit * int(count)
        if fn == "byte":
            b = int(arg, 16)  # a raw byte; above 0x7f kept through surrogateescape
            return chr(b) if b < 0x80 else chr(0xDC00 + b)
        if fn == "uuid":
            return str(uuid.uuid4())
        if fn == "date":
            return today_plus(arg or "+0d").strftime("%Y-%m-%d")
        if fn == "time":
            return today_plus(arg or "+0s").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if fn == "dir":
            return self.workdir
        m = re.fullmatch(r"([A-Za-z_]\w*)\s*(?:([+-])\s*(\d+))?", expr)
        if not m or m.group(1) not in self.vars:
            raise ScenarioError(f"{self.name}:{line}: undefined variable or function ${{{expr}}}")
        v = self.vars[m.group(1)]
        if m.group(2):
            v = v + int(m.group(3)) * (1 if m.group(2) == "+" else -1)
        return v if isinstance(v, str) else json.dumps(v)

    # --- server
    def start_server(self, flags):
        events = os.path.join(self.workdir, "events.toml")
        if not os.path.exists(events):
            shutil.copy(harness.EVENTS, events)
        flags = [self.sub(f, 0) for f in flags]
        self.server = harness.Server(*flags, events=None if "--events" in flags else events,
                                     data=self.workdir)
        self.server.start()
        self.client = self.server.client(token=None)
        self.tokens = {"admin": self.server.admin_key, "none": None}
        for role in ("writer", "auditor"):
            r = self.client.post("/v1/admin/keys", {"role": role, "name": f"scenario-{role}"},
                                 token=self.server.admin_key)
            if r.status != 201:
                raise RuntimeError(f"cannot create the {role} key: {r!r}")
            self.tokens[role] = r.json["key"]

    def ensure_server(self):
        if self.server is None:
            self.start_server(self.flags)

    def token(self):
        if self.who.startswith("token "):
            return self.sub(self.who[6:].strip(), 0)
        return self.tokens[self.who]

    def stored(self, filters, line):
        filters = self.encode_query(self.sub(filters, line))
        c = self.server.client()
        try:
            return len(c.query_all(filters))
        finally:
            c.close()

    @staticmethod
    def encode_query(q):
        return urllib.parse.quote(q, safe="/?&=%:*-._~!$'(),;@+")

    # --- steps
    def run(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                steps = parse(f.read(), self.name)
        except ScenarioError as e:
            self.fail(0, str(e))
            return False
        try:
            for st in steps:
                if st.kind != "file" and st.kind != "start":
                    self.ensure_server()
                getattr(self, "step_" + st.kind)(st)
                if self.server and not self.server.running():
                    self.fail(st.line, "the server died", self.server.log_tail(10))
                    break
        except ScenarioError as e:
            self.fail(0, str(e))
        except Exception as e:  # noqa: BLE001 - a crash of the runner is a failure with context
            self.fail(getattr(e, "line", 0), f"runner stopped: {e!r}")
        finally:
            if self.client:
                self.client.close()
            code = self.server.stop() if self.server and self.server.running() else None
            if code not in (None, 0):
                self.fail(0, f"trail serve exited {code} on SIGTERM", self.server.log_tail())
        ok = not self.failures
        if ok:
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            print(f"    server log tail: {self.server.log_tail(15) if self.server else ''}")
            print(f"    kept {self.workdir}")
        print(f"{self.name}: {self.checks} checks, {len(self.failures)} failed", flush=True)
        return ok

    def step_start(self, st):
        self.flags = st.flags
        self.start_server(st.flags)

    def step_as(self, st):
        w = st.who
        if w not in ("admin", "writer", "auditor", "none") and not w.startswith("token "):
            raise ScenarioError(f"{self.name}:{st.line}: as admin|writer|auditor|none|token TEXT")
        self.who = w

    def step_file(self, st):
        with open(os.path.join(self.workdir, st.name), "w", encoding="utf-8") as f:
            f.write(self.sub(st.content, st.line))

    def step_sleep(self, st):
        time.sleep(st.seconds)

    def step_signal(self, st):
        self.server.send_signal(st.sig)

    def step_restart(self, st):
        self.client.close()
        code = self.server.stop()
        took = self.server.last_stop_seconds or 0
        self.check(code == 0 and took <= 10, st.line, "SIGTERM: exit 0 within 10 s",
                   f"exit {code} after {took:.1f} s; {self.server.log_tail()}")
        self.server.start()

    def step_crash(self, st):
        self.client.close()
        self.server.kill()
        self.server.start()

    def step_capture_stored(self, st):
        self.vars[st.var] = self.stored(st.filters, st.line)

    def step_expect(self, st):
        e = st.expect
        if e.what == "stored":
            n = self.stored(e.path if e.path else "", st.line)
            want = self.sub(e.value, st.line)
            self.check(compare(n, e.op, want), st.line, e.text, f"{n} events")
        elif e.what == "log":
            want = self.sub(e.value, st.line)
            deadline = time.time() + 5
            while True:
                found = want in self.server.log_text()
                if (found if e.op == "contains" else not found) or time.time() > deadline:
                    break
                time.sleep(0.05)
            self.check(found if e.op == "contains" else not found, st.line, e.text,
                       self.server.log_tail(5))

    def send(self, st):
        path = self.encode_query(self.sub(st.path, st.line))
        headers = {k: self.sub(v, st.line) for k, v in st.headers}
        body = None
        if st.body:
            unit = "\n".join(self.sub(b, st.line) for b in st.body)
            text = (unit + "\n") * st.repeat if st.repeat else unit
            body = text.encode("utf-8", "surrogateescape")
        elif st.method in ("POST", "PUT", "PATCH"):
            body = b""
        ctype = None
        if body is not None and not any(k.lower() == "content-type" for k in headers):
            ctype = "application/json"
        if ctype:
            headers["Content-Type"] = ctype
        if self.verbose:
            shown = body[:200] if body else b""
            print(f"  > {st.method} {path} {shown!r}")
        r = self.client.request(st.method, path, body=body, token=self.token(), headers=headers)
        if self.verbose:
            print(f"  < {r.status} {r.text[:300]}")
        return r

    def evaluate(self, st, r, report):
        """Checks the expectations of request step `st` on reply `r`; returns all held."""
        all_ok = True

        def check(ok, line, what, detail):
            nonlocal all_ok
            all_ok = all_ok and ok
            if report:
                self.check(ok, line, what, detail)

        explicit = {e.status for e in st.expects if e.what == "status"}
        if r.status >= 500 and r.status not in explicit:
            check(False, st.line, f"{st.method} {st.path}: unexpected server error", repr(r))
        if r.status >= 400 and st.method != "HEAD":
            err = r.error
            check(isinstance(err.get("code"), str) and isinstance(err.get("message"), str),
                  st.line, f"{st.method} {st.path}: an error reply is {{\"error\":{{\"code\",\"message\"}}}}",
                  repr(r))
        for e in st.expects:
            if e.what == "capture":
                if e.source == "header":
                    v = r.header(e.path)
                else:
                    v = eval_path(r.json, e.path) if r.json is not None else MISSING
                if v is MISSING or v is None:
                    check(False, e.line, f"capture {e.var} = {e.path}: nothing there", repr(r))
                    v = f"<missing {e.var}>"
                self.vars[e.var] = v
                continue
            where = f"{e.text}   [{st.method} {st.path}]"
            if e.what == "status":
                check(r.status == e.status, e.line, where, repr(r))
                continue
            value = self.sub(e.value, e.line)
            if e.what == "json":
                doc = r.json if r.json is not None else MISSING
                actual = eval_path(doc, e.path) if doc is not MISSING else MISSING
                check(compare(actual, e.op, value), e.line, where, show(actual))
            elif e.what == "header":
                actual = r.header(e.name)
                actual = MISSING if actual is None else actual
                check(compare(actual, e.op, value, as_string="text"), e.line, where, show(actual))
            elif e.what == "body":
                check(compare(r.text, e.op, value, as_string="text"), e.line, where, show(r.text))
            elif e.what == "csv":
                rows = list(csv.DictReader(io.StringIO(r.text, newline="")))
                actual = eval_path(rows, e.path)
                check(compare(actual, e.op, value, as_string="cells"), e.line,
                      where, show(actual))
            elif e.what == "ndjson":
                try:
                    rows = [json.loads(x) for x in r.text.splitlines() if x.strip()]
                except ValueError:
                    rows = MISSING
                actual = eval_path(rows, e.path) if rows is not MISSING else MISSING
                check(compare(actual, e.op, value), e.line, where, show(actual))
            elif e.what == "metric":
                actual = metric_value(r.text, self.sub(e.name, e.line))
                check(compare(actual, e.op, value), e.line, where, show(actual))
        return all_ok

    def resolve_seqs(self, st, r):
        """On PostgreSQL an acknowledgement may say "seq": null (SPEC §3: not sequenced yet by
        the multi-node log): expectations about it then hold the seq the event gets, read back
        with GET /v1/events/{id} (harness.resolve_seqs). SQLite acknowledges with the seq."""
        acks = r.json.get("events") if isinstance(r.json, dict) else None
        if not (harness.ON_POSTGRES and st.method == "POST" and r.status in (200, 201)
                and self.sub(st.path, st.line).startswith("/v1/events") and isinstance(acks, list)
                and all(isinstance(a, dict) and "id" in a for a in acks)):
            return
        c = self.server.client()
        try:
            harness.resolve_seqs(c, acks)
        finally:
            c.close()

    def step_request(self, st):
        deadline = time.time() + 10
        while True:
            try:
                r = self.send(st)
                self.resolve_seqs(st, r)
            except harness.CONNECTION_ERRORS as exc:
                if st.eventually and time.time() < deadline:
                    time.sleep(0.1)
                    continue
                self.fail(st.line, f"{st.method} {st.path}: no reply", repr(exc))
                return
            if not st.eventually or self.evaluate(st, r, report=False) or time.time() > deadline:
                break
            time.sleep(0.1)
        self.evaluate(st, r, report=True)


def metric_value(text, sample):
    """The value of Prometheus sample `name{a="b",…}` in `text` (labels in any order)."""
    m = re.fullmatch(r"([a-zA-Z_:][\w:]*)(\{.*\})?", sample)
    if not m:
        raise ScenarioError(f"a metric is name or name{{label=\"value\"}}, not {sample!r}")
    want = (m.group(1), parse_labels(m.group(2) or ""))
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        lm = re.fullmatch(r"([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)(\s+\d+)?", line)
        if lm and (lm.group(1), parse_labels(lm.group(2) or "")) == want:
            try:
                v = float(lm.group(3))
                return int(v) if v.is_integer() else v
            except ValueError:
                return lm.group(3)
    return MISSING


def parse_labels(text):
    return tuple(sorted(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', text)))


def main(argv):
    verbose = "-v" in argv
    files = [a for a in argv if a != "-v"]
    if not files:
        print(__doc__)
        return 2
    ok = True
    for f in files:
        t0 = time.time()
        ok = Runner(f, verbose).run() and ok
        print(f"    ({time.time() - t0:.1f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

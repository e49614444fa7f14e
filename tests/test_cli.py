# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""The command line (SPEC §8): --help everywhere; record, query and keys against a live
server; `types check` on good and broken files; `serve --config trail.toml`; and the bounded
ingest queue of `serve --queue` (SPEC §7a: 429 with Retry-After, never a 5xx).
"""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (CONNECTION_ERRORS, EVENTS, ON_POSTGRES, TRAIL, WAREHOUSE_EVENTS,  # noqa: E402
                     Client, ServerTestCase, drop_store, ev, free_port, new_workdir,
                     resolve_seqs, run_cli, store_args, store_url)

# Every command of SPEC §8 this suite knows, with options its help must name.
HELP = {
    (): ["serve", "record", "query", "keys", "types", "bench"],
    ("serve",): ["--config", "--store", "--data", "--events", "--listen", "--tls-cert",
                 "--tls-key", "--queue"],
    ("record",): ["--tag", "--subject", "--actor", "--ip", "--meta", "--url", "--key"],
    ("query",): ["--subject", "--actor", "--tag", "--ip", "--since", "--until", "--q",
                 "--order", "--limit", "--cursor", "--format", "--url", "--key"],
    ("keys",): ["create", "list", "revoke"],
    ("keys", "create"): ["--role", "--name", "--url", "--key"],
    ("keys", "list"): ["--url", "--key"],
    ("keys", "revoke"): ["--url", "--key"],
    ("types",): ["check"],
    ("types", "check"): ["file"],
    ("bench",): ["--url", "--key"],
}


def read(path):
    with open(path) as f:
        return f.read().strip()


def subcommands(help_text):
    """The names listed under "Subcommands:" of a CLI11 help text."""
    _, _, rest = help_text.partition("Subcommands:")
    return [m.group(1) for m in re.finditer(r"^\s{2}(\S+)\s", rest, re.M)]


class Help(unittest.TestCase):
    def test_help_of_every_command(self):
        for cmd, words in HELP.items():
            r = run_cli(*cmd, "--help")
            self.assertEqual(r.returncode, 0, f"trail {' '.join(cmd)} --help: {r.stderr}")
            self.assertIn("Usage:", r.stdout, cmd)
            for w in words:
                self.assertIn(w, r.stdout, f"trail {' '.join(cmd)} --help does not name {w}")

    def test_help_of_every_listed_subcommand(self):
        """Whatever `trail --help` lists (also commands added later) answers --help."""
        seen = 0
        todo = [()]
        while todo:
            cmd = todo.pop()
            r = run_cli(*cmd, "--help")
            self.assertEqual(r.returncode, 0, f"trail {' '.join(cmd)} --help: {r.stderr}")
            self.assertIn("Usage:", r.stdout)
            self.assertNotIn("TODO", r.stdout)
            todo += [cmd + (sub,) for sub in subcommands(r.stdout)]
            seen += 1
        self.assertGreaterEqual(seen, 11)

    def test_usage_errors_exit_non_zero_with_a_message(self):
        for args in ([], ["frobnicate"], ["record", "--tag", "project:create"],
                     ["query", "--no-such-flag"], ["keys"], ["types", "check"],
                     ["keys", "create", "--role", "root", "--name", "x"],
                     ["serve", "--segment-bits", "99"]):
            r = run_cli(*args)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertTrue((r.stdout + r.stderr).strip(), f"{args}: no message")


class Commands(ServerTestCase):
    def setUp(self):
        self.s = self.new_server()
        self.api = self.s.client()

    def tearDown(self):
        self.api.close()

    def test_record_with_typed_metadata(self):
        r = self.s.cli("record", "--tag", "project:release:add", "--subject", "project:cli",
                       "--actor", "erin", "--ip", "203.0.113.9", "--user-agent", "cli/1",
                       "--occurred-at", "2026-01-02T03:04:05.000006Z",
                       "--meta", "version=1.0", "--meta", "files=3", "--meta", "yanked=true",
                       "--meta", 'details={"a":[1,2]}', "--meta", "note=kept as a string")
        self.assertEqual(r.returncode, 0, r.stderr)
        ack = resolve_seqs(self.api, json.loads(r.stdout)["events"])[0]
        e = self.api.get(f"/v1/events/{ack['id']}").json
        self.assertEqual(e["seq"], ack["seq"])
        self.assertEqual(e["metadata"], {"version": "1.0", "files": 3, "yanked": True,
                                         "details": {"a": [1, 2]}, "note": "kept as a string"})
        self.assertEqual((e["actor"], e["ip"], e["user_agent"]), ("erin", "203.0.113.9", "cli/1"))
        self.assertEqual(e["occurred_at"], "2026-01-02T03:04:05.000006Z")
        self.assertEqual(e["description"], "erin released 1.0")

    def test_record_refusals_exit_non_zero_and_store_nothing(self):
        cases = [
            (["--tag", "project:nope", "--subject", "project:x"], "unknown_tag"),
            (["--tag", "project:create", "--subject", "user:x"], "subject"),
            (["--tag", "project:release:add", "--subject", "project:x", "--meta", "version=1",
              "--meta", "files=three"], "files"),
            (["--tag", "project:release:add", "--subject", "project:x"], "version"),
            (["--tag", "project:create", "--subject", "project:x", "--meta", "novalue"], "key=value"),
            (["--tag", "project:create", "--subject", "project:x", "--ip", "nope"], "ip"),
        ]
        for args, word in cases:
            r = self.s.cli("record", *args)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(word, r.stderr, args)
        r = self.s.cli("record", "--tag", "project:create", "--subject", "project:x", key="wrong")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("401", r.stderr)
        r = run_cli("record", "--url", f"http://127.0.0.1:{free_port()}", "--key", "k",
                    "--tag", "project:create", "--subject", "project:x")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("refused", r.stderr.lower())
        self.assertEqual(len(self.api.query_all()), 1)  # the admin key's event only

    def test_record_with_idempotency_key(self):
        args = ("record", "--tag", "project:create", "--subject", "project:idem",
                "--idempotency-key", "cli-1")
        a, b = self.s.cli(*args), self.s.cli(*args)
        self.assertEqual((a.returncode, b.returncode), (0, 0), a.stderr + b.stderr)
        # The same id and seq (on PostgreSQL either may still say "seq": null: resolved).
        self.assertEqual(resolve_seqs(self.api, json.loads(a.stdout)["events"]),
                         resolve_seqs(self.api, json.loads(b.stdout)["events"]))
        self.assertEqual(len(self.api.query_all("subject=project:idem")), 1)

    def fill(self):
        self.assertEqual(self.api.record([ev("account:login:success", "user:alice", "alice",
                                             auth_method="password"),
                                          ev("account:note", "user:bob", "bob",
                                             text='she said "hi", twice')]).status, 201)

    def test_query_formats(self):
        self.fill()
        r = self.s.cli("query", "--subject", "user:bob", "--format", "table")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["TIME", "TAG", "SUBJECT", "ACTOR", "IP", "DESCRIPTION"])
        self.assertEqual(len(lines), 2)
        self.assertIn("account:note", lines[1])
        self.assertIn('she said "hi", twice', lines[1])

        r = self.s.cli("query", "--tag", "account:*", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual([e["subject"] for e in doc["events"]], ["user:bob", "user:alice"])
        self.assertIsNone(doc["next_cursor"])

        r = self.s.cli("query", "--tag", "account:*", "--format", "ndjson", "--order", "asc")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [json.loads(x) for x in r.stdout.splitlines()]
        self.assertEqual([e["seq"] for e in rows], [1, 2])
        api_rows = self.api.get("/v1/events?tag=account:*&order=asc").events
        self.assertEqual(rows, api_rows)

        r = self.s.cli("query", "--tag", "account:*", "--format", "csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        table = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
        self.assertEqual([t["subject"] for t in table], ["user:bob", "user:alice"])
        self.assertEqual(table[0]["description"], 'she said "hi", twice')

        r = self.s.cli("query", "--q", "tag:account:* -actor:bob", "--format", "ndjson")
        self.assertEqual([json.loads(x)["actor"] for x in r.stdout.splitlines()], ["alice"])

        r = self.s.cli("query", "--format", "xml")
        self.assertNotEqual(r.returncode, 0)

    def test_query_pages_past_1000_and_continues_with_cursor(self):
        body = "".join(json.dumps(ev("project:create", "project:many")) + "\n" for _ in range(1200))
        self.assertEqual(self.api.post("/v1/events", body, ctype="application/x-ndjson").status, 201)
        r = self.s.cli("query", "--subject", "project:many", "--limit", "1100", "--format", "ndjson")
        self.assertEqual(r.returncode, 0, r.stderr)
        seqs = [json.loads(x)["seq"] for x in r.stdout.splitlines()]
        self.assertEqual(seqs, list(range(1200, 100, -1)))
        r = self.s.cli("query", "--subject", "project:many", "--limit", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(r"--cursor (\S+)", r.stderr)
        self.assertTrue(m, f"no cursor hint: {r.stderr!r}")
        r = self.s.cli("query", "--subject", "project:many", "--limit", "2", "--cursor",
                       m.group(1), "--format", "ndjson")
        self.assertEqual([json.loads(x)["seq"] for x in r.stdout.splitlines()], [1197, 1196])

    def test_query_refusals(self):
        writer = self.api.new_key("writer")["key"]
        r = self.s.cli("query", key=writer)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("403", r.stderr)
        r = self.s.cli("query", "--since", "soon")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("since", r.stderr)

    def test_keys_create_list_revoke(self):
        r = self.s.cli("keys", "create", "--role", "writer", "--name", "warehouse-web")
        self.assertEqual(r.returncode, 0, r.stderr)
        k = json.loads(r.stdout)
        self.assertEqual((k["role"], k["name"]), ("writer", "warehouse-web"))
        w = Client("127.0.0.1", self.s.port, k["key"])
        self.assertEqual(w.record(ev("project:create", "project:k")).status, 201)

        r = self.s.cli("keys", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [line.split() for line in r.stdout.splitlines()]
        self.assertEqual(rows[0][:2], ["ID", "ROLE"])
        mine = [row for row in rows if row[0] == k["id"]]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0][1], "writer")
        self.assertEqual(mine[0][-1], "warehouse-web")
        self.assertNotIn(k["key"], r.stdout)

        r = self.s.cli("keys", "revoke", k["id"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(w.record(ev("project:create", "project:k")).status, 401)
        w.close()
        r = self.s.cli("keys", "list")
        mine = [line for line in r.stdout.splitlines() if line.startswith(k["id"])]
        self.assertRegex(mine[0], r"\d{4}-\d\d-\d\dT.*\d{4}-\d\d-\d\dT")  # created, revoked
        r = self.s.cli("keys", "revoke", k["id"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("404", r.stderr)
        r = self.s.cli("keys", "create", "--role", "auditor", "--name", "x", key=k["key"])
        self.assertNotEqual(r.returncode, 0)
        tags = [e["tag"] for e in self.api.query_all("tag=trail:key:*")]
        self.assertEqual(sorted(tags), ["trail:key:created"] * 2 + ["trail:key:revoked"])

    def test_data_dir_supplies_the_admin_key(self):
        r = run_cli("keys", "list", "--url", self.s.url, "--data", self.s.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("admin", r.stdout)
        empty = tempfile.mkdtemp(prefix="trail-e2e-nokey-")
        try:
            r = run_cli("keys", "list", "--url", self.s.url, "--data", empty)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("key", r.stderr)
        finally:
            shutil.rmtree(empty)


class Bench(ServerTestCase):
    def test_bench_reports_what_it_stored(self):
        s = self.new_server(events=WAREHOUSE_EVENTS)
        total = 0
        for mode in ("batch", "single"):
            r = s.cli("bench", "--duration", "0.5", "--connections", "4", "--mode", mode,
                      "--batch", "200", "--json", timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            report = json.loads(r.stdout.strip().splitlines()[-1])
            self.assertEqual((report["mode"], report["errors"]), (mode, 0), report)
            self.assertGreater(report["events"], 0)
            total += report["events"]
        c = s.client()
        self.assertEqual(len(c.query_all()), total + 1)  # + the admin key's event
        c.close()


BROKEN = {
    # name: (file text, line the message must name, word it must name)
    "unknown field type": (
        '[[event]]\ntag = "project:create"\nsubject = "project"\n\n[[event]]\n'
        'tag = "project:x"\nsubject = "project"\nfields = { name = "strng" }\n', 8, "strng"),
    "bad tag": (
        '[[event]]\ntag = "project:create"\nsubject = "project"\n\n[[event]]\n'
        'tag = "Project Create"\nsubject = "project"\n', 5, "Project Create"),
    "reserved trail: tag": (
        '[[event]]\ntag = "project:create"\nsubject = "project"\n\n[[event]]\n'
        'tag = "trail:key:created"\nsubject = "key"\n', 5, "trail:"),
    "undeclared placeholder": (
        '[[event]]\ntag = "project:create"\nsubject = "project"\n\n[[event]]\n'
        'tag = "project:y"\nsubject = "project"\ndescription = "{actor} did {thing}"\n', 8,
        "{thing}"),
    "toml syntax": ('[[event]]\ntag = "project:create"\nsubject = \n', 3, ""),
    "unknown key": ('[[event]]\ntag = "project:create"\nsubject = "project"\ncolour = "red"\n', 4,
                    "colour"),
    "bad retention": ('[[event]]\ntag = "project:create"\nsubject = "project"\n'
                      'retention = "soon"\n', 4, "soon"),
    "bad extra_fields": ('[[event]]\ntag = "project:create"\nsubject = "project"\n'
                         'extra_fields = "sometimes"\n', 4, "extra_fields"),
    "missing subject": ('[[event]]\ntag = "project:create"\n', 1, "subject"),
}


class TypesCheck(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="trail-e2e-types-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def check(self, text, name="events.toml"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path, run_cli("types", "check", path)

    def test_shipped_files_are_valid(self):
        r = run_cli("types", "check", WAREHOUSE_EVENTS)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(WAREHOUSE_EVENTS) as f:
            n = f.read().count("[[event]]")
        self.assertGreaterEqual(n, 40)
        self.assertIn(f"ok, {n} event types", r.stdout)
        r = run_cli("types", "check", EVENTS)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok, 11 event types", r.stdout)

    def test_broken_files_are_refused_naming_the_line(self):
        for what, (text, line, word) in BROKEN.items():
            path, r = self.check(text)
            self.assertNotEqual(r.returncode, 0, f"{what}: accepted")
            self.assertIn(f"{path}:{line}", r.stderr, f"{what}: the message names no line")
            self.assertIn(word, r.stderr, what)
            self.assertEqual(r.stdout, "", what)

    def test_duplicate_tag_is_refused_naming_the_line(self):
        """A tag declared twice is refused naming the line of the second `tag =` (line 6
        here), like every other error names FILE:LINE (regression: it once named no line)."""
        path, r = self.check('[[event]]\ntag = "project:create"\nsubject = "project"\n\n'
                             '[[event]]\ntag = "project:create"\nsubject = "project"\n')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("declared twice", r.stderr)
        self.assertIn(f"{path}:6", r.stderr)

    def test_missing_or_non_toml_file(self):
        r = run_cli("types", "check", os.path.join(self.dir, "absent.toml"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("absent.toml", r.stderr)
        r = run_cli("types", "check", os.path.abspath(__file__))
        self.assertNotEqual(r.returncode, 0)
        path, r = self.check("")
        self.assertEqual(r.returncode, 0, "an empty file declares no types")
        self.assertIn("ok, 0 event types", r.stdout)


class ServeConfig(ServerTestCase):
    """`trail serve --config trail.toml`: the file's keys, overridden by flags."""

    def setUp(self):
        self.dir = new_workdir("config")
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        drop_store(os.path.join(self.dir, "data"))
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, text, name="trail.toml"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def serve(self, *args, port, store=True):
        """`trail serve ARGS` (with the store under test unless `store` is False: the
        config file names it)."""
        if store and "--data" in args:
            args += tuple(store_args(args[args.index("--data") + 1], "config"))
        with open(os.path.join(self.dir, "serve.log"), "ab") as log:
            p = subprocess.Popen([TRAIL, "serve", *args], stdout=log, stderr=subprocess.STDOUT,
                                 cwd=self.dir)
        self.procs.append(p)
        deadline = time.time() + 20
        while time.time() < deadline and p.poll() is None:
            try:
                c = Client("127.0.0.1", port, timeout=2)
                if c.get("/healthz").status == 200:
                    c.close()
                    return p
            except CONNECTION_ERRORS:
                time.sleep(0.05)
        self.fail(f"no server on port {port}: {read(os.path.join(self.dir, 'serve.log'))}")

    def test_config_file_sets_listen_queue_events_and_store(self):
        port = free_port()
        data = os.path.join(self.dir, "data")
        url = store_url(data, "config") if ON_POSTGRES else f"sqlite:{self.dir}/other.db"
        cfg = self.write(f'[server]\nlisten = "127.0.0.1:{port}"\nqueue = 77\n'
                         f'[events]\nfile = "{EVENTS}"\n'
                         f'[store]\nurl = "{url}"\n'
                         f'[retention]\ninterval = "1h"\npersonal_data = "90d"\nwriter_share = 0.5\n'
                         f'[log]\nname = "e2e.example/log"\n')
        p = self.serve("--config", cfg, "--data", data, port=port, store=False)
        key = read(os.path.join(data, "admin.key"))
        c = Client("127.0.0.1", port, key)
        self.assertIn("trail_queue_limit 77\n", c.get("/metrics").text)
        types = c.get("/v1/types").json["types"]
        self.assertEqual(len([t for t in types if not t["builtin"]]), 11)
        self.assertEqual(c.record(ev("project:create", "project:cfg")).status, 201)
        c.close()
        # On PostgreSQL no file at all: the default (DATA/trail.db) would be one.
        self.assertEqual(os.path.exists(os.path.join(self.dir, "other.db")), not ON_POSTGRES,
                         "store.url ignored")
        self.assertFalse(os.path.exists(os.path.join(data, "trail.db")))
        p.terminate()
        self.assertEqual(p.wait(15), 0)

    def test_flags_win_over_the_file(self):
        file_port, flag_port = free_port(), free_port()
        cfg = self.write(f'[server]\nlisten = "127.0.0.1:{file_port}"\nqueue = 77\n'
                         f'[events]\nfile = "/nonexistent/events.toml"\n')
        data = os.path.join(self.dir, "data")
        p = self.serve("--config", cfg, "--data", data, "--listen", f"127.0.0.1:{flag_port}",
                       "--queue", "5", "--events", EVENTS, port=flag_port)
        key = read(os.path.join(data, "admin.key"))
        c = Client("127.0.0.1", flag_port, key)
        self.assertIn("trail_queue_limit 5\n", c.get("/metrics").text)
        self.assertEqual(c.record(ev("project:create", "project:cfg")).status, 201)
        c.close()
        with self.assertRaises(ConnectionRefusedError):
            Client("127.0.0.1", file_port, timeout=2).get("/healthz")
        p.terminate()
        self.assertEqual(p.wait(15), 0)

    def test_bad_config_files_are_refused(self):
        port = free_port()
        cases = {
            "unknown key": ('[server]\nlisten = "127.0.0.1:%d"\nqueu = 5\n' % port, "server.queu"),
            "unknown section": ("[serverr]\nlisten = \"x\"\n", "serverr"),
            "wrong type": ('[server]\nqueue = "ten"\n', "queue"),
            "negative queue": ("[server]\nqueue = -1\n", "queue"),
            "bad duration": ('[retention]\ninterval = "often"\n', "interval"),
            "writer share of 0": ("[retention]\nwriter_share = 0\n", "writer_share"),
            "writer share over 1": ("[retention]\nwriter_share = 1.5\n", "writer_share"),
            "toml syntax": ("[server\n", "trail.toml"),
            "bad listen": ('[server]\nlisten = "nowhere"\n', "nowhere"),
            "query rows of 0": ("[query]\nmax_rows_examined = 0\n", "query.max_rows_examined must be a whole number"),
            "query millis as text": ('[query]\nmax_millis = "1s"\n', "query.max_millis must be a whole number"),
            "query millis fractional": ("[query]\nmax_millis = 2.5\n", "query.max_millis must be a whole number"),
            "query millis over a minute": ("[query]\nmax_millis = 60001\n", "from 1 to 60000"),
            "unknown query key": ("[query]\nmax_rows = 5\n", "query.max_rows"),
        }
        for what, (text, word) in cases.items():
            cfg = self.write(text)
            r = run_cli("serve", "--config", cfg, "--data", os.path.join(self.dir, "d"),
                        timeout=20)
            self.assertNotEqual(r.returncode, 0, f"{what}: started")
            self.assertIn(word, r.stdout + r.stderr, what)
        r = run_cli("serve", "--config", os.path.join(self.dir, "absent.toml"), "--data",
                    os.path.join(self.dir, "d"), timeout=20)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("absent.toml", r.stderr)
        with self.assertRaises(ConnectionRefusedError):
            Client("127.0.0.1", port, timeout=2).get("/healthz")


    def test_bad_flags_are_refused(self):
        data = os.path.join(self.dir, "d")
        broken = self.write('[[event]]\ntag = "Bad Tag"\nsubject = "x"\n', "broken.toml")
        for args, word in ((["--events", os.path.join(self.dir, "absent.toml")], "absent.toml"),
                           (["--events", broken], "Bad Tag"),
                           (["--listen", "nowhere"], "nowhere"),
                           (["--listen", "256.0.0.1:80"], "256.0.0.1"),
                           (["--store", "mysql://x"], "mysql"),
                           (["--queue", "ten"], "queue")):
            r = run_cli("serve", "--data", data, *args, timeout=20)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(word, r.stdout + r.stderr, args)


class DataDir(ServerTestCase):
    """SPEC §8: a fresh data directory gets admin.key, viewer.secret and log.key, mode 0600."""

    def test_fresh_data_dir_and_its_secrets(self):
        workdir = new_workdir("datadir")
        data = os.path.join(workdir, "data")  # created by the server
        s = self.new_server(data=data, workdir=workdir)
        for name in ("admin.key", "viewer.secret", "log.key"):
            path = os.path.join(data, name)
            self.assertTrue(os.path.exists(path), name)
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o600, name)
        first = s.admin_key
        c = s.client()
        created = c.query_all("tag=trail:key:created")
        self.assertEqual(len(created), 1)
        self.assertEqual(created[0]["metadata"], {"name": "admin", "role": "admin"})
        c.close()
        s.restart()  # the same key, no new key event
        s._admin_key = None
        self.assertEqual(s.admin_key, first)
        c = s.client()
        self.assertEqual(len(c.query_all("tag=trail:key:created")), 1)
        c.close()
        s.stop()
        os.unlink(os.path.join(data, "admin.key"))
        s.start()  # a lost admin.key is replaced by a new admin key
        self.assertNotEqual(s.admin_key, first)
        self.assertEqual(os.stat(os.path.join(data, "admin.key")).st_mode & 0o777, 0o600)
        c = s.client()
        self.assertEqual(c.get("/v1/admin/keys").status, 200)
        self.assertEqual(len(c.query_all("tag=trail:key:created")), 2)
        c.close()


class QueueBound(ServerTestCase):
    def test_full_queue_answers_429_never_5xx_and_stores_every_201(self):
        s = self.new_server("--queue", "10")
        admin = s.client()
        writer = admin.new_key("writer")["key"]
        admin.close()
        acked, statuses, bad = [], [], []
        lock = threading.Lock()
        stop = threading.Event()

        def flood(k):
            c = s.client(token=writer)
            i = 0
            while not stop.is_set():
                batch = [ev("project:create", f"project:q{k}-{i}-{j}") for j in range(5)]
                i += 1
                r = c.record(batch)
                with lock:
                    statuses.append(r.status)
                    if r.status == 201:
                        acked.extend(a["id"] for a in r.events)
                    elif r.status == 429:
                        retry = r.header("Retry-After")
                        if not (retry and retry.isdigit() and int(retry) >= 1) or \
                                r.error.get("code") != "queue_full":
                            bad.append(r)
                    else:
                        bad.append(r)
            c.close()
        threads = [threading.Thread(target=flood, args=(k,)) for k in range(16)]
        for t in threads:
            t.start()
        deadline = time.time() + 10
        while time.time() < deadline and (statuses.count(429) < 20 or len(acked) < 200):
            time.sleep(0.05)
        stop.set()
        for t in threads:
            t.join(30)
        self.assertEqual(bad, [], "replies other than 201 or 429 + Retry-After + queue_full")
        self.assertGreater(statuses.count(429), 0, "the queue never filled")
        self.assertGreater(len(acked), 0)
        self.assertFalse([x for x in statuses if x >= 500])
        c = s.client()
        stored = {e["id"] for e in c.query_all("tag=project:create")}
        self.assertEqual(stored, set(acked), "stored events differ from the acknowledged ones")
        m = c.get("/metrics").text
        self.assertIn(f'trail_ingest_rejected_total{{reason="queue_full"}} {statuses.count(429)}\n', m)
        # The queue drains: the next write goes through; a batch larger than the queue is
        # accepted when nothing else waits.
        self.assertEqual(c.record(ev("project:create", "project:after")).status, 201)
        r = c.record([ev("project:create", "project:big")] * 25)
        self.assertEqual(r.status, 201, r)
        c.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Integrity end to end (SPEC §5): `trail verify --data` passes on an intact log and names the
seq of every kind of tampering — an altered field, a deleted row, a reordered pair, a forged
leaf hash, a rewritten tree node — and `trail verify --url` remembers the checkpoint it saw and
refuses a log that shrank or rewrote its history; with an auditor or admin `--key` it also
reads every event and recomputes its leaf hash against the tiles.
"""
import datetime
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ON_POSTGRES, ServerTestCase, ev, resolve_seqs, run_cli, slowed, sqlite_only  # noqa: E402


def tamper(db, *statements):
    con = sqlite3.connect(db, isolation_level=None)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')  # an attacker with the file drops the guards
    for st in statements:
        con.execute(st)
    con.close()


def record_in_three_forms(c):
    """Records events that then read whole, scrubbed and pruned (tests/data/events.toml): 5
    logins (retention 90d) and 5 role events (forever), all with ip, user agent and location;
    a GC as of 100 days on prunes the logins and scrubs the role events (personal data 90d).
    Then one whole event with a location and an occurred_at of its own."""
    logins = [dict(ev("account:login:success", f"user:u{i}", f"u{i}", auth_method="password"),
                   location={"country": "NZ"})
              for i in range(5)]
    roles = [dict(ev("project:role:add", "project:p", "alice", target_user=f"u{i}", role_name="Owner"),
                  location={"country": "NZ", "city": "Wellington"}) for i in range(5)]
    r = c.record(logins + roles)
    assert r.status == 201, r
    as_of = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=100)).strftime(
        "%Y-%m-%dT%H:%M:%S.000000Z")
    r = c.post("/v1/admin/gc", {"as_of": as_of})
    assert r.status == 200 and r.json["pruned"] >= 5 and r.json["scrubbed"] >= 5, r
    whole = [dict(ev("project:role:add", "project:q", "bob", target_user="x", role_name="Owner"),
                  location={"country": "DE", "region": "BE", "city": "Berlin"},
                  occurred_at="2026-01-02T03:04:05.000006Z")]
    r = c.record(whole)
    assert r.status == 201, r


@sqlite_only("offline `trail verify --data` reads DATA/trail.db, and the tampering edits that "
             "file; a PostgreSQL log is verified with --url (VerifyUrl)")
class VerifyData(ServerTestCase):
    def setUp(self):
        self.srv = self.new_server()
        c = self.srv.client()
        for b in range(6):
            r = c.record([ev("project:role:add", f"project:p{i % 5}", "alice", target_user=f"u{b}-{i}",
                             role_name="Maintainer") for i in range(100)])
            self.assertEqual(r.status, 201, r)
        self.assertEqual(self.srv.stop(), 0)
        self.data = self.srv.data

    def copy(self):
        d = os.path.join(tempfile.mkdtemp(prefix="trail-tamper-"), "data")
        self.addCleanup(shutil.rmtree, os.path.dirname(d), True)
        shutil.copytree(self.data, d, ignore=shutil.ignore_patterns("*.log"))
        return d, os.path.join(d, "trail.db")

    def verify(self, data):
        return run_cli("verify", "--data", data, timeout=120)

    def test_intact_log_verifies(self):
        r = self.verify(self.data)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("OK", r.stdout)

    def test_an_altered_field_is_named_by_seq(self):
        d, db = self.copy()
        tamper(db, "UPDATE events SET actor = 'mallory' WHERE seq = 123")
        r = self.verify(d)
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"seq 123\b.*altered")

    def test_a_deleted_row_is_named_by_seq(self):
        d, db = self.copy()
        tamper(db, "DELETE FROM events WHERE seq = 300")
        r = self.verify(d)
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"seq 300\b.*missing")

    def test_a_reordered_pair_is_found(self):
        d, db = self.copy()
        # Swap the contents of two rows, leaf hashes included: each row still matches its own
        # leaf hash, but the tree over them no longer matches the signed checkpoint.
        tamper(db, "UPDATE events SET seq = -1 WHERE seq = 50",
               "UPDATE events SET seq = 50 WHERE seq = 400",
               "UPDATE events SET seq = 400 WHERE seq = -1")
        r = self.verify(d)
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"seq (50|400)\b|root|tree node")

    def test_a_forged_leaf_hash_is_found(self):
        d, db = self.copy()
        tamper(db, "UPDATE events SET leaf_hash = zeroblob(32) WHERE seq = 7")
        r = self.verify(d)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("seq 7", r.stdout)

    def test_a_rewritten_tree_node_is_found(self):
        d, db = self.copy()
        tamper(db, "UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 8 AND idx = 1")
        r = self.verify(d)
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"tree node over seqs 256\.\.511")


@sqlite_only("offline `trail verify --data` reads DATA/trail.db in chunks; see VerifyData")
class VerifyDataAcrossChunks(ServerTestCase):
    """verify --data reads the table in chunks of 16,384 seqs on several threads: tampering on
    and around chunk boundaries must be reported exactly as anywhere else."""

    def test_tampering_at_chunk_boundaries(self):
        srv = self.new_server()
        c = srv.client()
        for b in range(4):
            r = c.record([ev("project:create", f"project:c{b}-{i}", "carol") for i in range(10000)])
            self.assertEqual(r.status, 201, r)
        self.assertEqual(srv.stop(), 0)
        r = run_cli("verify", "--data", srv.data, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"^4000\d events: ")
        d = os.path.join(tempfile.mkdtemp(prefix="trail-tamper-"), "data")
        self.addCleanup(shutil.rmtree, os.path.dirname(d), True)
        shutil.copytree(srv.data, d, ignore=shutil.ignore_patterns("*.log"))
        tamper(os.path.join(d, "trail.db"),
               "DELETE FROM events WHERE seq IN (16383, 16384)",
               "UPDATE events SET subject = 'project:forged' WHERE seq = 32768",
               "UPDATE events SET actor = 'mallory' WHERE seq = 32767",
               "INSERT INTO events (seq, id, recorded_at, tag, subject, body_hash, leaf_hash) "
               "SELECT -5, 'x', recorded_at, tag, subject, body_hash, leaf_hash FROM events WHERE seq = 1")
        r = run_cli("verify", "--data", d, timeout=120)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("seq 16383..16384: missing", r.stdout)
        self.assertRegex(r.stdout, r"seq 32767\b.*altered")
        self.assertRegex(r.stdout, r"seq 32768\b.*altered")
        self.assertIn("negative seq", r.stdout)
        self.assertNotRegex(r.stdout, r"seq (1|16382|16385|32766|32769)\b")


@sqlite_only("the tampering edits DATA/trail.db")
class VerifyEveryColumnAtEveryAge(ServerTestCase):
    """SPEC §5 leaf format 2: every stored byte of every event is covered, whole, scrubbed
    (ip, user agent, location and salt deleted) and pruned (only id, tag, recorded_at and
    body_hash kept). One column changed on one event makes `verify --data` fail naming its seq."""

    def setUp(self):
        self.srv = self.new_server()
        record_in_three_forms(self.srv.client())
        self.assertEqual(self.srv.stop(), 0)
        con = sqlite3.connect(os.path.join(self.srv.data, "trail.db"))
        self.pruned = con.execute("SELECT seq FROM events WHERE pruned = 1 ORDER BY seq").fetchone()[0]
        self.scrubbed = con.execute("SELECT seq FROM events WHERE scrubbed = 1 AND pruned = 0 AND tag = 'project:role:add' "
                                    "ORDER BY seq").fetchone()[0]
        self.whole = con.execute("SELECT seq FROM events WHERE scrubbed = 0 AND pruned = 0 AND location IS NOT NULL "
                                 "ORDER BY seq DESC").fetchone()[0]
        con.close()

    def caught(self, seq, assignment):
        d = os.path.join(tempfile.mkdtemp(prefix="trail-tamper-"), "data")
        self.addCleanup(shutil.rmtree, os.path.dirname(d), True)
        shutil.copytree(self.srv.data, d, ignore=shutil.ignore_patterns("*.log"))
        tamper(os.path.join(d, "trail.db"), f"UPDATE events SET {assignment} WHERE seq = {seq}")
        r = run_cli("verify", "--data", d, timeout=120)
        self.assertNotEqual(r.returncode, 0, f"{assignment} on seq {seq} passed: {r.stdout}")
        self.assertRegex(r.stdout, rf"seq {seq}\b", assignment)

    def test_intact_log_verifies_in_all_three_forms(self):
        r = run_cli("verify", "--data", self.srv.data, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"\(\d+ whole, [1-9]\d* scrubbed .*, [1-9]\d* pruned")

    def test_every_column_of_a_whole_event(self):
        for a in ["subject = 'project:forged'", "actor = 'mallory'", "actor = NULL", "ip = '198.51.100.1'",
                  "ip = NULL", "user_agent = 'x'", "location = '{\"country\":\"AU\"}'", "location = NULL",
                  "metadata = '{\"role_name\":\"Owner\",\"target_user\":\"y\"}'", "metadata = NULL",
                  "occurred_at = occurred_at + 1", "occurred_at = NULL", "salt = zeroblob(16)", "salt = NULL",
                  "personal_hash = zeroblob(32)", "body_hash = zeroblob(32)", "leaf_hash = zeroblob(32)",
                  "id = '00000000-0000-7000-8000-000000000000'", "tag = 'project:role:remove'",
                  "recorded_at = recorded_at - 1", "pruned = 1", "scrubbed = 1"]:
            with self.subTest(a):
                self.caught(self.whole, a)

    def test_every_column_of_a_scrubbed_event(self):
        for a in ["subject = 'project:forged'", "actor = 'mallory'",
                  "metadata = '{\"role_name\":\"Owner\",\"target_user\":\"y\"}'",
                  "personal_hash = zeroblob(32)", "personal_hash = NULL", "body_hash = zeroblob(32)",
                  "occurred_at = recorded_at - 1",
                  "ip = '203.0.113.7'", "salt = zeroblob(16)", "scrubbed = 0", "tag = 'project:role:remove'"]:
            with self.subTest(a):
                self.caught(self.scrubbed, a)

    def test_every_kept_column_of_a_pruned_event(self):
        for a in ["body_hash = zeroblob(32)", "body_hash = X'00'", "personal_hash = zeroblob(32)", "tag = 'account:login:failure'",
                  "recorded_at = recorded_at + 1", "id = '00000000-0000-7000-8000-000000000000'",
                  "actor = 'mallory'", "subject = 'user:forged'", "metadata = '{}'", "pruned = 0"]:
            with self.subTest(a):
                self.caught(self.pruned, a)


@sqlite_only("verify --data reads DATA/trail.db")
class VerifyDataCheckpoints(ServerTestCase):
    def test_a_rolled_back_store_file_fails_against_the_kept_checkpoint(self):
        """A store file replaced by an older copy (rows and checkpoints alike) still verifies on
        its own; the checkpoint the node kept in DATA/checkpoint does not let it."""
        s = self.new_server()
        c = s.client()
        self.assertEqual(c.record([ev("project:create", f"project:a{i}") for i in range(5)]).status, 201)
        c.close()
        self.assertEqual(s.stop(), 0)
        old = os.path.join(s.workdir, "old.db")
        shutil.copy2(os.path.join(s.data, "trail.db"), old)
        s.start()
        c = s.client()
        self.assertEqual(c.record([ev("project:create", f"project:b{i}") for i in range(5)]).status, 201)
        c.close()
        self.assertEqual(s.stop(), 0)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(os.path.join(s.data, "trail.db" + suffix)):
                os.unlink(os.path.join(s.data, "trail.db" + suffix))
        shutil.copy2(old, os.path.join(s.data, "trail.db"))
        r = run_cli("verify", "--data", s.data, timeout=120)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"a signed checkpoint covers \d+ events; the log holds \d+")

    def test_checkpoints_without_a_verifier_key_are_not_called_verified(self):
        s = self.new_server()
        self.assertEqual(s.client().record([ev("project:create", "project:x")]).status, 201)
        self.assertEqual(s.stop(), 0)
        elsewhere = os.path.join(s.workdir, "no-key")
        os.makedirs(elsewhere)
        r = run_cli("verify", "--store", "sqlite:" + os.path.join(s.data, "trail.db"), "--data", elsewhere,
                    timeout=120)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("no verifier key", r.stderr)
        self.assertNotIn("OK", r.stdout)


class VerifyUrl(ServerTestCase):
    def test_remembers_the_checkpoint_and_sees_consistent_growth(self):
        srv = self.new_server()
        c = srv.client()
        self.assertEqual(c.record([ev("project:create", f"project:p{i}", "bob") for i in range(300)]).status, 201)
        vkey = run_cli("keys", "verifier", "--data", srv.data).stdout.strip().splitlines()[-1]
        state = os.path.join(srv.workdir, "verify-state.json")
        r = run_cli("verify", "--url", srv.url, "--vkey", vkey, "--state", state)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(os.path.exists(state))
        self.assertEqual(c.record([ev("project:create", "project:more", "bob")]).status, 201)
        r = run_cli("verify", "--url", srv.url, "--vkey", vkey, "--state", state)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("consistent with the one of size", r.stdout)
        # A checkpoint from "before" that this log never had: the verifier must refuse.
        with open(state, "w") as f:
            f.write('{"size": 5, "root": "' + "A" * 43 + '="}')
        r = run_cli("verify", "--url", srv.url, "--vkey", vkey, "--state", state)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("differ from the checkpoint seen before", r.stdout)

    def test_a_wrong_verifier_key_is_refused(self):
        srv = self.new_server()
        other = self.new_server()
        vkey = run_cli("keys", "verifier", "--data", other.data).stdout.strip().splitlines()[-1]
        r = run_cli("verify", "--url", srv.url, "--vkey", vkey)
        self.assertNotEqual(r.returncode, 0)

    # --- with a key: every event read and recomputed (SPEC §5) ---

    def mixed_log(self):
        """A server whose log holds whole, scrubbed and pruned events, across two tiles."""
        srv = self.new_server()
        c = srv.client()
        record_in_three_forms(c)
        r = c.record([ev("project:create", f"project:p{i}", "bob") for i in range(300)])
        self.assertEqual(r.status, 201, r)
        # On PostgreSQL the acknowledgement comes before sequencing, and the checkpoint after
        # it: wait until the served checkpoint covers every event recorded here.
        need = max(a["seq"] for a in resolve_seqs(c, r.json["events"])) + 1
        deadline = time.time() + slowed(15)
        while int((c.get("/checkpoint").text.splitlines() or ["", "0"])[1]) < need:
            self.assertLess(time.time(), deadline, f"no checkpoint of size {need}")
            time.sleep(0.05)
        return srv, run_cli("keys", "verifier", "--data", srv.data).stdout.strip().splitlines()[-1]

    def verify(self, srv, vkey, *args):
        state = os.path.join(srv.workdir, "verify-state.json")
        return run_cli("verify", "--url", srv.url, "--vkey", vkey, "--state", state, *args, timeout=120)

    def test_with_a_key_every_event_is_recomputed_whole_scrubbed_and_pruned(self):
        srv, vkey = self.mixed_log()
        auditor = srv.client().new_key("auditor")["key"]
        key_file = os.path.join(srv.workdir, "auditor.key")
        with open(key_file, "w") as f:
            f.write(auditor + "\n")
        for how in [("--key", srv.admin_key), ("--key", auditor), ("--key-file", key_file), ("--data", srv.data)]:
            with self.subTest(how[0]):
                r = self.verify(srv, vkey, *how)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertRegex(r.stdout, r"(\d+) events read and their leaf hashes recomputed against the "
                                                r"tiles \((\d+) whole, ([1-9]\d*) scrubbed .*, ([1-9]\d*) pruned")
                read, whole, scrubbed, pruned = (int(x) for x in re.search(
                    r"(\d+) events read.*?\((\d+) whole, (\d+) scrubbed.*?, (\d+) pruned", r.stdout).groups())
                size = int(re.search(r"(\d+) events verified against the signed checkpoint", r.stdout).group(1))
                self.assertEqual(read, size, r.stdout)
                self.assertEqual(whole + scrubbed + pruned, read)
                self.assertGreaterEqual(whole, 301)
                self.assertGreaterEqual(scrubbed, 5)
                self.assertGreaterEqual(pruned, 5)
                self.assertNotIn("MISMATCH", r.stdout)

    def test_without_a_key_no_event_is_read(self):
        srv, vkey = self.mixed_log()
        r = self.verify(srv, vkey)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("events read", r.stdout)
        # Nothing was exported: an export would have left a trail:export record.
        exports = srv.client().query_all("tag=trail:export")
        self.assertEqual(exports, [], exports)

    def test_a_writer_key_is_refused_clearly(self):
        srv, vkey = self.mixed_log()
        writer = srv.client().new_key("writer")["key"]
        r = self.verify(srv, vkey, "--key", writer)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("HTTP 403", r.stderr)
        self.assertIn("needs an auditor or admin key", r.stderr)
        r = self.verify(srv, vkey, "--key", "not-a-key")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("HTTP 401", r.stderr)
        # A viewer token would be shown a redacted part of the log: refused before asking.
        r = self.verify(srv, vkey, "--key", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2ln")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("viewer token", r.stderr)
        r = self.verify(srv, vkey, "--key-file", os.path.join(srv.workdir, "no-such.key"))
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("no key in", r.stderr)

    def test_a_tampered_scrubbed_event_is_found_only_with_a_key(self):
        srv, vkey = self.mixed_log()
        scrubbed = [e for e in srv.client().query_all("tag=project:role:add&order=asc")
                    if e["personal_hash"] and "salt" not in e]
        seq = scrubbed[0]["seq"]
        # The leaf hash column (what the tiles serve) stays; the actor no longer matches it.
        update = f"UPDATE events SET actor = 'mallory' WHERE seq = {seq}"
        if ON_POSTGRES:  # the guards allow it: scrubbing updates the payload columns
            out = subprocess.run([harness.PG.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", srv.store_url, "-c", update],
                                 capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        else:  # with the server stopped, and the triggers dropped
            srv.stop()
            tamper(os.path.join(srv.data, "trail.db"), update)
            srv.start()
        r = self.verify(srv, vkey)
        self.assertEqual(r.returncode, 0, "the tiles are intact, so without a key it passes: " + r.stdout + r.stderr)
        r = self.verify(srv, vkey, "--key", srv.admin_key)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout, rf"MISMATCH seq {seq}: event \S+: subject, actor, occurred_at or metadata differ")
        self.assertEqual(len(re.findall("MISMATCH", r.stdout)), 1, r.stdout)
        self.assertIn("FAILED: 1 mismatches", r.stdout)


    def test_metadata_with_a_duplicate_key_is_found_with_a_key(self):
        """Stored metadata `{"role_name":"Owner","target_user":"mallory","target_user":"y"}`
        parses to the original value in a last-key-wins parser (so its hashes still match) but
        reads as "mallory" in a first-key-wins one: the bytes served must be the canonical form."""
        srv, vkey = self.mixed_log()
        whole = [e for e in srv.client().query_all("tag=project:role:add&order=asc") if "salt" in e]
        e = whole[0]
        forged = '{"role_name":"%s","target_user":"mallory","target_user":"%s"}' % (
            e["metadata"]["role_name"], e["metadata"]["target_user"])
        update = f"UPDATE events SET metadata = '{forged}' WHERE seq = {e['seq']}"
        if ON_POSTGRES:
            out = subprocess.run([harness.PG.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", srv.store_url, "-c", update],
                                 capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        else:
            srv.stop()
            tamper(os.path.join(srv.data, "trail.db"), update)
            srv.start()
        r = self.verify(srv, vkey, "--key", srv.admin_key)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout, rf"MISMATCH seq {e['seq']}: event \S+: served text is not the canonical form")

if __name__ == "__main__":
    unittest.main()

# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""No forks after a restore (SPEC §5 last bullet).

Each node keeps the newest checkpoint it signed or saw in DATA/checkpoint. A store rolled back
to an older copy (the SQLite file restored from a backup; on PostgreSQL the database restored
from a snapshot) must not make the node sign, for sizes it already published, checkpoints with
other roots: `trail serve` refuses to start (exit 2) naming the kept size and the store's size;
`--accept-restore` accepts the restore once, replaces the kept checkpoint and records a
trail:restore event. Runs on both stores (TRAIL_TEST_STORE).
"""
import os
import shutil
import stat
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ON_POSTGRES, PG, ServerTestCase, ev, resolve_seqs, run_cli  # noqa: E402


def kept_size(data):
    with open(os.path.join(data, "checkpoint")) as f:
        return int(f.read().split("\n")[1])


class Snapshot:
    """A copy of a stopped server's store, put back by restore(): the SQLite files, or on
    PostgreSQL a database made from the server's as a template."""

    def __init__(self, server):
        self.server = server
        if ON_POSTGRES:
            self.db = server.store_url.rsplit("/", 1)[1]
            self.copy = self.db + "_snap"
            PG.sql(f'CREATE DATABASE "{self.copy}" TEMPLATE "{self.db}"')
        else:
            self.copy = os.path.join(server.workdir, "backup")
            os.makedirs(self.copy)
            for name in self.files(server.data):
                shutil.copy2(os.path.join(server.data, name), self.copy)

    @staticmethod
    def files(d):
        return [n for n in os.listdir(d) if n.startswith("trail.db")]

    def restore(self):
        if ON_POSTGRES:
            PG.sql(f'DROP DATABASE "{self.db}" WITH (FORCE)')
            PG.sql(f'CREATE DATABASE "{self.db}" TEMPLATE "{self.copy}"')
            PG.sql(f'DROP DATABASE "{self.copy}"')
        else:
            for name in self.files(self.server.data):
                os.unlink(os.path.join(self.server.data, name))
            for name in os.listdir(self.copy):
                shutil.copy2(os.path.join(self.copy, name), self.server.data)


def empty_store(server):
    """Points the server's data directory at a fresh, empty store."""
    if ON_POSTGRES:
        db = server.store_url.rsplit("/", 1)[1]
        PG.sql(f'DROP DATABASE "{db}" WITH (FORCE)')
        PG.sql(f'CREATE DATABASE "{db}"')
    else:
        for name in Snapshot.files(server.data):
            os.unlink(os.path.join(server.data, name))


class RestoreTest(ServerTestCase):
    def record(self, server, n, tag="project:create"):
        c = server.client()
        for i in range(n):
            r = c.record(ev(tag, f"project:p{time.monotonic_ns()}-{i}", "alice"))
            self.assertEqual(r.status, 201, r)
            resolve_seqs(c, r.events)
        c.close()

    def serve_once(self, server, *extra):
        """`trail serve` on the server's data directory and store, expected to exit."""
        args = [a for a in server.command()[1:]] + list(extra)
        return run_cli(*args, timeout=30)

    def test_a_restored_old_copy_is_refused_naming_both_sizes_until_accepted(self):
        s = self.new_server()
        self.record(s, 3)
        self.assertEqual(s.stop(), 0)
        old = kept_size(s.data)
        mode = stat.S_IMODE(os.stat(os.path.join(s.data, "checkpoint")).st_mode)
        self.assertEqual(mode, 0o600)
        backup = Snapshot(s)
        s.start()
        self.record(s, 5)
        self.assertEqual(s.stop(), 0)
        new = kept_size(s.data)
        self.assertGreater(new, old)

        backup.restore()
        p = self.serve_once(s)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn(f"kept size {new}, store size {old}", p.stderr)
        self.assertIn("--accept-restore", p.stderr)
        self.assertEqual(kept_size(s.data), new, "a refused start must change nothing")

        s.args.append("--accept-restore")
        s.start()
        c = s.client()
        restores = c.query_all("tag=trail:restore")
        self.assertEqual(len(restores), 1, restores)
        self.assertEqual(restores[0]["metadata"]["old_size"], new)
        self.assertEqual(restores[0]["metadata"]["new_size"], old)
        # The log goes on from the restored tree and signs again.
        self.record(s, 2)
        deadline = time.time() + 10
        while time.time() < deadline:
            r = c.get("/checkpoint")
            if r.status == 200 and int(r.text.split("\n")[1]) >= old + 3:
                break
            time.sleep(0.05)
        else:
            self.fail(f"no checkpoint past the restore: {r!r}")
        c.close()
        self.assertEqual(s.stop(), 0)
        self.assertEqual(kept_size(s.data), old + 3, "the kept checkpoint follows the accepted store")

        # A second --accept-restore finds nothing to accept; without the flag it starts.
        p = self.serve_once(s)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("no restore to accept", p.stderr)
        s.args.remove("--accept-restore")
        s.start()
        c = s.client()
        self.assertEqual(len(c.query_all("tag=trail:restore")), 1)
        c.close()

    @unittest.skipIf(ON_POSTGRES, "a new PostgreSQL node trusts the shared database (it has seen nothing)")
    def test_an_embedded_store_without_its_kept_checkpoint_is_refused_until_accepted(self):
        """The SQLite file moved to another data directory, or DATA/checkpoint deleted: the
        store holds signed checkpoints the node cannot compare with, so it must not sign on."""
        s = self.new_server()
        self.record(s, 3)
        self.assertEqual(s.stop(), 0)
        os.unlink(os.path.join(s.data, "checkpoint"))
        p = self.serve_once(s)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("no checkpoint is kept", p.stderr)
        self.assertIn("--accept-restore", p.stderr)
        s.args.append("--accept-restore")
        s.start()
        c = s.client()
        restores = c.query_all("tag=trail:restore")
        self.assertEqual([r["metadata"]["old_size"] for r in restores], [0], restores)
        c.close()
        self.assertEqual(s.stop(), 0)
        self.assertGreaterEqual(kept_size(s.data), 3)

    def test_a_node_pointed_at_an_empty_store_refuses_to_start(self):
        s = self.new_server()
        self.record(s, 4)
        self.assertEqual(s.stop(), 0)
        kept = kept_size(s.data)
        empty_store(s)
        p = self.serve_once(s)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn(f"kept size {kept}, store size 0", p.stderr)
        s.args.append("--accept-restore")
        s.start()
        self.assertIn("accepted a restored store", s.log_text())
        c = s.client()
        restores = c.query_all("tag=trail:restore")
        c.close()
        self.assertEqual([(e["metadata"]["old_size"], e["metadata"]["new_size"]) for e in restores], [(kept, 0)])
        self.assertFalse(os.path.exists(os.path.join(s.data, "checkpoint.tmp")))

    def test_a_damaged_kept_checkpoint_is_refused(self):
        s = self.new_server()
        self.record(s, 1)
        self.assertEqual(s.stop(), 0)
        with open(os.path.join(s.data, "checkpoint"), "a") as f:
            f.write("garbage\n")
        p = self.serve_once(s)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("checkpoint", p.stderr)


@unittest.skipUnless(ON_POSTGRES, "PostgreSQL: nodes sharing one database")
class NodesSeeCheckpoints(ServerTestCase):
    def test_a_node_keeps_what_the_sequencer_signs_and_refuses_a_rolled_back_database(self):
        a = self.new_server(name="node_a")
        b = self.new_server("--store", a.store_url, name="node_b", start=False)
        os.makedirs(b.data, exist_ok=True)
        shutil.copy2(os.path.join(a.data, "log.key"), os.path.join(b.data, "log.key"))
        b.start()
        a.stop()  # b becomes the sequencer; restart a as a follower that only sees
        snap_db = a.store_url.rsplit("/", 1)[1]
        a.start()
        c = a.client()
        for i in range(5):
            r = c.record(ev("project:create", f"project:n{i}", "alice"))
            self.assertEqual(r.status, 201, r)
            resolve_seqs(c, r.events)
        deadline = time.time() + 10
        while time.time() < deadline:
            if os.path.exists(os.path.join(a.data, "checkpoint")) and kept_size(a.data) >= 5:
                break
            time.sleep(0.1)
        self.assertGreaterEqual(kept_size(a.data), 5, "the node did not keep the checkpoints it saw")
        c.close()
        a.stop()
        b.stop()
        seen = kept_size(a.data)  # final now (it may have seen one more before stopping)
        PG.sql(f'DROP DATABASE "{snap_db}" WITH (FORCE)')
        PG.sql(f'CREATE DATABASE "{snap_db}"')
        p = run_cli(*a.command()[1:], timeout=30)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn(f"kept size {seen}, store size 0", p.stderr)


if __name__ == "__main__":
    unittest.main()

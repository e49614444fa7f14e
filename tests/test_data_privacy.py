# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""What the files on disk give away (SPEC §7, §8).

- A data directory that group or others may read or write is warned about at start, naming its
  mode and the fix (`chmod 700 DIR`).
- An SQLite file given with `--store sqlite:…` outside the data directory is created 0600, and
  so are its -wal and -shm files (SQLite gives them the database file's mode).
- After retention prunes every event of a user, the stopped SQLite file holds no byte of the
  user's name or address: not in a row, not in an index, not in a free page.
Runs on both stores where it can (TRAIL_TEST_STORE); the file checks need the SQLite file.
"""
import os
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, sqlite_only  # noqa: E402


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class DataDirectoryMode(ServerTestCase):
    def test_a_data_directory_others_may_read_is_warned_about(self):
        s = self.new_server(start=False)
        os.makedirs(s.data, exist_ok=True)
        os.chmod(s.data, 0o755)
        s.start()
        log = s.log_text()
        self.assertIn("0755", log)
        self.assertIn(f"chmod 700 {s.data}", log)

    def test_a_private_data_directory_is_not_warned_about(self):
        s = self.new_server(start=False)
        os.makedirs(s.data, exist_ok=True)
        os.chmod(s.data, 0o700)
        s.start()
        self.assertNotIn("chmod 700", s.log_text())
        for name in ("admin.key", "viewer.secret", "log.key"):
            self.assertEqual(mode(os.path.join(s.data, name)), 0o600, name)


@sqlite_only("the modes of the database file and its -wal and -shm files")
class SqliteFileMode(ServerTestCase):
    def test_a_database_outside_the_data_directory_is_created_0600(self):
        elsewhere = tempfile.mkdtemp(prefix="trail-elsewhere-")
        self.addCleanup(lambda: [os.unlink(os.path.join(elsewhere, f)) for f in os.listdir(elsewhere)]
                        and os.rmdir(elsewhere))
        os.chmod(elsewhere, 0o755)
        db = os.path.join(elsewhere, "x.db")
        old = os.umask(0o022)
        try:
            s = self.new_server("--store", f"sqlite:{db}")
        finally:
            os.umask(old)
        r = s.client().record([{"tag": "project:create", "subject": "project:p", "actor": "alice"}])
        self.assertEqual(r.status, 201, r)
        for path in (db, db + "-wal", db + "-shm"):
            self.assertTrue(os.path.exists(path), path)
            self.assertEqual(oct(mode(path)), oct(0o600), path)
        s.stop()
        self.assertEqual(oct(mode(db)), oct(0o600))

    def test_the_default_database_is_0600_too(self):
        s = self.new_server()
        self.assertEqual(oct(mode(os.path.join(s.data, "trail.db"))), oct(0o600))


@sqlite_only("greps the stopped SQLite file's bytes")
class PrunedDataLeavesTheFile(ServerTestCase):
    NAME = "zqalice7"
    IP = "198.51.100.77"
    N = int(os.environ.get("TRAIL_TEST_PRIVACY_EVENTS", "600"))

    def test_after_gc_the_file_holds_no_byte_of_the_pruned_user(self):
        # Small segments: the posting lists are sealed into the file, not only kept in memory.
        s = self.new_server("--segment-bits", "6")
        c = s.client()
        # Enough events to fill pages of their own, and a kept one of someone else on each side.
        batch = [{"tag": "account:login:success", "subject": f"user:{self.NAME}", "actor": self.NAME,
                  "ip": self.IP, "user_agent": f"agent-of-{self.NAME}",
                  "metadata": {"auth_method": f"password-{self.NAME}"}} for _ in range(self.N)]
        kept = {"tag": "project:create", "subject": "project:p", "actor": "bob", "ip": "192.0.2.1"}
        for chunk in range(0, len(batch), 100):
            r = c.record([kept] + batch[chunk:chunk + 100] + [kept])
            self.assertEqual(r.status, 201, r)
        r = c.post("/v1/admin/gc", {"as_of": "2099-01-01T00:00:00Z"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["pruned"], self.N, r)
        s.stop()
        for name in os.listdir(s.data):
            if not name.startswith("trail.db"):
                continue
            with open(os.path.join(s.data, name), "rb") as f:
                data = f.read()
            for needle in (self.NAME, self.IP):
                at = data.find(needle.encode())
                self.assertEqual(at, -1, f"{name} still holds {needle} at byte {at}")


if __name__ == "__main__":
    unittest.main()

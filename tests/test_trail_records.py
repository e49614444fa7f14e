# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""trail's own records are kept (SPEC §6 last bullet, §7).

trail records what its administrators do under trail:* tags. An admin must not be able to
erase that record: a redaction by the admin key's own actor, or of subject trail:redact, prunes
the matching events that are not trail:* and reports the trail:* ones it kept as `skipped`
(in the reply, in the trail:redact event and in `trail redact`'s output). Retention keeps
trail:* events forever unless `[retention]` names them: a catch-all "*" entry does not.
Runs on both stores (TRAIL_TEST_STORE).
"""
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, resolve_seqs  # noqa: E402


def q(value):
    return urllib.parse.quote(value, safe="")


class RedactionKeepsTrailRecords(ServerTestCase):
    def test_redacting_the_admins_own_actor_and_trail_redact_prunes_no_trail_record(self):
        s = self.new_server()
        c = s.client()
        keys = c.get("/v1/admin/keys").json["keys"]
        admin_id = next(k["id"] for k in keys if k["role"] == "admin")
        me = f"key:{admin_id}"
        # What the admin does is recorded with the admin's key as actor.
        c.new_key("writer", "w1")
        r = c.get("/v1/export?format=ndjson")
        self.assertEqual(r.status, 200, r)
        r = c.post("/v1/admin/gc", {"dry_run": True})
        self.assertEqual(r.status, 200, r)
        # Two ordinary events that name the same actor: those a redaction does prune.
        r = c.record([{"tag": "project:create", "subject": "project:p1", "actor": me},
                      {"tag": "project:create", "subject": "project:p2", "actor": me}])
        self.assertEqual(r.status, 201, r)
        resolve_seqs(c, r.events)
        before = c.query_all(f"actor={q(me)}")
        own = sorted(e["seq"] for e in before if e["tag"].startswith("trail:"))
        self.assertEqual({e["tag"] for e in before if e["tag"].startswith("trail:")},
                         {"trail:key:created", "trail:export", "trail:gc"}, before)

        r = c.post("/v1/admin/redact", {"actor": me})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"pruned": 2, "skipped": len(own)})

        after = c.query_all(f"actor={q(me)}&pruned=include")
        trail_after = [e for e in after if e["tag"].startswith("trail:") and e["tag"] != "trail:redact"]
        self.assertEqual(sorted(e["seq"] for e in trail_after), own, "a trail:* record went")
        for e in trail_after:
            self.assertFalse(e["pruned"], e)
            self.assertEqual(e["actor"], me)
        # The project:create events were pruned: gone from the actor's history.
        self.assertEqual([e for e in after if not e["tag"].startswith("trail:")], [])
        pruned = c.query_all("tag=project:create&pruned=include")
        self.assertEqual([e["pruned"] for e in pruned], [True, True])

        redactions = c.query_all("subject=trail:redact")
        self.assertEqual(len(redactions), 1, redactions)
        self.assertEqual(redactions[0]["metadata"],
                         {"pruned": 2, "skipped": len(own), "actor": me})

        # Wiping earlier redactions: nothing pruned, the one earlier trail:redact skipped.
        r = c.post("/v1/admin/redact", {"subject": "trail:redact"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"pruned": 0, "skipped": 1})
        redactions = c.query_all("subject=trail:redact&pruned=include")
        self.assertEqual(len(redactions), 2, redactions)
        self.assertTrue(all(not e["pruned"] for e in redactions), redactions)
        self.assertEqual(redactions[0]["metadata"], {"pruned": 0, "skipped": 1, "subject": "trail:redact"})

        # The command line says the same.
        p = s.cli("redact", "--subject", "trail:redact")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('"skipped":2', p.stdout)
        self.assertIn('"pruned":0', p.stdout)
        self.assertEqual(len(c.query_all("subject=trail:redact")), 3)

    def test_bad_redactions_change_nothing(self):
        s = self.new_server()
        c = s.client()
        before = c.query_all("pruned=include")
        for body in ({"subject": "trail:redact", "actor": "x"}, {}, {"subject": "nokind"},
                     {"actor": ""}, {"actor": 3}):
            r = c.post("/v1/admin/redact", body)
            self.assertEqual(r.status, 400, (body, r))
        self.assertEqual(c.query_all("pruned=include"), before)


class RetentionKeepsTrailRecords(ServerTestCase):
    def run_gc_with(self, entries):
        s = self.new_server(start=False)
        cfg = os.path.join(s.workdir, "trail.toml")
        with open(cfg, "w") as f:
            f.write("[retention]\n" + "".join(f'"{k}" = "{v}"\n' for k, v in entries.items()))
        s.use_config = cfg
        s.start()
        c = s.client()
        c.new_key("auditor", "a1")
        r = c.record({"tag": "project:create", "subject": "project:p1", "actor": "alice"})
        self.assertEqual(r.status, 201, r)
        resolve_seqs(c, r.events)
        r = c.post("/v1/admin/gc", {"as_of": "2099-01-01T00:00:00Z"})
        self.assertEqual(r.status, 200, r)
        return c, r.json

    def test_a_catch_all_entry_does_not_reach_trail_records(self):
        c, gc = self.run_gc_with({"*": "1d"})
        self.assertEqual(gc["pruned"], 1, gc)  # project:create, retention "forever" in events.toml
        kept = [e for e in c.query_all("tag=trail:*&pruned=include")]
        self.assertEqual({e["tag"] for e in kept}, {"trail:key:created", "trail:gc"})
        self.assertTrue(all(not e["pruned"] for e in kept), kept)

    def test_an_entry_naming_trail_records_prunes_them(self):
        c, gc = self.run_gc_with({"trail:key:*": "1d"})
        self.assertEqual(gc["pruned"], 2, gc)  # the admin key's and the auditor key's creation
        self.assertEqual(c.query_all("tag=trail:key:*"), [])
        self.assertEqual(len(c.query_all("tag=project:create")), 1)

    def test_a_bad_entry_is_refused_at_start(self):
        s = self.new_server(start=False)
        cfg = os.path.join(s.workdir, "trail.toml")
        with open(cfg, "w") as f:
            f.write('[retention]\n"trail:*" = "soon"\n')
        s.use_config = cfg
        with self.assertRaises(RuntimeError) as e:
            s.start()
        self.assertIn('retention."trail:*"', str(e.exception))


if __name__ == "__main__":
    unittest.main()

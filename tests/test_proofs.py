# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Inclusion and consistency proofs for every reader (SPEC §5): a viewer token may fetch the
inclusion proof of any event it may see, and it verifies (RFC 9162) against the signed
checkpoint; everywhere else `GET /v1/events/{id}/proof` answers exactly what
`GET /v1/events/{id}` answers (404 for events the viewer may not see, pruned ones included; 403
for a writer key; 401 without a valid credential). `GET /v1/proof/consistency` is open to
viewers too: it tells nothing of any event.
"""
import base64
import hashlib
import json
import os
import subprocess
import tempfile
import time
import unittest

from harness import Server, resolve_seqs, run_cli

UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"


# --- RFC 9162 and C2SP signed notes, written here from the RFCs (not trail's code) ---

def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 §2.1.4.2 (0 < first <= second)."""
    if first == 0 or first > second:
        return False
    if first == second:
        return not proof and first_hash == second_hash
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


def signed_checkpoint(note, vkey):
    """(size, root) of a C2SP checkpoint whose Ed25519 signature by `vkey` verifies (openssl),
    else None."""
    name, key_id, key_b64 = vkey.split("+", 2)
    raw = base64.b64decode(key_b64)
    body, sep, sigs = note.partition("\n\n")
    if not sep or raw[0] != 1 or len(raw) != 33:
        return None
    body += "\n"
    for line in sigs.splitlines():
        if not line.startswith("\u2014 " + name + " "):
            continue
        blob = base64.b64decode(line.rsplit(" ", 1)[1])
        if blob[:4].hex() != key_id:
            continue
        with tempfile.TemporaryDirectory() as d:
            pub, msg, sig = (os.path.join(d, n) for n in ("pub.der", "msg", "sig"))
            with open(pub, "wb") as f:
                f.write(bytes.fromhex("302a300506032b6570032100") + raw[1:])
            with open(msg, "wb") as f:
                f.write(body.encode())
            with open(sig, "wb") as f:
                f.write(blob[4:])
            r = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", pub,
                                "-rawin", "-in", msg, "-sigfile", sig], capture_output=True)
        if r.returncode == 0:
            lines = body.split("\n")
            return int(lines[1]), base64.b64decode(lines[2])
    return None


from harness import b64url, viewer_token  # noqa: E402,F401


class ProofsForReaders(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(name="proofs")
        cls.srv.start()
        try:
            cls.prepare()
        except BaseException:
            cls.srv.cleanup(keep=True)
            raise

    @classmethod
    def prepare(cls):
        srv = cls.srv
        cls.admin = srv.client()
        cls.auditor_key = cls.admin.new_key("auditor")["key"]
        cls.writer_key = cls.admin.new_key("writer")["key"]
        with open(os.path.join(srv.data, "viewer.secret"), "rb") as f:
            secret = f.read().strip()
        exp = int(time.time()) + 3600
        roles = {"project:p1": ["owner"], "project:p3": ["maintainer"]}
        cls.tokens = {
            "vera": viewer_token(secret, {"sub": "vera", "exp": exp, "roles": roles}),
            "admin viewer": viewer_token(secret, {"sub": "root", "exp": exp, "admin": True}),
            "stranger": viewer_token(secret, {"sub": "sam", "exp": exp}),
            "auditor": cls.auditor_key,
            "writer": cls.writer_key,
            "expired": viewer_token(secret, {"sub": "vera", "exp": int(time.time()) - 60, "roles": roles}),
        }
        cls.clients = {}
        cls.anonymous = srv.client(token=None)
        cls.vkey = run_cli("keys", "verifier", "--data", srv.data).stdout.strip().splitlines()[-1]

        events = {
            "own project": {"tag": "project:create", "subject": "project:p1", "actor": "vera"},
            "project without a role": {"tag": "project:create", "subject": "project:p2", "actor": "bob"},
            "own history": {"tag": "account:note", "subject": "user:vera", "metadata": {"text": "hi"}},
            "someone else's history": {"tag": "account:note", "subject": "user:bob", "metadata": {"text": "hi"}},
            "admins only": {"tag": "test:all_types", "subject": "thing:x",
                            "metadata": {"s": "", "i": 1, "b": True, "n": 1, "o": {}, "a": [], "x": 1}},
            "pruned": {"tag": "project:create", "subject": "project:p3", "actor": "vera"},
        }
        r = cls.admin.record(list(events.values()))
        assert r.status == 201, r
        acks = r.json["events"]
        resolve_seqs(cls.admin, acks)
        cls.ids = {name: a["id"] for name, a in zip(events, acks)}
        cls.first = cls.wait_checkpoint(max(a["seq"] for a in acks) + 1)

        # Redaction prunes the event of project:p3 (SPEC §7): its payload goes, its leaf stays.
        r = cls.admin.post("/v1/admin/redact", {"subject": "project:p3"})
        assert r.status == 200 and r.json["pruned"] == 1, r
        r = cls.admin.record([{"tag": "project:create", "subject": "project:p1", "actor": "vera"}
                              for _ in range(5)])
        assert r.status == 201, r
        acks = r.json["events"]
        resolve_seqs(cls.admin, acks)
        cls.ids["later in own project"] = acks[-1]["id"]
        cls.latest = cls.wait_checkpoint(max(a["seq"] for a in acks) + 1)
        cls.ids["no such event"] = UNKNOWN_ID
        cls.ids["not an id"] = "not-a-uuid"

    @classmethod
    def tearDownClass(cls):
        for c in [cls.admin, cls.anonymous, *cls.clients.values()]:
            c.close()
        cls.srv.cleanup()

    @classmethod
    def wait_checkpoint(cls, size, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = cls.anonymous.get("/checkpoint")
            if r.status == 200:
                cp = signed_checkpoint(r.text, cls.vkey)
                assert cp is not None, f"GET /checkpoint does not verify with {cls.vkey}: {r.text!r}"
                if cp[0] >= size:
                    return cp
            time.sleep(0.05)
        raise AssertionError(f"no checkpoint of size {size} within {timeout} s")

    def get(self, who, path):
        if who not in self.clients:
            self.clients[who] = self.srv.client(token=self.tokens[who])
        return self.clients[who].get(path)

    def check_proof(self, who, event, reply, kept=None):
        """The inclusion proof of `event` (as `who` read it) verifies against a signed
        checkpoint: the one it comes with (the latest), or `kept`, one the reader saw before
        (the reply may then carry none: trail archives only some old checkpoints)."""
        p = reply.json
        self.assertEqual(p["leaf_hash"], event["leaf_hash"], f"{who}: the proof is of the event read")
        self.assertEqual(p["seq"], event["seq"])
        cp = signed_checkpoint(p["checkpoint"], self.vkey) if p["checkpoint"] is not None else None
        if kept is None or p["checkpoint"] is not None:
            self.assertIsNotNone(cp, f"{who}: the proof's checkpoint must verify: {p['checkpoint']!r}")
        if kept is not None:
            self.assertTrue(cp is None or cp == kept, f"{who}: {cp} is not the kept checkpoint {kept}")
            cp = kept
        size, root = cp
        self.assertEqual(size, p["tree_size"])
        proof = [base64.b64decode(x) for x in p["proof"]]
        leaf = base64.b64decode(event["leaf_hash"])
        self.assertTrue(verify_inclusion(event["seq"], size, leaf, proof, root),
                        f"{who}: RFC 9162 inclusion of seq {event['seq']} in {size} fails: {p}")
        # A proof that verifies anything proves nothing: a wrong leaf must not verify.
        self.assertFalse(verify_inclusion(event["seq"], size, hashlib.sha256(leaf).digest(), proof, root))

    # SPEC §6 with §5: what each reader gets for each event, from the event read and from its
    # proof alike.
    EXPECTED = {
        "vera": {"own project": 200, "project without a role": 404, "own history": 200,
                 "someone else's history": 404, "admins only": 404, "pruned": 404,
                 "later in own project": 200, "no such event": 404, "not an id": 404},
        "admin viewer": {"own project": 200, "project without a role": 200, "own history": 200,
                         "someone else's history": 200, "admins only": 200, "pruned": 200,
                         "later in own project": 200, "no such event": 404, "not an id": 404},
        "stranger": {"own project": 404, "project without a role": 404, "own history": 404,
                     "someone else's history": 404, "admins only": 404, "pruned": 404,
                     "later in own project": 404, "no such event": 404, "not an id": 404},
        "auditor": {"own project": 200, "project without a role": 200, "own history": 200,
                    "someone else's history": 200, "admins only": 200, "pruned": 200,
                    "later in own project": 200, "no such event": 404, "not an id": 404},
        "writer": {name: 403 for name in ("own project", "project without a role", "own history",
                                          "someone else's history", "admins only", "pruned",
                                          "later in own project", "no such event", "not an id")},
        "expired": {name: 401 for name in ("own project", "pruned", "no such event")},
    }

    def test_the_proof_answers_exactly_what_the_event_read_answers(self):
        for who, expected in self.EXPECTED.items():
            for name, status in expected.items():
                with self.subTest(who=who, event=name):
                    eid = self.ids[name]
                    read = self.get(who, f"/v1/events/{eid}")
                    proof = self.get(who, f"/v1/events/{eid}/proof")
                    self.assertEqual(read.status, status, f"GET /v1/events/{{id}} as {who}: {read!r}")
                    self.assertEqual(proof.status, read.status,
                                     f"the proof as {who} must answer what the event read answers: {proof!r}")
                    if status != 200:
                        self.assertEqual(proof.json["error"]["code"], read.json["error"]["code"])
                        # Nothing about the event leaks through the refusal.
                        self.assertNotIn("leaf_hash", proof.text)
                        self.assertNotIn("seq", proof.json["error"].get("message", ""))
                    else:
                        self.check_proof(who, read.json, proof)

    def test_a_viewer_proves_what_it_was_shown(self):
        read = self.get("vera", f"/v1/events/{self.ids['own project']}")
        self.assertEqual(read.status, 200, read)
        self.assertEqual(read.json["ip"], None)  # recorded without one; the proof needs none
        proof = self.get("vera", f"/v1/events/{self.ids['own project']}/proof")
        self.assertEqual(proof.status, 200, proof)
        self.check_proof("vera", read.json, proof)
        self.assertEqual(proof.json["tree_size"], self.latest[0])
        # Against an older checkpoint too, the one the viewer may have kept.
        older = self.get("vera", f"/v1/events/{self.ids['own project']}/proof?tree_size={self.first[0]}")
        self.assertEqual(older.status, 200, older)
        self.check_proof("vera", read.json, older, kept=self.first)
        # A bad tree_size is the viewer's own mistake about an event it may see: 400.
        bad = self.get("vera", f"/v1/events/{self.ids['own project']}/proof?tree_size={self.latest[0] + 1000}")
        self.assertEqual(bad.status, 400, bad)

    def test_a_bad_tree_size_does_not_reveal_an_event_the_viewer_may_not_see(self):
        for name in ("project without a role", "pruned", "admins only"):
            for q in ("?tree_size=1", "?tree_size=999999999", "?tree_size=x", "?colour=red"):
                with self.subTest(event=name, query=q):
                    r = self.get("vera", f"/v1/events/{self.ids[name]}/proof{q}")
                    self.assertEqual(r.status, 404, r)
        r = self.get("writer", f"/v1/events/{self.ids['own project']}/proof?tree_size=x")
        self.assertEqual(r.status, 403, r)

    def test_an_admin_viewer_proves_a_pruned_event_by_its_kept_leaf(self):
        read = self.get("admin viewer", f"/v1/events/{self.ids['pruned']}")
        self.assertEqual(read.status, 200, read)
        self.assertTrue(read.json["pruned"])
        proof = self.get("admin viewer", f"/v1/events/{self.ids['pruned']}/proof")
        self.assertEqual(proof.status, 200, proof)
        self.check_proof("admin viewer", read.json, proof)

    def test_viewers_get_consistency_proofs_and_writers_do_not(self):
        (a, root_a), (b, root_b) = self.first, self.latest
        self.assertLess(a, b)
        for who in ("vera", "stranger", "admin viewer", "auditor"):
            with self.subTest(who=who):
                r = self.get(who, f"/v1/proof/consistency?from={a}&to={b}")
                self.assertEqual(r.status, 200, r)
                self.assertEqual((r.json["from"], r.json["to"]), (a, b))
                proof = [base64.b64decode(x) for x in r.json["proof"]]
                self.assertTrue(verify_consistency(a, b, root_a, root_b, proof), r.json)
                self.assertFalse(verify_consistency(a, b, hashlib.sha256(root_a).digest(), root_b, proof))
        r = self.get("writer", f"/v1/proof/consistency?from={a}&to={b}")
        self.assertEqual(r.status, 403, r)
        r = self.get("expired", f"/v1/proof/consistency?from={a}&to={b}")
        self.assertEqual(r.status, 401, r)
        r = self.anonymous.get(f"/v1/proof/consistency?from={a}&to={b}")
        self.assertEqual(r.status, 401, r)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Viewer figures (SPEC §6) on the cached 10M-event store (bench/.cache, built by `make bench`):
subject history for a viewer token (JWT check included) against the same query with an admin
key, p50/p99 over HTTP, interleaved; and a viewer who sees ~0.1 % of the log paging through
all of it, with the rows the store examined (trail_query_rows_examined_total).
Usage: bench/viewer_bench.py [STORE.db]   (stdlib only; prints one JSON line per figure)"""
import glob, http.client, json, os, random, re, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import harness  # noqa: E402  tests/harness.py: `trail serve` on a free port; viewer_token
from harness import viewer_token as token  # noqa: E402


def main():
    db = sys.argv[1] if len(sys.argv) > 1 else sorted(glob.glob(os.path.join(ROOT, "bench/.cache/store-*.db")))[-1]
    data = tempfile.mkdtemp(prefix="trail-viewer-bench-")
    conf = os.path.join(data, "trail.toml")
    open(conf, "w").write('[retention]\ninterval = "3650d"\n')
    srv = harness.Server("--config", conf, "--store", "sqlite:" + db, events=harness.WAREHOUSE_EVENTS, data=data)
    try:
        srv.start(timeout=120)  # opening a 10M-event store
        key = srv.admin_key
        secret = open(os.path.join(data, "viewer.secret"), "rb").read().strip()
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)

        def get(path, cred):
            t = time.perf_counter()
            conn.request("GET", path, headers={"Authorization": "Bearer " + cred})
            r = conn.getresponse(); body = r.read()
            return time.perf_counter() - t, r.status, body

        rng = random.Random(7)
        exp = int(time.time()) + 3600
        admin, viewer = [], []
        for i in range(1500):
            subj = f"project:p{rng.randrange(50000)}"
            tok = token(secret, {"sub": f"u{i}", "exp": exp, "roles": {subj: ["owner"]}})
            for who, cred, out in ((0, key, admin), (1, tok, viewer)) if i % 2 else ((1, tok, viewer), (0, key, admin)):
                dt, st, _ = get(f"/v1/events?subject={subj}&limit=50", cred)
                assert st == 200, st
                if i >= 100:
                    out.append(dt)
        pct = lambda v, q: sorted(v)[int(q * (len(v) - 1))] * 1e3
        res = {"figure": "subject history p50/p99 ms, admin key vs viewer token (JWT checked)",
               "admin_p50": round(pct(admin, .5), 3), "admin_p99": round(pct(admin, .99), 3),
               "viewer_p50": round(pct(viewer, .5), 3), "viewer_p99": round(pct(viewer, .99), 3),
               "p99_ratio": round(pct(viewer, .99) / pct(admin, .99), 3), "queries_each": len(admin)}
        print(json.dumps(res), flush=True)

        # Integrity: an inclusion proof over HTTP on the 10M-event log, against its checkpoint.
        ids = []
        for i in range(300):
            _, _, body = get(f"/v1/events?subject=project:p{rng.randrange(50000)}&limit=1&order=asc", key)
            ids += [e["id"] for e in json.loads(body)["events"]]
        proof = []
        for _ in range(3):
            for i in ids:
                dt, st, _ = get(f"/v1/events/{i}/proof", key)
                assert st == 200, st
                proof.append(dt)
        print(json.dumps({"figure": "inclusion proof over HTTP on the 10M log, p50/p99 ms",
                          "p50": round(pct(proof, .5), 3), "p99": round(pct(proof, .99), 3), "proofs": len(proof)}),
              flush=True)

        # A viewer with owner roles on 100 of 50,000 projects: ~0.1 % of the log.
        roles = {f"project:p{n}": ["owner"] for n in rng.sample(range(50000), 100)}
        tok = token(secret, {"sub": "someone", "exp": exp, "roles": roles})

        def examined():
            _, _, body = get("/metrics", key)
            return int(float(re.search(rb"^trail_query_rows_examined_total (\S+)", body, re.M).group(1)))

        before, rows, pages, cursor, t0 = examined(), 0, 0, None, time.perf_counter()
        while True:
            path = "/v1/events?limit=1000" + (f"&cursor={cursor}" if cursor else "")
            _, st, body = get(path, tok)
            j = json.loads(body); rows += len(j["events"]); pages += 1; cursor = j["next_cursor"]
            if not cursor:
                break
        took = time.perf_counter() - t0
        ex = examined() - before
        print(json.dumps({"figure": "viewer seeing ~0.1% pages through all of it", "log_events": 10_000_000,
                          "visible_rows": rows, "pages": pages, "rows_examined": ex,
                          "examined_per_returned": round(ex / max(rows, 1), 3), "seconds": round(took, 3)}), flush=True)
    finally:
        srv.cleanup()  # stops it and removes its data directory (not the store)


if __name__ == "__main__":
    main()

# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""The report of a run: the figures (value, target, baseline, ratio, met) built from the
sections' raw results, as JSON rows for bench/results.json and as the table printed on stdout."""

import time

from lib.config import EVENTS, REPS, RESULTS, SECONDS


def fmt_rate(v):
    return f"{v:,.0f} ev/s"


def build_figures(r):
    """The table: (label, value text, target text, baseline text, ratio text, met) + JSON rows."""
    rows, figs = [], []
    get = lambda sec, k: (r.get(sec) or {}).get(k)

    def add(fid, label, value, unit, vtext, target=None, ttext="", base_id=None, base=None, btext="",
            ratio_target=None, value_target_kind=">="):
        ratio = value / base if (value is not None and base) else None
        met = None
        checks = []
        if target is not None and value is not None:
            checks.append(value >= target if value_target_kind == ">=" else value <= target)
        if ratio_target is not None and ratio is not None:
            checks.append(ratio >= ratio_target)
        if checks:
            met = all(checks)
        rtext = ""
        if ratio is not None:
            rtext = f"{ratio:.2f}x" + (f" (>= {ratio_target:g}x)" if ratio_target else "")
        rows.append((label, vtext, ttext, btext, rtext, "" if met is None else ("yes" if met else "NO")))
        figs.append({"id": fid, "label": label, "value": value, "unit": unit, "target": target,
                     "target_kind": value_target_kind if target is not None else None,
                     "baseline": base_id, "baseline_value": base, "ratio": ratio, "ratio_target": ratio_target,
                     "met": met})

    s = r.get("sqlite", {})
    a = get("sqlite", "sqlite_indexed_batch") or {}
    b = get("sqlite", "sqlite_indexed_single") or {}
    c = get("sqlite", "sqlite_noindex_batch") or {}
    av, bv, cv = a.get("events_per_s"), b.get("events_per_s"), c.get("events_per_s")
    if s:
        add("sqlite_c", "(c) raw SQLite, no secondary index, 1000 rows/txn", cv, "events/s",
            fmt_rate(cv) if cv else "-", ttext="baseline")
        add("sqlite_a", f"(a) raw SQLite, 3 B-tree idx, 1000 rows/txn, {a.get('prefill_rows', 0) / 1e6:g}M pre-filled",
            av, "events/s", fmt_rate(av) if av else "-", ttext="baseline")
        add("sqlite_b", "(b) raw SQLite, 3 B-tree idx, 1 txn per event", bv, "events/s",
            fmt_rate(bv) if bv else "-", ttext="baseline")

    st = r.get("store", {})
    if st:
        sy = st.get("store_append_sync", {}).get("events_per_s")
        asy = st.get("store_append_async", {})
        add("store_sync", "trail in process: AppendSync, batches of 1000", sy, "events/s", fmt_rate(sy),
            base_id="sqlite_a", base=av, btext=f"(a) {fmt_rate(av)}" if av else "")
        ss = st.get("store_append_sync", {})
        add("store_sync_latency", "  AppendSync batch latency p50 / p99 / max", ss.get("batch_p99_ms"), "ms",
            f"{ss.get('batch_p50_ms', 0):.1f} / {ss.get('batch_p99_ms', 0):.1f} / {ss.get('batch_max_ms', 0):.1f} ms")
        add("store_async", f"trail in process: Append, {asy.get('inflight', 16)} batches in flight",
            asy.get("events_per_s"), "events/s", fmt_rate(asy.get("events_per_s", 0)),
            base_id="sqlite_c", base=cv, btext=f"(c) {fmt_rate(cv)}" if cv else "")

    h = r.get("http", {})
    if h:
        hb, hs = h["http_batch"], h["http_single"]
        def issues(x):
            t = [f"{x[k]} {k}" for k in ("errors", "throttled") if x.get(k)]
            return (" (" + ", ".join(t) + ")") if t else ""
        add("http_batch", "HTTP: NDJSON 1000 events/request, 4 connections", hb["events_per_s"], "events/s",
            fmt_rate(hb["events_per_s"]) + issues(hb), target=200000, ttext=">= 200,000", base_id="sqlite_a", base=av,
            btext=f"(a) {fmt_rate(av)}" if av else "", ratio_target=4)
        add("http_batch_vs_c", "  the same, against the storage ceiling", hb["events_per_s"], "events/s", "",
            base_id="sqlite_c", base=cv, btext=f"(c) {fmt_rate(cv)}" if cv else "", ratio_target=0.6)
        add("http_batch_ack_p50", "  ack latency p50", hb["p50_ms"], "ms", f"{hb['p50_ms']:.2f} ms")
        add("http_batch_ack_p99", "  ack latency p99", hb["p99_ms"], "ms", f"{hb['p99_ms']:.2f} ms")
        add("http_batch_cpu", "  CPU cores: server (its busiest thread) / load generator", hb["server_cpu_cores"],
            "cores", f"{hb['server_cpu_cores']:.2f} ({hb['busiest_thread_cores']:.2f}) / {hb['client_cpu_cores']:.2f}")
        add("http_single", "HTTP: single-event requests, 64 connections", hs["events_per_s"], "events/s",
            fmt_rate(hs["events_per_s"]) + issues(hs), target=30000, ttext=">= 30,000", base_id="sqlite_b", base=bv,
            btext=f"(b) {fmt_rate(bv)}" if bv else "", ratio_target=15)
        add("http_single_ack_p50", "  ack latency p50", hs["p50_ms"], "ms", f"{hs['p50_ms']:.2f} ms")
        add("http_single_ack_p99", "  ack latency p99", hs["p99_ms"], "ms", f"{hs['p99_ms']:.2f} ms")
        add("http_single_cpu", "  CPU cores: server (its busiest thread) / load generator", hs["server_cpu_cores"],
            "cores", f"{hs['server_cpu_cores']:.2f} ({hs['busiest_thread_cores']:.2f}) / {hs['client_cpu_cores']:.2f}")
        rss = h["http_rss"]["max_rss_bytes"] / 2**20
        add("http_rss", "server RSS, max during sustained ingest (0.5 s samples)", rss, "MiB", f"{rss:.1f} MiB",
            target=200, ttext="<= 200 MiB", value_target_kind="<=")
        d = h["http_disk"]
        ia = get("sqlite", "sqlite_indexed_size") or {}
        add("http_bytes_per_event", f"bytes on disk per event (data dir / {d['events']:,} events)",
            d["bytes_per_event"], "bytes", f"{d['bytes_per_event']:.0f} B", base_id="sqlite_a_bytes",
            base=ia.get("bytes_per_row"),
            btext=(f"(a) {ia['bytes_per_row']:.0f} B, (c) {c.get('bytes_per_row', 0):.0f} B" if ia else ""))

    q = r.get("query", {})
    if q:
        n = q["query_store"]["events"]
        names = [("subject", "subject history, newest 50"), ("actor", "actor history, newest 50"),
                 ("tag_prefix", "tag prefix tag=project:*"), ("search", "search q=tag:account:login:*"),
                 ("subject_tag_time", "subject + tag + 90-day window"),
                 ("proof", "inclusion proof of a random event")]
        for where, limit in (("inproc", 2.0), ("http", 5.0)):
            w = "in process" if where == "inproc" else "over HTTP"
            for k, label in names:
                f = q.get(f"query_{where}_{k}")
                if not f:
                    continue
                lim = 1.0 if k == "proof" else limit
                add(f"query_{where}_{k}", f"query {w} ({n / 1e6:g}M): {label}, p50 / p99",
                    f["p99_ms"], "ms", f"{f['p50_ms']:.3f} / {f['p99_ms']:.3f} ms", target=lim,
                    ttext=f"p99 <= {lim:g} ms", value_target_kind="<=")
    gcr = r.get("gc", {})
    if gcr:
        add("gc_ingest", f"single events, 64 conns, during a GC of {gcr['gc_pruned']:,} events",
            gcr["ingest_during_gc"], "events/s", fmt_rate(gcr["ingest_during_gc"]), base_id="gc_no_gc",
            base=gcr["ingest_without_gc"], btext=f"no GC: {fmt_rate(gcr['ingest_without_gc'])}", ratio_target=0.7)
        add("gc_p99", "  ack p99 during GC (median of 4 s rounds)", gcr["p99_during_ms_median"], "ms",
            f"{gcr['p99_during_ms_median']:.1f} ms (max {gcr['p99_during_ms_max']:.1f})",
            target=3 * gcr["p99_without_ms"], ttext=f"<= 3x {gcr['p99_without_ms']:.1f} ms", value_target_kind="<=")
        add("gc_rate", "  events pruned per second, under that load", gcr["gc_pruned_per_s"], "events/s",
            fmt_rate(gcr["gc_pruned_per_s"]), target=200000, ttext=">= 200,000")
        add("gc_rate_alone", f"  events pruned per second, no load ({gcr['alone_pruned']:,} events)",
            gcr["alone_pruned_per_s"], "events/s", fmt_rate(gcr["alone_pruned_per_s"]), target=200000, ttext=">= 200,000")
        add("gc_disk", "  data dir: filled -> after both GCs -> server stopped (incl. events ingested meanwhile)",
            gcr["disk_stopped_mb"], "MB",
            f"{gcr['disk_filled_mb']:,.0f} -> {gcr['disk_after_mb']:,.0f} -> {gcr['disk_stopped_mb']:,.0f} MB "
            f"(+{gcr['events_ingested_during_gc']:,} ev; {gcr['disk_stopped_mb'] * 2**20 / gcr['events_total']:.0f} B/event)")
        add("gc_scrub", "  personal data scrubbed per second, alone", gcr["scrubbed_per_s_alone"], "events/s",
            fmt_rate(gcr["scrubbed_per_s_alone"]))
    g = r.get("integrity", {})
    if g:
        ir = g.get("store_integrity_ratio")
        if ir:
            add("integrity_ingest", "in process: Append x16, tree + signed checkpoints on",
                ir["with_events_per_s"], "events/s", fmt_rate(ir["with_events_per_s"]), base_id="integrity_off",
                base=ir["without_events_per_s"], btext=f"off: {fmt_rate(ir['without_events_per_s'])}", ratio_target=0.9)
        vd = g.get("verify_data")
        if vd:
            add("verify_data", f"trail verify --data ({vd['events'] / 1e6:g}M events)", vd["events_per_s"], "events/s",
                fmt_rate(vd["events_per_s"]), target=1000000, ttext=">= 1,000,000")
    lf = r.get("leaf", {})
    for key, label in (("leaf_store", "in process: pipelined Append"), ("leaf_http", "HTTP NDJSON 1000/request")):
        x = lf.get(key)
        if x:
            add(key, f"leaf format 2, {label} (pair ratio {x['median_pair_ratio']:.3f})",
                x["format2_events_per_s"], "events/s", fmt_rate(x["format2_events_per_s"]), base_id=key + "_f1",
                base=x["format1_events_per_s"], btext=f"format 1: {fmt_rate(x['format1_events_per_s'])}",
                ratio_target=0.95)
    pg = r.get("postgres", {})
    if pg.get("skipped"):
        add("pg_skipped", f"PostgreSQL: skipped, {pg['skipped']}", None, "", "-")
    elif pg:
        cp, i1, i64 = pg["pg_copy_batch"], pg["pg_insert_single"], pg["pg_insert_single_64"]
        b1, b2, s1, s2 = pg["pg_one_batch"], pg["pg_two_batch"], pg["pg_one_single"], pg["pg_two_single"]
        cpv, i1v = cp["events_per_s"], i1["events_per_s"]
        ver = pg.get("pg_version", {}).get("version", "?").split()[0]
        pg_issues = lambda x: "".join(f", {x[k]} {k}" for k in ("errors", "throttled") if x.get(k))
        pg_cpu = lambda x: f"{x['server_cpu_cores']:.2f} / {x['pg_cpu_cores']:.2f} / {x['client_cpu_cores']:.2f}"
        add("pg_copy", f"(pg) PostgreSQL {ver}, fsync on: COPY, same indexes, 1000 rows/txn", cpv, "events/s",
            fmt_rate(cpv), ttext="baseline")
        add("pg_insert", "(pg) PostgreSQL: 1 INSERT txn per event, 1 connection", i1v, "events/s", fmt_rate(i1v),
            ttext="baseline")
        add("pg_insert_64", "(pg) PostgreSQL: 1 INSERT txn per event, 64 connections", i64["events_per_s"],
            "events/s", fmt_rate(i64["events_per_s"]), base_id="pg_insert", base=i1v, btext=f"1 conn: {fmt_rate(i1v)}")
        add("pg_one_batch", "PostgreSQL, one node: NDJSON 1000/request, 4 connections", b1["events_per_s"], "events/s",
            fmt_rate(b1["events_per_s"]) + pg_issues(b1), base_id="pg_copy", base=cpv, btext=f"COPY {fmt_rate(cpv)}",
            ratio_target=0.7)
        add("pg_one_batch_cpu", "  CPU cores: trail / postgres / load generator", b1["server_cpu_cores"], "cores",
            pg_cpu(b1))
        add("pg_two_batch", "PostgreSQL, two nodes: the same load, 2 connections each", b2["events_per_s"], "events/s",
            fmt_rate(b2["events_per_s"]) + pg_issues(b2), base_id="pg_one_batch", base=b1["events_per_s"],
            btext=f"one node {fmt_rate(b1['events_per_s'])}", ratio_target=1.3)
        add("pg_two_batch_cpu", "  CPU cores: trail (both) / postgres / load generator", b2["server_cpu_cores"],
            "cores", pg_cpu(b2))
        add("pg_one_single", "PostgreSQL, one node: single events, 64 connections", s1["events_per_s"], "events/s",
            fmt_rate(s1["events_per_s"]) + pg_issues(s1), base_id="pg_insert", base=i1v,
            btext=f"1 txn/event {fmt_rate(i1v)}", ratio_target=10)
        add("pg_one_single_ack", "  ack latency p50 / p99", s1["p99_ms"], "ms",
            f"{s1['p50_ms']:.2f} / {s1['p99_ms']:.2f} ms")
        add("pg_one_single_cpu", "  CPU cores: trail / postgres / load generator", s1["server_cpu_cores"], "cores",
            pg_cpu(s1))
        add("pg_two_single", "PostgreSQL, two nodes: single events, 32 connections each", s2["events_per_s"],
            "events/s", fmt_rate(s2["events_per_s"]) + pg_issues(s2), base_id="pg_insert", base=i1v,
            btext=f"1 txn/event {fmt_rate(i1v)}", ratio_target=10)
        add("pg_two_single_cpu", "  CPU cores: trail (both) / postgres / load generator", s2["server_cpu_cores"],
            "cores", pg_cpu(s2))
        for fid, label, x in (("pg_one_single_delay", "integration delay p99, single events, one node", s1),
                              ("pg_two_single_delay", "integration delay p99, single events, two nodes", s2)):
            d = x["delay"]
            add(fid, label, d["p99_ms"], "ms",
                f"{d['p99_ms']:.1f} ms (p50 {d['p50_ms']:.1f}, max {d['max_ms']:.1f})", target=1000,
                ttext="<= 1000 ms", value_target_kind="<=")
        for fid, label, x in (("pg_one_batch_delay", "  integration delay p50 / p99 / max, batched, one node", b1),
                              ("pg_two_batch_delay", "  integration delay p50 / p99 / max, batched, two nodes", b2)):
            d = x["delay"]
            add(fid, label, d["p99_ms"], "ms", f"{d['p50_ms']:.1f} / {d['p99_ms']:.1f} / {d['max_ms']:.1f} ms")
    return rows, figs


def print_table(rows, machine, r):
    print()
    print("trail benchmarks — " + time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
    if machine:
        print(f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['ram_bytes'] / 2**30:.1f} GiB RAM, "
              f"kernel {machine['kernel']}, {machine['fs']}, SQLite {machine['sqlite']}")
        fs0, fs1 = machine["fsync_4k_at_start"], machine["fsync_4k_at_end"]
        print(f"conditions: load average {machine['loadavg_at_start']:.2f} at start, {machine['loadavg_at_end']:.2f} at end; "
              f"append 4 KiB + fsync p50/p99 {fs0['p50_ms']:.2f}/{fs0['p99_ms']:.2f} ms at start, "
              f"{fs1['p50_ms']:.2f}/{fs1['p99_ms']:.2f} ms at end")
        if max(machine["loadavg_at_start"], machine.get("loadavg_at_end", 0)) > 1.0:
            print("note: other work was running on this machine during the run; the figures are noisy lower bounds")
    print(f"reps per figure: {REPS} (medians); {SECONDS:g} s per ingest rep; query store {EVENTS:,} events")
    print()
    head = ("figure", "value", "target", "baseline", "ratio", "met")
    widths = [max(len(str(row[i])) for row in rows + [head]) for i in range(len(head))]
    line = lambda cells: " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    print(line(head))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(line(row))
    print()
    print(f"results: {RESULTS}")

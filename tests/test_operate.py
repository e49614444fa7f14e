# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Watching trail the way operators do (SPEC §3 "Operate", §8 [logging]; docs/OPERATIONS.md,
"What to monitor"): /metrics after real traffic read by Prometheus's own parser (`promtool
check metrics`, Debian package prometheus: zero problems), the series an operator alerts on
moving, and the access log — off by default, one line per request when on, JSON that parses,
never a viewer token of a query string.
"""
import json
import os
import re
import shutil
import subprocess
import time
import unittest

from harness import ServerTestCase, new_workdir, viewer_token

LOGIN = {"tag": "account:login:success", "subject": "user:alice", "actor": "alice",
         "metadata": {"auth_method": "password"}}


def samples(text):
    """{(name, frozenset(labels)): value} of a Prometheus text exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r'([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)', line)
        assert m, f"not a sample line: {line!r}"
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def requests_total(s, method, route, code):
    key = ("trail_http_requests_total",
           frozenset({("method", method), ("route", route), ("code", code)}))
    return s.get(key, 0.0)


class Metrics(ServerTestCase):
    def scrape(self, client):
        r = client.get("/metrics")
        self.assertEqual(r.status, 200, r.text)
        return r.text

    def test_metrics_pass_promtool_after_traffic(self):
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool is needed (apt-get install prometheus; make test-deps does)")
        srv = self.new_server()
        c = srv.client()
        for _ in range(3):
            self.assertEqual(c.record([LOGIN]).status, 201)
        self.assertEqual(c.get("/v1/events?subject=user:alice").status, 200)
        self.assertEqual(c.get("/v1/nothing/here").status, 404)
        self.assertEqual(c.get("/v1/events", token="wrong").status, 401)
        self.assertEqual(c.post("/v1/admin/gc", {"dry_run": False}).status, 200)
        deadline = time.time() + 10  # a checkpoint is signed at most every second
        while time.time() < deadline:
            text = self.scrape(c)
            if samples(text).get(("trail_checkpoint_last_signed_timestamp_seconds", frozenset()), 0) > 0:
                break
            time.sleep(0.2)
        r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True,
                           timeout=60)
        print(f"promtool check metrics: exit {r.returncode}, {r.stdout}{r.stderr}".strip())
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""), text)

        s = samples(text)
        now = time.time()
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                     "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                     "process_start_time_seconds", "trail_http_responses_5xx_total",
                     "trail_queue_depth", "trail_gc_last_run_timestamp_seconds",
                     "trail_store_last_durable_timestamp_seconds",
                     "trail_checkpoint_last_signed_timestamp_seconds"):
            self.assertIn((name, frozenset()), s, name)
        self.assertGreater(s[("process_resident_memory_bytes", frozenset())], 1 << 20)
        self.assertLess(abs(s[("process_start_time_seconds", frozenset())] - now), 600)
        self.assertGreater(s[("process_open_fds", frozenset())], 3)
        for name in ("trail_gc_last_run_timestamp_seconds", "trail_store_last_durable_timestamp_seconds",
                     "trail_checkpoint_last_signed_timestamp_seconds"):
            self.assertLess(abs(s[(name, frozenset())] - now), 60, name)
        self.assertEqual(requests_total(s, "POST", "/v1/events", "2xx"), 3)
        self.assertEqual(requests_total(s, "GET", "/v1/events", "2xx"), 1)
        self.assertEqual(requests_total(s, "GET", "/v1/events", "4xx"), 1)
        self.assertEqual(requests_total(s, "other", "other", "4xx"), 1)  # the raw path is no label
        self.assertNotIn("/v1/nothing", text)
        self.assertEqual(s[("trail_http_responses_5xx_total", frozenset())], 0)
        # Every route is there from the start, so rate() and absent() see it.
        self.assertIn(("GET", "/v1/events/{id}/proof"),
                      {(dict(k[1])["method"], dict(k[1])["route"]) for k in s if k[0] == "trail_http_requests_total"})

        # The counters move: one more ingest, and the scrape itself is counted.
        self.assertEqual(c.record([LOGIN]).status, 201)
        s2 = samples(self.scrape(c))
        self.assertEqual(requests_total(s2, "POST", "/v1/events", "2xx"), 4)
        self.assertGreaterEqual(requests_total(s2, "GET", "/metrics", "2xx"),
                                requests_total(s, "GET", "/metrics", "2xx") + 1)
        c.close()


class Routes(ServerTestCase):
    def test_a_path_no_route_serves_is_404_before_any_credential(self):
        srv = self.new_server()
        c = srv.client(token=None)
        self.assertEqual(c.get("/v1/nope").status, 404)  # not 401: src/http/routes.h
        self.assertEqual(c.request("PUT", "/v1/events").status, 404)
        page = c.get("/ui/nope")
        self.assertEqual((page.status, page.header("Content-Type").split(";")[0]), (404, "text/html"))
        self.assertEqual(c.get("/embed/nope").status, 404)
        self.assertEqual(c.get("/ui/").status, 200)  # the sign-in form
        self.assertEqual(c.get("/v1/events").status, 401)
        c.close()


class AccessLog(ServerTestCase):
    def config(self, body):
        path = os.path.join(new_workdir("operate-config"), "trail.toml")
        with open(path, "w") as f:
            f.write(body)
        self.addCleanup(shutil.rmtree, os.path.dirname(path), ignore_errors=True)
        return path

    def access_lines(self, srv, json_format):
        lines = [line for line in srv.log_text().splitlines() if not line.startswith("===")]
        if json_format:
            parsed = [json.loads(line) for line in lines]  # every line of the log is JSON
            return [p for p in parsed if p["msg"] == "access"]
        return [line for line in lines if line.startswith("trail: access ")]

    def test_off_by_default(self):
        srv = self.new_server()
        c = srv.client()
        self.assertEqual(c.get("/v1/events").status, 200)
        c.close()
        self.assertEqual(self.access_lines(srv, False), [])
        self.assertNotIn("access", srv.log_text())

    def test_json_one_line_per_request_without_query_or_token(self):
        srv = self.new_server(use_config=self.config('[logging]\naccess = true\nformat = "json"\n'))
        with open(os.path.join(srv.data, "viewer.secret"), "rb") as f:
            secret = f.read().strip()
        token = viewer_token(secret, {"sub": "alice", "exp": int(time.time()) + 600})
        c = srv.client()
        before = len(self.access_lines(srv, True))  # the harness's /healthz probes
        sent = [c.record([LOGIN]), c.get("/v1/events?q=actor:alice-secret-search"),
                c.get("/v1/events?subject=user:alice", token=token), c.get("/v1/nowhere"),
                c.get(f"/embed/history?subject=user:alice&token={token}", token=None),
                c.get("/healthz", token=None)]
        c.close()
        deadline = time.time() + 5
        while time.time() < deadline and len(self.access_lines(srv, True)) < before + len(sent):
            time.sleep(0.05)
        lines = self.access_lines(srv, True)[before:]
        self.assertEqual(len(lines), len(sent), lines)
        log = srv.log_text()
        self.assertNotIn(token, log)
        self.assertNotIn(token.split(".")[2], log)
        self.assertNotIn("alice-secret-search", log)
        self.assertNotIn("?", "".join(line["path"] for line in lines))
        want = [("POST", "/v1/events", "/v1/events", 201), ("GET", "/v1/events", "/v1/events", 200),
                ("GET", "/v1/events", "/v1/events", 200), ("GET", "other", "/v1/nowhere", 404),
                ("GET", "/embed/history", "/embed/history", 302), ("GET", "/healthz", "/healthz", 200)]
        self.assertEqual([(x["method"], x["route"], x["path"], x["status"]) for x in lines], want)
        for line, r in zip(lines, sent):
            self.assertEqual(set(line), {"time", "level", "msg", "method", "route", "path", "status", "bytes",
                                         "duration_seconds", "request_id", "remote_ip"})
            self.assertEqual(line["level"], "info")
            self.assertRegex(line["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
            self.assertEqual(line["remote_ip"], "127.0.0.1")
            self.assertEqual(line["request_id"], r.header("X-Request-Id"))
            self.assertEqual(line["bytes"], len(r.body))
            self.assertGreaterEqual(line["duration_seconds"], 0)

    def test_text_format(self):
        srv = self.new_server(use_config=self.config("[logging]\naccess = true\n"))
        c = srv.client()
        self.assertEqual(c.get("/v1/types").status, 200)
        c.close()
        deadline = time.time() + 5
        while time.time() < deadline and not any(" /v1/types " in l for l in self.access_lines(srv, False)):
            time.sleep(0.05)
        line = [l for l in self.access_lines(srv, False) if " /v1/types " in l]
        self.assertEqual(len(line), 1, srv.log_text())
        self.assertRegex(line[0], r"^trail: access GET /v1/types 200 \d+B \d+\.\d{6}s route=/v1/types "
                                  r"id=[0-9a-f]{16} ip=127\.0\.0\.1$")

    def test_a_bad_setting_stops_the_start(self):
        srv = self.new_server(use_config=self.config('[logging]\nformat = "xml"\n'), start=False)
        with self.assertRaises(RuntimeError) as e:
            srv.start()
        self.assertIn("logging.format", str(e.exception))


if __name__ == "__main__":
    unittest.main()

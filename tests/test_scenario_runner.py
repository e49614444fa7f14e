# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""The scenario runner checks what it claims: its parser and comparisons, and a run against a
real server in which deliberately wrong expectations must fail (one line each) while right
ones pass. A runner that passes everything would make every scenario worthless.
"""
import contextlib
import io
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_scenarios as rs  # noqa: E402


class Parsing(unittest.TestCase):
    def test_request_with_headers_repeat_and_body(self):
        steps = rs.parse('as writer\nheader X-A: 1\nPOST /v1/events\nheader Content-Type: '
                         'application/x-ndjson\nrepeat 3\n{"a":1}\n{"b":2}\nexpect 201\n'
                         'capture id = events[0].id\nexpect json events length 3\n')
        self.assertEqual([s.kind for s in steps], ["as", "request"])
        req = steps[1]
        self.assertEqual(req.headers, [("X-A", "1"), ("Content-Type", "application/x-ndjson")])
        self.assertEqual((req.repeat, req.body), (3, ['{"a":1}', '{"b":2}']))
        self.assertEqual([e.what for e in req.expects], ["status", "capture", "json"])

    def test_syntax_errors_name_the_line(self):
        for text, line in (("GET /x\n", 1), ("GET /x\nexpect 200\nexpect jsn a == 1\n", 3),
                           ("expect 200\n", 1), ("as\n", 1), ("GET /x\nexpect 200\nfile a\n", 3),
                           ("GET /x\nexpect 200\nstart\n", 3), ("bogus line\n", 1),
                           ("GET /x\nexpect 200\nexpect json a ~ 1\n", 3),
                           ("GET /x\nexpect 200\nrestart\nexpect json a == 1\n", 4),
                           ("GET /x\nexpect 200\nexpect stored == 1\ncapture a = b\n", 4)):
            with self.assertRaises(rs.ScenarioError) as cm:
                rs.parse(text, "t.scenario")
            self.assertIn(f"t.scenario:{line}:", str(cm.exception), text)


class Comparing(unittest.TestCase):
    def test_paths(self):
        doc = {"events": [{"seq": 3, "m": {"a.b": 1}}, {"seq": 4}], "x": None}
        self.assertEqual(rs.eval_path(doc, "events[1].seq"), 4)
        self.assertEqual(rs.eval_path(doc, "events[-1].seq"), 4)
        self.assertEqual(rs.eval_path(doc, "events[*].seq"), [3, 4])
        self.assertEqual(rs.eval_path(doc, 'events[0].m["a.b"]'), 1)
        self.assertIs(rs.eval_path(doc, "events[2].seq"), rs.MISSING)
        self.assertIsNone(rs.eval_path(doc, "x"))
        self.assertIs(rs.eval_path(doc, "y"), rs.MISSING)

    def test_operators(self):
        c = rs.compare
        self.assertTrue(c(1, "==", "1") and c(1.0, "==", "1") and not c(True, "==", "1"))
        self.assertFalse(c(1, "==", "true") or c(None, "==", "0") or c("1", "==", "1"))
        self.assertTrue(c([1, 2], "==", "[1, 2]") and not c([1, 2], "==", "[2, 1]"))
        self.assertTrue(c({"a": 1}, "==", '{"a": 1}') and not c({"a": 1}, "==", '{"a": true}'))
        self.assertTrue(c("abc", "matches", "/^a.c$/") and not c("abc", "matches", "/^b/"))
        self.assertTrue(c("ABC", "matches", "/abc/i"))
        self.assertTrue(c([1, 2], "contains", "2") and c([1, 2], "!contains", "3"))
        self.assertTrue(c("hello", "contains", '"ell"'))
        self.assertTrue(c([1, 2, 3], "length", "3") and c([1], "length", ">= 1"))
        self.assertFalse(c([1, 2, 3], "length", "2"))
        self.assertTrue(c(rs.MISSING, "missing", "") and not c(None, "missing", ""))
        self.assertTrue(c(None, "exists", "") and not c(rs.MISSING, "exists", ""))
        self.assertTrue(c(5, ">", "4") and c(5, "<=", "5") and not c("5", ">", "4"))
        self.assertTrue(c(rs.MISSING, "!=", "1") and not c(rs.MISSING, "==", "null"))
        self.assertTrue(c("1", "==", "1", as_string="text"))
        self.assertTrue(c(["3", "4"], "==", '["3", "4"]', as_string="cells"))
        self.assertTrue(c("3", "==", "3", as_string="cells"))

    def test_metrics(self):
        text = ('# TYPE x counter\nx{tag="a:b",z="1"} 3\nx{tag="c"} 4.5\ny 7\n'
                'h_bucket{le="+Inf"} 2\n')
        self.assertEqual(rs.metric_value(text, 'x{z="1",tag="a:b"}'), 3)
        self.assertEqual(rs.metric_value(text, 'x{tag="c"}'), 4.5)
        self.assertEqual(rs.metric_value(text, "y"), 7)
        self.assertIs(rs.metric_value(text, 'x{tag="d"}'), rs.MISSING)


WRONG = """\
as writer
POST /v1/events
{"tag":"project:create","subject":"project:r","actor":"alice"}
expect 201
expect json events[0].seq == 3
expect json events[0].seq == 4
capture id = events[0].id

as auditor
GET /v1/events/$id
expect 200
expect json description == "alice created the project"
expect json description == "bob created the project"
expect json ip == null
expect json ip missing
expect json metadata == {}
expect json seq matches /^3$/
expect json seq matches /^4$/
expect header Content-Type == application/json
expect header Content-Type == text/csv
expect body contains alice
expect body !contains alice

GET /v1/events
expect 404

GET /v1/export?format=csv
expect 200
expect csv [0].seq == 0
expect csv [0].seq == "1"
expect csv length 5
expect csv length 4

as writer
POST /v1/events
{"tag":"nope:nope","subject":"project:r"}
expect 400
expect error unknown_tag
expect error invalid_event

expect stored == 5
expect stored == 6
expect stored actor=alice == 1
expect stored actor=alice > 1
"""

WRONG_LINES = [6, 13, 15, 18, 20, 22, 25, 30, 32, 39, 42, 44]


class RunningScenarios(unittest.TestCase):
    def run_text(self, text):
        with tempfile.NamedTemporaryFile("w", suffix=".scenario", delete=False) as f:
            f.write(text)
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                ok = rs.Runner(f.name).run()
        finally:
            os.unlink(f.name)
        for line in out.getvalue().splitlines():  # failed on purpose: drop the kept data
            if line.startswith("    kept "):
                shutil.rmtree(line[len("    kept "):], ignore_errors=True)
        return ok, out.getvalue()

    def test_wrong_expectations_fail_and_right_ones_pass(self):
        ok, out = self.run_text(WRONG)
        self.assertFalse(ok)
        name = None
        failed = []
        for line in out.splitlines():
            if ": FAIL " in line:
                name, _, rest = line.partition(":")
                failed.append(int(rest.split(":", 1)[0]))
        self.assertEqual(failed, WRONG_LINES, out)
        self.assertRegex(out, rf"{name}: \d+ checks, {len(WRONG_LINES)} failed")

    def test_a_right_scenario_passes_and_a_dead_server_fails(self):
        right = "\n".join(line for n, line in enumerate(WRONG.splitlines(), 1)
                          if n not in WRONG_LINES or n == 25) + "\n"
        right = right.replace("GET /v1/events\nexpect 404", "GET /v1/events\nexpect 200")
        ok, out = self.run_text(right)
        self.assertTrue(ok, out)
        ok, out = self.run_text("GET /healthz\nexpect 200\nsignal KILL\nsleep 0.3\n")
        self.assertFalse(ok)
        self.assertIn("the server died", out)

    def test_unexpected_server_error_and_bad_error_bodies_fail(self):
        ok, out = self.run_text("GET /v1/events\nexpect 200\nexpect json events[0].seq == 2\n"
                                "restart\nGET /v1/events/$undefined\nexpect 404\n")
        self.assertFalse(ok)
        self.assertIn("undefined variable", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)

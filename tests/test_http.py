# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""HTTP/1.1 as clients really speak it (SPEC §3: JSON over HTTP/1.1, keep-alive): chunked
uploads (also over the 8 MiB limit), pipelining, HTTP/1.0, HEAD, unknown routes, broken
requests and clients that hang up mid-upload — the server answers or closes, stores nothing
it did not acknowledge, and keeps serving.
"""
import http.client
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, ev, resolve_seqs  # noqa: E402

LINE = (json.dumps(ev("project:create", "project:http")) + "\n").encode()


def read_all(sock, timeout=5):
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    return data


class Http(ServerTestCase):
    def setUp(self):
        self.s = self.new_server()
        self.c = self.s.client()

    def tearDown(self):
        self.c.close()

    def stored(self, subject="project:http"):
        return len(self.c.query_all(f"subject={subject}"))

    def raw(self, data, timeout=3):
        sock = socket.create_connection(("127.0.0.1", self.s.port))
        try:
            sock.sendall(data)
            return read_all(sock, timeout)
        finally:
            sock.close()

    def post_chunked(self, chunks):
        conn = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=30)
        try:
            conn.request("POST", "/v1/events", body=chunks, encode_chunked=True,
                         headers={"Authorization": f"Bearer {self.s.admin_key}",
                                  "Content-Type": "application/x-ndjson"})
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def test_chunked_upload(self):
        status, body = self.post_chunked(iter([LINE, LINE[:10], LINE[10:] + LINE]))
        self.assertEqual(status, 201, body)
        self.assertEqual(len(json.loads(body)["events"]), 3)
        self.assertEqual(self.stored(), 3)

    def test_chunked_upload_over_8_mib_is_413(self):
        def chunks():
            sent = 0
            while sent <= 9 * 1024 * 1024:
                sent += len(LINE) * 500
                yield LINE * 500
        for _ in range(3):
            status, body = self.post_chunked(chunks())
            self.assertEqual(status, 413, body)
            self.assertEqual(json.loads(body)["error"]["code"], "too_large")
        self.assertEqual(self.stored(), 0)
        self.assertEqual(self.c.get("/readyz").status, 200)

    def test_content_length_over_8_mib_is_answered_before_the_body_ends(self):
        """A client that announces 9 MiB gets its 413 even if it sends all of it."""
        body = LINE * (9 * 1024 * 1024 // len(LINE) + 1)
        for _ in range(2):
            r = self.c.post("/v1/events", body, ctype="application/x-ndjson")
            self.assertEqual(r.status, 413, r)
            self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(self.stored(), 0)

    def test_client_hanging_up_mid_upload_stores_nothing(self):
        body = LINE * 1000
        for cut in (10, len(body) // 2, len(body) - 1):
            sock = socket.create_connection(("127.0.0.1", self.s.port))
            sock.sendall(f"POST /v1/events HTTP/1.1\r\nHost: t\r\n"
                         f"Authorization: Bearer {self.s.admin_key}\r\n"
                         f"Content-Type: application/x-ndjson\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:cut])
            sock.close()
        time.sleep(0.3)
        self.assertEqual(self.stored(), 0)
        self.assertTrue(self.s.running())

    def test_pipelined_requests_are_answered_in_order(self):
        key = self.s.admin_key
        one = json.dumps(ev("project:create", "project:pipe")).encode()
        reqs = b"".join(
            b"POST /v1/events HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + key.encode() +
            b"\r\nContent-Type: application/json\r\nContent-Length: " +
            str(len(one)).encode() + b"\r\n\r\n" + one for _ in range(5))
        reqs += b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        data = self.raw(reqs)
        self.assertEqual(data.count(b"HTTP/1.1 201"), 5, data[:500])
        self.assertTrue(data.rstrip().endswith(b'{"status":"ok"}'), data[-200:])
        acks = [json.loads(m)["events"][0] for m in
                [part.split(b"\r\n\r\n", 1)[1].split(b"HTTP/1.1")[0] for part in
                 data.split(b"HTTP/1.1 201")[1:]]]
        c = self.s.client()
        seqs = [a["seq"] for a in resolve_seqs(c, acks)]  # PostgreSQL may say null (SPEC §3)
        c.close()
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(self.stored("project:pipe"), 5)

    def test_http_1_0_and_connection_close(self):
        data = self.raw(b"GET /healthz HTTP/1.0\r\n\r\n")
        self.assertRegex(data, rb"^HTTP/1\.[01] 200")
        self.assertTrue(data.endswith(b'{"status":"ok"}'), data)  # closed after the reply
        data = self.raw(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        self.assertIn(b"Connection: close", data)

    def test_head_and_unknown_routes(self):
        r = self.c.request("HEAD", "/healthz", token=None)
        self.assertEqual((r.status, r.body), (200, b""))
        for method, path in (("GET", "/v1/nothing"), ("POST", "/v1/types"), ("PUT", "/v1/events"),
                             ("DELETE", "/v1/events"), ("GET", "/"), ("POST", "/healthz")):
            r = self.c.request(method, path)
            self.assertIn(r.status, (404, 405), f"{method} {path}: {r!r}")
            self.assertTrue(r.error.get("code"), f"{method} {path}: {r!r}")

    def test_broken_requests_do_not_hurt_the_server(self):
        for junk in (b"GARBAGE\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 10,
                     b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n",
                     b"POST /v1/events HTTP/1.1\r\nHost: t\r\nContent-Length: nope\r\n\r\n",
                     b"POST /v1/events HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"zz\r\n"):
            data = self.raw(junk, timeout=3)
            self.assertFalse(data.startswith(b"HTTP/1.1 2"), data[:200])
            self.assertNotRegex(data[:12], rb"HTTP/1\.1 5")
        self.assertTrue(self.s.running())
        self.assertEqual(self.c.get("/readyz").status, 200)
        self.assertEqual(self.stored(), 0)

    def test_responses_carry_no_store_and_json_types(self):
        r = self.c.get("/v1/events")
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.header("Cache-Control"), "no-store")
        r = self.c.get("/v1/events", token="nope")
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.header("Cache-Control"), "no-store")


if __name__ == "__main__":
    unittest.main(verbosity=2)

# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""An attacker's view of trail's credentials (SPEC §3, §6, §8, §9), one test per attack.

- A live tail (GET /v1/stream) outlives the credential that opened it: revoking the key (on
  any node), the viewer token's exp, a replaced viewer secret, or signing out must end it
  within about a second.
- /metrics: a `metrics` key reads it and nothing else; `[server] metrics_listen` serves it
  without credentials on an address of its own, and it shows no per-event data.
- Viewer tokens: `aud`/`iss` when configured, a maximum lifetime, `nbf`, `alg` strictly HS256,
  a secret of at least 32 bytes, the secret reloaded on SIGHUP.
- Cookies: Secure with the __Host-/__Secure- prefixes and HSTS over TLS, or behind a trusted
  TLS proxy (X-Forwarded-Proto believed only from [server] trusted_proxies).
- Trading one viewer's tokens for session cookies again and again keeps at most 16 sessions.
- Revoking the key in DATA/admin.key does not keep the server from starting.
"""
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import socket
import threading
import time
import unittest
import urllib.parse

from harness import ON_POSTGRES, Client, Server, ServerTestCase, ev, free_port, run_cli, store_url

SECRET = b"an operator's viewer secret of forty-some bytes!!"


from harness import b64url, viewer_token  # noqa: E402,F401


def token(claims, secret=SECRET, header=None):
    return viewer_token(secret, claims, header)


def claims(sub="vera", ttl=600, **extra):
    return {"sub": sub, "exp": int(time.time()) + ttl, "roles": {"project:p1": ["owner"]}, **extra}


class Tail:
    """An open GET /v1/stream (or /embed/stream), read on a thread of its own; `ended` is set
    when the server ends the stream (its last chunk) or the connection."""

    def __init__(self, server, path="/v1/stream", headers=None):
        if server.tls_context:
            self.conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=30,
                                                    context=server.tls_context)
        else:
            self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        self.conn.request("GET", path, headers=headers or {})
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.ended = threading.Event()
        self.ended_at = None
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()
        else:
            self.resp.read()
            self.ended.set()

    def _read(self):
        try:
            while self.resp.read1(65536):
                pass
        except (OSError, http.client.HTTPException):
            pass
        self.ended_at = time.time()
        self.ended.set()

    def close(self):
        self.conn.close()


def write_config(directory, text):
    path = os.path.join(directory, "trail.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


def write_secret(path, secret=SECRET):
    if os.path.exists(path):
        os.chmod(path, 0o600)
    with open(path, "wb") as f:
        f.write(secret + b"\n")


class HostileAuthCase(ServerTestCase):
    def server(self, config="", secret=SECRET, **kw):
        """A server with an operator-supplied viewer secret and `config` in its trail.toml."""
        s = self.new_server(start=False, **kw)
        os.makedirs(s.data, exist_ok=True)
        secret_file = os.path.join(s.data, "operator.secret")
        write_secret(secret_file, secret)
        s.secret_file = secret_file
        s.use_config = write_config(s.data, f'[auth]\nviewer_secret_file = "{secret_file}"\n{config}')
        return s.start()

    def assertEndsWithin(self, tail, seconds, since, what):
        self.assertTrue(tail.ended.wait(seconds + 3), f"{what}: the stream is still open")
        self.assertLessEqual(tail.ended_at - since, seconds, f"{what}: the stream ended late")


class LiveStreamsAreReauthorised(HostileAuthCase):
    def test_revoking_a_key_ends_its_stream_within_a_second(self):
        s = self.server()
        admin = s.client()
        auditor = admin.new_key("auditor", "tail")
        tail = Tail(s, headers={"Authorization": f"Bearer {auditor['key']}"})
        self.assertEqual(tail.status, 200)
        time.sleep(0.8)
        self.assertFalse(tail.ended.is_set(), "the stream ended by itself")
        t0 = time.time()
        self.assertEqual(admin.delete(f"/v1/admin/keys/{auditor['id']}").status, 200)
        self.assertEndsWithin(tail, 1.2, t0, "revoked key")
        tail.close()

    def test_revoking_a_key_cuts_its_export_short(self):
        """An export is a stream too: a key revoked mid-export stops getting events within about
        a second, even from a client reading slowly. ~16 MB of events, read at ~400 KB/s, could
        not have been written into the socket buffers (a few MB) before the revocation; the
        server writes an export in chunks of ~256 KB and checks the credential between them."""
        s = self.server()
        admin = s.client()
        pad = "x" * 32000
        for i in range(10):
            r = admin.post("/v1/events", {"events": [
                {"tag": "account:note", "subject": "user:carol", "metadata": {"text": f"{i}-{j}{pad}"}}
                for j in range(50)]})
            self.assertEqual(r.status, 201, r)
        auditor = admin.new_key("auditor", "exporter")
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(f"GET /v1/export?format=ndjson HTTP/1.1\r\nHost: x\r\n"
                     f"Authorization: Bearer {auditor['key']}\r\n\r\n".encode())
        got = bytearray()
        t_end = time.time() + 1.0
        while time.time() < t_end:  # a slow reader: 16 KB every 40 ms
            got += sock.recv(16384)
            time.sleep(0.04)
        self.assertIn(b" 200 ", bytes(got[:64]))
        self.assertEqual(admin.delete(f"/v1/admin/keys/{auditor['id']}").status, 200)
        time.sleep(1.5)  # the server re-checks the credential twice a second
        sock.settimeout(10)
        while True:  # then read what was already sent, as fast as possible, until the close
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            got += chunk
        sock.close()
        lines = bytes(got).count(b'"tag":"account:note"')
        self.assertLess(lines, 400, "most of the export was sent to a revoked key")
        self.assertFalse(bytes(got).endswith(b"\r\n0\r\n\r\n"),
                         "the cut export ends like a complete one: a client could not tell")

    def test_a_viewer_tokens_exp_ends_its_stream(self):
        s = self.server()
        exp = int(time.time()) + 3
        tail = Tail(s, "/v1/stream?subject=project:p1",
                    headers={"Authorization": "Bearer " + token(claims(ttl=0) | {"exp": exp})})
        self.assertEqual(tail.status, 200)
        self.assertFalse(tail.ended.wait(max(0, exp - time.time() - 0.5)), "ended before exp")
        self.assertEndsWithin(tail, 1.2, exp, "expired token")
        tail.close()

    def test_replacing_the_viewer_secret_ends_streams_of_old_tokens(self):
        s = self.server()
        tail = Tail(s, "/v1/stream?subject=project:p1", headers={"Authorization": "Bearer " + token(claims())})
        self.assertEqual(tail.status, 200)
        write_secret(s.secret_file, b"a brand new secret, also longer than 32 bytes")
        t0 = time.time()
        s.send_signal(signal.SIGHUP)
        self.assertEndsWithin(tail, 1.5, t0, "replaced secret")
        tail.close()

    def test_signing_out_ends_the_consoles_live_tail(self):
        s = self.server()
        key = s.client().new_key("auditor", "console")["key"]
        c = Client("127.0.0.1", s.port)
        r = c.post("/ui/login", f"key={key}".encode(), ctype="application/x-www-form-urlencoded")
        self.assertEqual(r.status, 303, r.text)
        cookie = r.header("Set-Cookie").split(";", 1)[0]
        page = c.get("/ui/", headers={"Cookie": cookie})
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        tail = Tail(s, headers={"Cookie": cookie})
        self.assertEqual(tail.status, 200)
        time.sleep(0.6)
        t0 = time.time()
        out = c.post("/ui/logout", f"csrf={csrf}".encode(), headers={"Cookie": cookie},
                     ctype="application/x-www-form-urlencoded")
        self.assertEqual(out.status, 303, out.text)
        self.assertEndsWithin(tail, 1.2, t0, "sign-out")
        tail.close()

    def test_an_embed_tail_ends_at_its_tokens_exp(self):
        # The embed page has no sign-out; its session ends when the token it was opened with
        # expires (or when it is evicted, SessionsPerViewer below).
        s = self.server()
        exp = int(time.time()) + 3
        c = Client("127.0.0.1", s.port)
        r = c.get("/embed/history?subject=project:p1&token=" + token(claims(ttl=0) | {"exp": exp}))
        self.assertEqual(r.status, 302, r.text)
        cookie = r.header("Set-Cookie").split(";", 1)[0]
        tail = Tail(s, "/embed/stream?subject=project:p1", headers={"Cookie": cookie})
        self.assertEqual(tail.status, 200)
        self.assertEndsWithin(tail, 1.2 + max(0, exp - time.time()), time.time(), "embed token exp")
        tail.close()


@unittest.skipUnless(ON_POSTGRES, "two nodes share one PostgreSQL database (TRAIL_TEST_STORE=postgres)")
class RevocationReachesEveryNode(unittest.TestCase):
    def test_revoking_on_node_a_ends_a_stream_on_node_b_within_a_second(self):
        a = Server(name="revoke-a").start()
        b = Server("--store", store_url(a.data, a.name), name="revoke-b")
        try:
            for f in ("log.key", "admin.key", "viewer.secret"):
                shutil.copy2(os.path.join(a.data, f), os.path.join(b.data, f))
            b.start()
            key = a.client().new_key("auditor", "tail on b")
            deadline = time.time() + 5
            while True:  # node b learns of the new key through the same notification
                tail = Tail(b, headers={"Authorization": f"Bearer {key['key']}"})
                if tail.status == 200 or time.time() > deadline:
                    break
                time.sleep(0.1)
            self.assertEqual(tail.status, 200)
            time.sleep(0.5)
            t0 = time.time()
            self.assertEqual(a.client().delete(f"/v1/admin/keys/{key['id']}").status, 200)
            self.assertTrue(tail.ended.wait(5), "node b's stream outlived the revocation")
            self.assertLessEqual(tail.ended_at - t0, 1.3, "node b saw the revocation late (key cache)")
            # And a new request on node b is refused at once too.
            self.assertEqual(b.client(key["key"]).get("/v1/events").status, 401)
            tail.close()
        finally:
            b.cleanup()
            a.cleanup()


class MetricsForScrapers(HostileAuthCase):
    def test_a_metrics_key_reads_metrics_and_nothing_else(self):
        s = self.server()
        admin = s.client()
        r = admin.post("/v1/admin/keys", {"role": "metrics", "name": "prometheus"})
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(r.json["role"], "metrics")
        m = s.client(r.json["key"])
        self.assertEqual(m.get("/metrics").status, 200)
        for method, path, body in [("GET", "/v1/events", None), ("GET", "/v1/export", None),
                                   ("GET", "/v1/stream", None), ("GET", "/v1/types", None),
                                   ("GET", "/readyz", None), ("GET", "/v1/admin/keys", None),
                                   ("POST", "/v1/events", ev("project:role:add", "project:p1")),
                                   ("GET", "/v1/proof/consistency?from=1&to=2", None)]:
            got = m.request(method, path, body)
            self.assertEqual(got.status, 403, f"{method} {path}: {got!r}")
        login = Client("127.0.0.1", s.port).post("/ui/login", f"key={r.json['key']}".encode(),
                                                 ctype="application/x-www-form-urlencoded")
        self.assertEqual(login.status, 403)
        # The command line makes one too.
        out = s.cli("keys", "create", "--role", "metrics", "--name", "scraper")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["role"], "metrics")

    def test_metrics_listen_serves_metrics_only_without_credentials(self):
        port = free_port()
        s = self.server(f'[server]\nmetrics_listen = "127.0.0.1:{port}"\n')
        self.assertEqual(s.client().record(ev("account:login:success", "user:zoe-secret-subject",
                                              "zoe-secret-actor", auth_method="password")).status, 201)
        c = Client("127.0.0.1", port)
        r = c.get("/metrics")
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("trail_events_recorded_total", r.text)
        self.assertNotIn("zoe-secret", r.text, "metrics show per-event data")
        self.assertEqual(c.get("/v1/events").status, 404)
        self.assertEqual(c.get("/v1/events", token=s.admin_key).status, 404)
        self.assertEqual(c.post("/v1/events", ev("account:login:success", "user:x")).status, 404)
        # The main address still wants a credential.
        self.assertEqual(Client("127.0.0.1", s.port).get("/metrics").status, 401)


class ViewerTokenRules(HostileAuthCase):
    def test_audience_issuer_lifetime_nbf_and_alg(self):
        s = self.server('audience = "trail.example.org"\nissuer = "https://app.example.org"\n'
                        'max_token_lifetime = "1h"\n')
        ok = {"aud": "trail.example.org", "iss": "https://app.example.org"}
        now = int(time.time())
        cases = {
            "good": (claims(**ok), 200),
            "aud as an array": (claims(aud=["other", "trail.example.org"], iss=ok["iss"]), 200),
            "no aud": (claims(iss=ok["iss"]), 401),
            "another aud": (claims(aud="other.example.org", iss=ok["iss"]), 401),
            "aud array without us": (claims(aud=["other"], iss=ok["iss"]), 401),
            "no iss": (claims(aud=ok["aud"]), 401),
            "another iss": (claims(aud=ok["aud"], iss="https://evil.example"), 401),
            "lives two hours": (claims(ttl=7200, **ok), 401),
            "lives ten years": (claims(ttl=10 * 365 * 86400, **ok), 401),
            "iat 50 min ago, exp in 20": (claims(ttl=1200, iat=now - 3000, **ok), 401),
            "not yet valid": (claims(nbf=now + 600, **ok), 401),
            "valid since a minute": (claims(nbf=now - 60, **ok), 200),
        }
        for what, (c, want) in cases.items():
            r = s.client(token(c)).get("/v1/events?subject=project:p1")
            self.assertEqual(r.status, want, f"{what}: {r!r}")
        body = claims(**ok)
        none = b64url(b'{"alg":"none","typ":"JWT"}') + "." + b64url(json.dumps(body).encode()) + "."
        self.assertEqual(s.client(none).get("/v1/events?subject=project:p1").status, 401, "alg none")
        for alg in ("RS256", "HS512", "hs256", "ES256"):
            t = token(body, header={"alg": alg, "typ": "JWT"})
            self.assertEqual(s.client(t).get("/v1/events?subject=project:p1").status, 401, alg)

    def test_default_lifetime_is_a_day(self):
        s = self.server()
        self.assertEqual(s.client(token(claims(ttl=23 * 3600))).get("/v1/events?subject=project:p1").status, 200)
        self.assertEqual(s.client(token(claims(ttl=3 * 86400))).get("/v1/events?subject=project:p1").status, 401)

    def test_a_short_secret_file_refuses_to_start(self):
        s = self.new_server(start=False)
        os.makedirs(s.data, exist_ok=True)
        secret = os.path.join(s.data, "short.secret")
        write_secret(secret, b"hunter2-is-short")
        cfg = write_config(s.data, f'[auth]\nviewer_secret_file = "{secret}"\n')
        r = run_cli("serve", "--config", cfg, "--data", s.data, "--listen", f"127.0.0.1:{s.port}", timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("at least 32", r.stderr)
        self.assertIn(secret, r.stderr)

    def test_sighup_reloads_the_secret(self):
        s = self.server()
        old = token(claims())
        self.assertEqual(s.client(old).get("/v1/events?subject=project:p1").status, 200)
        new_secret = b"the rotated secret, at least thirty-two bytes"
        write_secret(s.secret_file, new_secret)
        s.send_signal(signal.SIGHUP)
        deadline = time.time() + 5
        while s.client(old).get("/v1/events?subject=project:p1").status != 401 and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(s.client(old).get("/v1/events?subject=project:p1").status, 401, "old secret still works")
        self.assertEqual(s.client(token(claims(), new_secret)).get("/v1/events?subject=project:p1").status, 200)
        # A rotation to a short secret is refused, and the running one stays.
        write_secret(s.secret_file, b"short")
        s.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        self.assertEqual(s.client(token(claims(), new_secret)).get("/v1/events?subject=project:p1").status, 200)
        self.assertIn("not reloaded", s.log_text())


def make_cert(directory):
    cert, key = os.path.join(directory, "c.crt"), os.path.join(directory, "c.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class Cookies(HostileAuthCase):
    def sign_in(self, s, headers=None):
        key = s.client().new_key("auditor", "browser")["key"]
        c = Client("127.0.0.1", s.port, tls_context=s.tls_context)
        r = c.post("/ui/login", f"key={key}".encode(), ctype="application/x-www-form-urlencoded",
                   headers=headers)
        self.assertEqual(r.status, 303, r.text)
        return c, r

    def assertSecureCookie(self, r):
        cookie = r.header("Set-Cookie")
        self.assertTrue(cookie.startswith("__Host-trail_session="), cookie)
        attrs = [a.strip().lower() for a in cookie.split(";")[1:]]
        self.assertIn("secure", attrs)
        self.assertIn("path=/", attrs)
        self.assertIn("httponly", attrs)
        self.assertFalse(any(a.startswith("domain") for a in attrs), cookie)
        self.assertTrue((r.header("Strict-Transport-Security") or "").startswith("max-age="), r.headers)

    def assertPlainCookie(self, r):
        cookie = r.header("Set-Cookie")
        self.assertTrue(cookie.startswith("trail_session="), cookie)
        self.assertNotIn("secure", [a.strip().lower() for a in cookie.split(";")[1:]])
        self.assertIsNone(r.header("Strict-Transport-Security"))

    @unittest.skipUnless(shutil.which("openssl"), "openssl is not installed")
    def test_over_tls_the_cookie_is_secure_host_prefixed_with_hsts(self):
        certs = tempfile.mkdtemp(prefix="trail-e2e-certs-")
        self.addCleanup(shutil.rmtree, certs, True)
        s = self.server(tls=make_cert(certs))
        c, r = self.sign_in(s)
        self.assertSecureCookie(r)
        pair = r.header("Set-Cookie").split(";", 1)[0]
        self.assertEqual(c.get("/ui/", headers={"Cookie": pair}).status, 200)
        # Cookie tossing: the unprefixed name (settable by a sibling host or over plain HTTP)
        # opens nothing over TLS.
        tossed = pair.replace("__Host-trail_session", "trail_session")
        self.assertEqual(c.get("/ui/events/x", headers={"Cookie": tossed}).status, 401)
        self.assertIn("Strict-Transport-Security", c.get("/healthz").headers)
        # The embed cookie: Secure, __Secure- (its Path is /embed/, so not __Host-).
        e = c.get("/embed/history?subject=project:p1&token=" + token(claims()))
        self.assertTrue(e.header("Set-Cookie").startswith("__Secure-trail_embed="), e.header("Set-Cookie"))

    def test_behind_a_trusted_tls_proxy(self):
        s = self.server('[server]\ntrusted_proxies = ["127.0.0.1"]\n')
        _, r = self.sign_in(s, headers={"X-Forwarded-Proto": "https"})
        self.assertSecureCookie(r)
        _, plain = self.sign_in(s)  # the proxy's plain-HTTP side
        self.assertPlainCookie(plain)

    def test_the_header_from_an_untrusted_address_is_ignored(self):
        s = self.server('[server]\ntrusted_proxies = ["192.0.2.10"]\n')
        _, r = self.sign_in(s, headers={"X-Forwarded-Proto": "https"})
        self.assertPlainCookie(r)
        s2 = self.server()  # no trusted proxies at all
        _, r2 = self.sign_in(s2, headers={"X-Forwarded-Proto": "https"})
        self.assertPlainCookie(r2)

    def test_secure_cookies_setting(self):
        s = self.server("[ui]\nsecure_cookies = true\n")
        _, r = self.sign_in(s)
        self.assertSecureCookie(r)


class SessionsPerViewer(HostileAuthCase):
    def test_trading_tokens_again_and_again_keeps_sixteen_sessions(self):
        s = self.server()
        c = Client("127.0.0.1", s.port)
        cookies = []
        for i in range(24):
            r = c.get("/embed/history?subject=project:p1&token=" + token(claims(jti=str(i))))
            self.assertEqual(r.status, 302, r.text)
            cookies.append(r.header("Set-Cookie").split(";", 1)[0])
        alive = [c.get("/embed/history?subject=project:p1", headers={"Cookie": k}).status for k in cookies]
        self.assertEqual(alive, [401] * 8 + [200] * 16)
        # Another viewer's sessions are not touched by vera's.
        other = c.get("/embed/history?subject=user:walt&token=" + token(claims(sub="walt")))
        self.assertEqual(other.status, 302)
        self.assertEqual(c.get("/embed/history?subject=project:p1", headers={"Cookie": cookies[-1]}).status, 200)


class RevokedAdminKeyFile(HostileAuthCase):
    def test_the_server_starts_and_says_how_to_get_a_new_admin_key(self):
        s = self.server()
        old_key = s.admin_key
        admin = s.client()
        keys = admin.get("/v1/admin/keys").json["keys"]
        file_key = [k for k in keys if k["role"] == "admin"][0]["id"]
        second = admin.new_key("admin", "second admin")
        self.assertEqual(s.client(second["key"]).delete(f"/v1/admin/keys/{file_key}").status, 200)
        self.assertEqual(s.client(old_key).get("/v1/events").status, 401)
        s.stop()
        s.start()  # used to exit 2: "admin.key holds a revoked key"
        self.assertIn("--new-admin-key", s.log_text())
        self.assertEqual(s.client(second["key"]).get("/v1/events").status, 200)
        s.stop()
        s.args.append("--new-admin-key")
        s.start()
        s._admin_key = None
        self.assertNotEqual(s.admin_key, old_key)
        self.assertEqual(s.client().get("/v1/events").status, 200)
        self.assertTrue(os.path.exists(os.path.join(s.data, "admin.key.revoked")))
        self.assertEqual(oct(os.stat(os.path.join(s.data, "admin.key")).st_mode & 0o777), "0o600")
        created = s.client().query_all("tag=trail:key:created")
        self.assertEqual(len(created), 3)


if __name__ == "__main__":
    unittest.main()

# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""TLS (SPEC §3: "TLS when --tls-cert/--tls-key are given"): a self-signed certificate made
with openssl; HTTPS works for a client that trusts it (and the command line with --cacert);
plain HTTP to the same port does not; a client that does not trust the certificate fails.
"""
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, ServerTestCase, ev, run_cli  # noqa: E402


def make_cert(directory, kind, name=None):
    name = name or kind
    cert, key = os.path.join(directory, f"{name}.crt"), os.path.join(directory, f"{name}.key")
    newkey = {"ed25519": ["-newkey", "ed25519"], "rsa": ["-newkey", "rsa:2048"],
              "ec": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]}[kind]
    subprocess.run(["openssl", "req", "-x509", *newkey, "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


@unittest.skipUnless(shutil.which("openssl"), "openssl is not installed")
class Tls(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="trail-e2e-certs-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.certs, ignore_errors=True)

    def https_roundtrip(self, kind):
        cert, key = make_cert(self.certs, kind)
        s = self.new_server(tls=(cert, key))
        self.assertIn("https://", s.log_text())
        c = s.client()
        r = c.record(ev("project:create", "project:tls", "alice"))
        self.assertEqual(r.status, 201, r)
        r = c.get("/v1/events?subject=project:tls")
        self.assertEqual((r.status, len(r.events)), (200, 1), r)
        self.assertEqual(r.events[0]["actor"], "alice")
        # keep-alive over TLS: several requests, one connection
        for _ in range(5):
            self.assertEqual(c.get("/healthz", token=None).status, 200)
        self.assertEqual(c.requests_on_conn, 7)
        c.close()
        return s, cert

    def test_ed25519_certificate(self):
        self.https_roundtrip("ed25519")

    def test_rsa_certificate_and_plain_http_refused(self):
        s, cert = self.https_roundtrip("rsa")
        # Plain HTTP to the TLS port gets no HTTP answer.
        plain = Client("127.0.0.1", s.port, s.admin_key, timeout=5)
        try:
            r = plain.get("/healthz")
            self.fail(f"plain HTTP was answered: {r!r}")
        except (OSError, ConnectionError) as e:
            self.assertNotIsInstance(e, socket.timeout)
        except Exception as e:  # http.client.BadStatusLine etc.: not an HTTP reply
            self.assertNotIn("200", str(e))
        finally:
            plain.close()
        # A client that does not trust the certificate refuses the connection.
        untrusting = Client("127.0.0.1", s.port, s.admin_key, timeout=5,
                            tls_context=ssl.create_default_context())
        with self.assertRaises(ssl.SSLCertVerificationError):
            untrusting.get("/healthz")
        untrusting.close()
        # The server keeps serving after both.
        c = s.client()
        self.assertEqual(c.get("/readyz").status, 200)
        c.close()

    def test_command_line_over_https(self):
        s, cert = self.https_roundtrip("ec")
        r = s.cli("record", "--tag", "project:create", "--subject", "project:cli-tls",
                  "--cacert", cert)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = s.cli("query", "--subject", "project:cli-tls", "--format", "ndjson", "--cacert", cert)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.strip().splitlines()), 1, r.stdout)
        r = s.cli("query", "--subject", "project:cli-tls", "--format", "ndjson")
        self.assertNotEqual(r.returncode, 0, "the CLI trusted an unknown certificate")
        r = s.cli("query", "--subject", "project:cli-tls", "--format", "ndjson", "--insecure")
        self.assertEqual(r.returncode, 0, r.stderr)
        # trail verify --url, every event read with the key, over https too.
        vkey = run_cli("keys", "verifier", "--data", s.data).stdout.strip().splitlines()[-1]
        state = os.path.join(s.workdir, "verify-state.json")
        verify = ["verify", "--url", s.url, "--vkey", vkey, "--key", s.admin_key, "--state", state]
        r = run_cli(*verify, "--cacert", cert)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"[1-9]\d* events read and their leaf hashes recomputed")
        r = run_cli(*verify)
        self.assertEqual(r.returncode, 2, "verify trusted an unknown certificate: " + r.stdout + r.stderr)
        r = run_cli(*verify, "--insecure")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_bad_tls_files_refuse_to_start(self):
        cert, key = make_cert(self.certs, "rsa")
        _, other_key = make_cert(self.certs, "rsa", "other-rsa")
        for args in ([cert, "/nonexistent.key"], ["/nonexistent.crt", key], [cert, other_key]):
            s = self.new_server(start=False, tls=tuple(args))
            with self.assertRaises(RuntimeError, msg=str(args)):
                s.start(timeout=10)
            self.assertNotEqual(s.proc.returncode, None)
            self.assertIn("TLS", s.log_text())
        data = tempfile.mkdtemp(prefix="trail-e2e-tls-")
        r = run_cli("serve", "--data", data, "--listen", "127.0.0.1:0", "--tls-cert", cert,
                    timeout=20)
        shutil.rmtree(data, ignore_errors=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("TLS", r.stdout + r.stderr)

    def test_key_of_another_type_than_the_certificate_refuses_to_start(self):
        """Regression (fixed): an RSA certificate with an EC private key starts a server that answers
        no TLS handshake at all (each fails: the RSA slot has no key, the EC slot no
        certificate) instead of refusing to start like a same-type mismatch does; the server
        should call SSL_CTX_check_private_key after loading both."""
        cert, _ = make_cert(self.certs, "rsa")
        _, ec_key = make_cert(self.certs, "ec", "other-ec")
        s = self.new_server(start=False, tls=(cert, ec_key))
        try:
            s.start(timeout=3)
        except RuntimeError:
            pass  # exited (good), or running without answering a handshake (killed: -9)
        self.assertNotEqual(s.proc.returncode, -9,
                            "the server started, but can complete no TLS handshake")
        self.assertNotEqual(s.proc.returncode, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)

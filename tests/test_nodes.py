# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Several `trail serve` nodes on one PostgreSQL database behind a load balancer (SPEC §4):
any node serves any web-viewer session, and signing out on one ends it on all.

The multi-node log itself (sequencing, failover, checkpoints) is tested in
src/store/postgres/postgres_store_test.cc and by ../shared/acceptance/postgres.py; this file is
what a browser sees when its requests land on different nodes. On SQLite (one node per file)
it is skipped.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import time
import unittest

from harness import ON_POSTGRES, Client, Server, store_url

SHARED_FILES = ("log.key", "admin.key", "viewer.secret")  # one deployment, one set of secrets


from harness import b64url, viewer_token  # noqa: E402,F401


def cookie_pair(response):
    set_cookie = response.header("Set-Cookie") or ""
    return set_cookie.split(";", 1)[0]


@unittest.skipUnless(ON_POSTGRES, "several nodes share one PostgreSQL database (TRAIL_TEST_STORE=postgres)")
class ViewerSessionsAcrossNodes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = Server(name="node-a")
        cls.a.start()
        url = store_url(cls.a.data, cls.a.name)
        cls.b = Server("--store", url, name="node-b")
        for f in SHARED_FILES:
            if os.path.exists(os.path.join(cls.a.data, f)):
                shutil.copy2(os.path.join(cls.a.data, f), os.path.join(cls.b.data, f))
        cls.b.start()
        with open(os.path.join(cls.a.data, "viewer.secret"), "rb") as f:
            cls.secret = f.read().strip()

    @classmethod
    def tearDownClass(cls):
        cls.b.cleanup()  # node b first: node a's cleanup drops the shared database
        cls.a.cleanup()

    def call(self, server, method, path, body=None, cookie=None, ctype=None):
        c = Client("127.0.0.1", server.port, token=None)
        try:
            return c.request(method, path, body, headers={"Cookie": cookie} if cookie else None, ctype=ctype)
        finally:
            c.close()

    def page(self, server, path, cookie):
        return self.call(server, "GET", path, cookie=cookie)

    def sign_in(self, server, key, within=0):
        """Signs in on `server`; a key made on another node is known there `within` seconds."""
        deadline = time.time() + within
        while True:
            r = self.call(server, "POST", "/ui/login", f"key={key}".encode(),
                          ctype="application/x-www-form-urlencoded")
            if r.status != 401 or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(r.status, 303, r.text)
        return cookie_pair(r)

    def test_a_console_session_opened_on_one_node_works_on_the_other_until_signed_out(self):
        cookie = self.sign_in(self.a, self.a.admin_key)
        self.assertTrue(cookie.startswith("trail_session="), cookie)
        for node in (self.a, self.b, self.a):
            r = self.page(node, "/ui/", cookie)
            self.assertEqual(r.status, 200, f"node {node.name}: {r.text[:300]}")
            self.assertIn('table class="events"', r.text)
        # The live tail and export accept the session on either node too.
        r = self.page(self.b, "/v1/events?limit=1", cookie)
        self.assertEqual(r.status, 401, "a session cookie opens pages, the tail and export only")
        # Sign out on node b with the page's CSRF token: node a no longer knows the session.
        page = self.page(self.b, "/ui/", cookie).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        r = self.call(self.b, "POST", "/ui/logout", f"csrf={csrf}".encode(), cookie=cookie,
                      ctype="application/x-www-form-urlencoded")
        self.assertEqual(r.status, 303)
        r = self.page(self.a, "/ui/", cookie)
        self.assertEqual(r.status, 200)
        self.assertNotIn('table class="events"', r.text)
        self.assertIn("Sign in", r.text)

    def test_a_key_revoked_through_one_node_ends_its_sessions_on_the_other(self):
        admin = self.a.client()
        self.addCleanup(admin.close)
        key = admin.new_key("auditor", "revoked-later")
        cookie = self.sign_in(self.b, key["key"], within=5)
        self.assertEqual(self.page(self.a, "/ui/", cookie).status, 200)
        r = admin.delete(f"/v1/admin/keys/{key['id']}")
        self.assertIn(r.status, (200, 204), r.text)
        # Node b learns of the revocation within its key cache's refresh (a few seconds).
        deadline = time.time() + 15
        status = 200
        while time.time() < deadline:
            status = self.page(self.b, "/ui/", cookie).status
            if status == 401:
                break
            time.sleep(0.5)
        self.assertEqual(status, 401, "the revoked key's session still opens pages")
        self.assertNotIn('table class="events"', self.page(self.a, "/ui/", cookie).text)

    def test_an_embed_session_made_on_one_node_is_served_by_the_other(self):
        token = viewer_token(self.secret, {"sub": "alice", "exp": int(time.time()) + 600,
                                           "roles": {"project:requests": ["owner"]}})
        r = self.call(self.a, "GET", f"/embed/history?subject=project:requests&token={token}")
        self.assertEqual(r.status, 302, r.text[:300])
        self.assertNotIn("token=", r.header("Location"))
        cookie = cookie_pair(r)
        self.assertTrue(cookie.startswith("trail_embed="), cookie)
        r = self.page(self.b, r.header("Location"), cookie)
        self.assertEqual(r.status, 200, r.text[:300])
        # The session is for the embed view only.
        r = self.page(self.b, "/ui/", cookie.replace("trail_embed=", "trail_session="))
        self.assertNotIn('table class="events"', r.text)
        self.assertIn("Sign in", r.text)


if __name__ == "__main__":
    unittest.main()

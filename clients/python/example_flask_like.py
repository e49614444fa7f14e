# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""A web application recording audit events with trail_client beside its metrics.

    python3 example_flask_like.py --trail http://127.0.0.1:8420 --key <writer key> [--port 8080]
    curl -X POST -d 'user=alice&password=secret' http://127.0.0.1:8080/login
    curl http://127.0.0.1:8080/metrics

The pattern, as in any framework (Flask, Django, plain WSGI):
- one Client per process, created at start-up (a worker process gets its own spool slot);
- in the request handler, audit.record(...) next to the metrics call: it returns at once and
  never raises because trail is slow or down (only for an event that could never be sent,
  or, when_full="raise", once the queue and spool are both full);
- the client flushes itself at exit (atexit); call close() on an orderly shutdown;
- its own counters (queued, spooled, sent, failed) go out with the application's metrics.
Standard library only: http.server stands in for the framework.
"""
import argparse
import collections
import http.server
import threading
import urllib.parse

import trail_client

METRICS = collections.Counter()  # stands in for prometheus_client / statsd
METRICS_LOCK = threading.Lock()
USERS = {"alice": "secret"}
audit = None  # the process's trail client, made in main()


def count(name):
    with METRICS_LOCK:
        METRICS[name] += 1


class App(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path != "/login":
            return self.send_error(404)
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        user, password = form.get("user", [""])[0], form.get("password", [""])[0]
        ip, agent = self.client_address[0], self.headers.get("User-Agent", "")
        if USERS.get(user) == password:
            count("logins_total")                                      # the metrics call...
            audit.record("account:login:success", f"user:{user}",      # ...and the audit event
                         actor=user, ip=ip, user_agent=agent, metadata={"auth_method": "password"})
            self.reply(200, f"welcome {user}\n")
        else:
            count("login_failures_total")
            audit.record("account:login:failure", f"user:{user or 'unknown'}",
                         ip=ip, user_agent=agent, metadata={"reason": "bad password"})
            self.reply(401, "no\n")

    def do_GET(self):
        if self.path != "/metrics":
            return self.send_error(404)
        with METRICS_LOCK:
            lines = [f"app_{k} {v}" for k, v in sorted(METRICS.items())]
        lines += [f"trail_client_{k} {v}" for k, v in sorted(audit.stats().items())]
        self.reply(200, "\n".join(lines) + "\n")

    def reply(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    global audit
    ap = argparse.ArgumentParser()
    ap.add_argument("--trail", default="http://127.0.0.1:8420")
    ap.add_argument("--key", required=True, help="a writer API key")
    ap.add_argument("--spool", default="./trail-spool")
    ap.add_argument("--port", type=int, default=8080)
    args = ap.parse_args()
    audit = trail_client.Client(args.trail, args.key, spool_dir=args.spool)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), App)
    print(f"listening on http://127.0.0.1:{args.port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        audit.close()  # flush; what the server cannot take now stays spooled for next time


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A tiny RFC 3161 time-stamping server for the tests, on loopback.

Usage: tsa_server.py CONFIG PASSPHRASE — prints the port, then answers every
POST of an application/timestamp-query with `openssl ts -reply`.
"""
import http.server
import os
import subprocess
import sys
import tempfile

CONFIG, PASS = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        if self.headers.get("Content-Type") != "application/timestamp-query":
            self.send_error(415, "expected application/timestamp-query")
            return
        query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with tempfile.TemporaryDirectory() as d:
            q, r = os.path.join(d, "q.tsq"), os.path.join(d, "r.tsr")
            with open(q, "wb") as f:
                f.write(query)
            p = subprocess.run(
                ["openssl", "ts", "-reply", "-config", CONFIG, "-queryfile", q,
                 "-passin", "pass:" + PASS, "-out", r],
                capture_output=True,
            )
            if p.returncode != 0:
                self.send_error(500, p.stderr.decode(errors="replace")[:200])
                return
            with open(r, "rb") as f:
                reply = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()

#!/usr/bin/env python3
"""Stand-in HTTP service for the end-to-end tests (not a real server).

Listens on every port in STANDIN_PORTS (comma-separated, default 8080) and
answers 200 to any method on any path with a small JSON body:
    {"standin": STANDIN_NAME, "method": ..., "path": ..., "port": ..., "host": ...}
so a test can tell which service answered and which path reached it.
Each request is logged to stdout as one line. SIGTERM stops it at once.
"""
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME = os.environ.get("STANDIN_NAME", "httpstub")


class Handler(BaseHTTPRequestHandler):
    server_version = "stackgen-httpstub/1"
    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = json.dumps({
            "standin": NAME,
            "method": self.command,
            "path": self.path,
            "port": self.server.server_address[1],
            "host": self.headers.get("Host", ""),
        }).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer

    def log_message(self, fmt, *args):
        sys.stdout.write("%s %s port=%d %s\n" % (
            NAME, self.address_string(), self.server.server_address[1], fmt % args))
        sys.stdout.flush()


def main():
    ports = [int(p) for p in os.environ.get("STANDIN_PORTS", "8080").replace(" ", "").split(",") if p]
    if not ports:
        sys.exit("httpstub: STANDIN_PORTS names no port")
    servers = []
    for port in ports:
        srv = ThreadingHTTPServer(("0.0.0.0", port), Handler)
        srv.daemon_threads = True
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("%s: stand-in listening on %s" % (NAME, ",".join(map(str, ports))), flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    for srv in servers:
        srv.shutdown()


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Health check of the web container (compose.yaml runs it).

uWSGI listens with "socket", i.e. the uwsgi protocol that nginx's uwsgi_pass
speaks, not HTTP, and the slim image has no curl. So this script speaks the
uwsgi protocol itself (standard library only), asks Django's /healthz view,
which checks the database, and exits 0 on a 200 answer and 1 otherwise.
"""
import os
import socket
import struct
import sys

ADDRESS = ("127.0.0.1", 8000)  # uwsgi.ini: socket = :8000
PATH = "/healthz"


def host_header():
    """The first name in DJANGO_ALLOWED_HOSTS, so Django accepts the request."""
    for name in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(","):
        name = name.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def uwsgi_packet(variables):
    """A uwsgi request: a 4-byte header, then length-prefixed key/value pairs."""
    body = b""
    for key, value in variables.items():
        k, v = key.encode("latin-1"), value.encode("latin-1")
        body += struct.pack("<H", len(k)) + k + struct.pack("<H", len(v)) + v
    return struct.pack("<BHB", 0, len(body), 0) + body


def main():
    host = host_header()
    request = uwsgi_packet({
        "REQUEST_METHOD": "GET",
        "REQUEST_URI": PATH,
        "PATH_INFO": PATH,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
    })
    try:
        with socket.create_connection(ADDRESS, timeout=8) as conn:
            conn.sendall(request)
            reply = b""
            while b"\r\n" not in reply and len(reply) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                reply += chunk
    except OSError as exc:
        print("healthcheck: cannot reach uWSGI on %s:%d: %s" % (ADDRESS + (exc,)), file=sys.stderr)
        return 1
    status = reply.split(b"\r\n", 1)[0].decode("latin-1", "replace")
    parts = status.split()
    if len(parts) >= 2 and parts[1] == "200":
        return 0
    print("healthcheck: %s answered %r" % (PATH, status), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

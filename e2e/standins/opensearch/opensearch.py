#!/usr/bin/env python3
"""Stand-in for OpenSearch in the end-to-end tests (NOT OpenSearch).

One node, HTTPS on 9200 with the image's self-signed certificate, HTTP
basic auth as "admin" with OPENSEARCH_INITIAL_ADMIN_PASSWORD. Implements the
parts of the REST API that Onyx's OpenSearch client uses at start and while
indexing: ping (HEAD/GET /), _cluster/health, index create/exists/get/delete,
_mapping and _settings, documents (_doc), _bulk, _search (match_all, size),
_count, _refresh and search pipelines. Indices are kept in memory and saved
as one JSON file each under the data directory, so a restart or a restored
volume keeps them. One log line per request; SIGTERM stops it at once.
"""
import base64
import hmac
import json
import os
import re
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

HOME = "/usr/share/opensearch"
DATA = os.environ.get("STANDIN_DATA", HOME + "/data")
PORT = int(os.environ.get("STANDIN_PORT", "9200"))
CLUSTER = os.environ.get("cluster.name", "docker-cluster")
VERSION = "3.6.0"

LOCK = threading.Lock()
INDICES = {}    # name -> {"mappings":…, "settings":…, "docs": {id: source}, "versions": {id: n}}
PIPELINES = {}  # id -> body


def fail(msg):
    sys.stderr.write("opensearch-standin: %s\n" % msg)
    sys.exit(1)


def strong(pw):
    # OpenSearch 2.12+ refuses a weak initial admin password.
    return (len(pw) >= 8 and re.search(r"[A-Z]", pw) and re.search(r"[a-z]", pw)
            and re.search(r"[0-9]", pw) and re.search(r"[^A-Za-z0-9]", pw))


def index_file(name):
    return os.path.join(DATA, "index-%s.json" % name)


def save(name):
    idx = INDICES.get(name)
    path = index_file(name)
    if idx is None:
        if os.path.exists(path):
            os.remove(path)
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(idx, f)
    os.replace(tmp, path)


def load():
    os.makedirs(DATA, exist_ok=True)
    for fn in os.listdir(DATA):
        m = re.fullmatch(r"index-(.+)\.json", fn)
        if m:
            with open(os.path.join(DATA, fn)) as f:
                INDICES[m.group(1)] = json.load(f)


def error(status, etype, reason, index=None):
    cause = {"type": etype, "reason": reason}
    if index:
        cause["index"] = index
    return status, {"error": {"root_cause": [cause], **cause}, "status": status}


def not_found(index):
    return error(404, "index_not_found_exception", "no such index [%s]" % index, index)


def put_doc(name, doc_id, source, op="index"):
    idx = INDICES[name]
    exists = doc_id in idx["docs"]
    if op == "create" and exists:
        return 409, {"error": {"type": "version_conflict_engine_exception"}, "status": 409}
    idx["docs"][doc_id] = source
    idx["versions"][doc_id] = idx["versions"].get(doc_id, 0) + 1
    return (200 if exists else 201), {
        "_index": name, "_id": doc_id, "_version": idx["versions"][doc_id],
        "result": "updated" if exists else "created",
        "_shards": {"total": 1, "successful": 1, "failed": 0}, "_seq_no": 0, "_primary_term": 1}


def delete_doc(name, doc_id):
    idx = INDICES[name]
    if doc_id not in idx["docs"]:
        return 404, {"_index": name, "_id": doc_id, "result": "not_found"}
    del idx["docs"][doc_id]
    return 200, {"_index": name, "_id": doc_id, "result": "deleted", "_version": idx["versions"].get(doc_id, 1) + 1}


def ensure_index(name):
    # Indexing into a missing index creates it, as OpenSearch does.
    if name not in INDICES:
        INDICES[name] = {"mappings": {}, "settings": {}, "docs": {}, "versions": {}}


def bulk(default_index, body):
    lines = [l for l in body.decode().split("\n") if l.strip()]
    items, errors, i = [], False, 0
    while i < len(lines):
        action = json.loads(lines[i])
        op, meta = next(iter(action.items()))
        name = meta.get("_index", default_index)
        doc_id = meta.get("_id") or "%x" % time.time_ns()
        i += 1
        if op == "delete":
            if name not in INDICES:
                status, res = 404, {"result": "not_found"}
            else:
                status, res = delete_doc(name, doc_id)
        else:
            source = json.loads(lines[i])
            i += 1
            ensure_index(name)
            if op == "update":
                merged = dict(INDICES[name]["docs"].get(doc_id, {}))
                merged.update(source.get("doc", {}))
                source = merged
            status, res = put_doc(name, doc_id, source, op)
        res.update({"_index": name, "_id": doc_id, "status": status})
        errors = errors or status >= 400 and op != "delete"
        items.append({op: res})
        save(name)
    return 200, {"took": 1, "errors": errors, "items": items}


def search(name, query, body):
    names = list(INDICES) if name in ("_all", "*") else [name]
    size = int(query.get("size", [10])[0])
    try:
        size = int((json.loads(body) if body else {}).get("size", size))
    except ValueError:
        pass
    hits = []
    for n in names:
        for doc_id, src in INDICES[n]["docs"].items():
            hits.append({"_index": n, "_id": doc_id, "_score": 1.0, "_source": src})
    return 200, {"took": 1, "timed_out": False,
                 "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                 "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": 1.0 if hits else None,
                          "hits": hits[:size]}}


def route(method, path, query, body):
    parts = [unquote(p) for p in path.strip("/").split("/") if p]
    if not parts:
        return 200, {"name": os.environ.get("node.name", "opensearch-standin"), "cluster_name": CLUSTER,
                     "cluster_uuid": "standin", "tagline": "The OpenSearch Project: https://opensearch.org/",
                     "version": {"distribution": "opensearch", "number": VERSION, "build_type": "standin",
                                 "lucene_version": "10", "minimum_wire_compatibility_version": "2.19.0",
                                 "minimum_index_compatibility_version": "2.0.0"}}
    if parts[0] == "_cluster" and parts[1:2] == ["health"]:
        return 200, {"cluster_name": CLUSTER, "status": "green", "timed_out": False, "number_of_nodes": 1,
                     "number_of_data_nodes": 1, "active_primary_shards": len(INDICES), "active_shards": len(INDICES),
                     "relocating_shards": 0, "initializing_shards": 0, "unassigned_shards": 0,
                     "active_shards_percent_as_number": 100.0}
    if parts[0] == "_search" and parts[1:2] == ["pipeline"]:
        pid = parts[2] if len(parts) > 2 else None
        if method == "PUT" and pid:
            PIPELINES[pid] = json.loads(body or b"{}")
            return 200, {"acknowledged": True}
        if method == "DELETE" and pid:
            if PIPELINES.pop(pid, None) is None:
                return error(404, "resource_not_found_exception", "search pipeline [%s] not found" % pid)
            return 200, {"acknowledged": True}
        if pid:
            if pid not in PIPELINES:
                return error(404, "resource_not_found_exception", "search pipeline [%s] not found" % pid)
            return 200, {pid: PIPELINES[pid]}
        return 200, PIPELINES
    if parts[0] == "_bulk":
        return bulk(None, body)
    if parts[0] == "_cat" and parts[1:2] == ["indices"]:
        return 200, [{"health": "green", "status": "open", "index": n, "docs.count": str(len(i["docs"]))}
                     for n, i in sorted(INDICES.items())]
    if parts[0] in ("_search", "_all", "*") and (len(parts) == 1 or parts[1] == "_search"):
        return search("_all", query, body)
    if parts[0].startswith("_"):
        return error(400, "illegal_argument_exception", "stand-in: unsupported endpoint %s" % path)

    name, rest = parts[0], parts[1:]
    if not rest:
        if method == "HEAD" or method == "GET":
            if name not in INDICES:
                return not_found(name)
            idx = INDICES[name]
            return 200, {name: {"aliases": {}, "mappings": idx["mappings"], "settings": {"index": idx["settings"]}}}
        if method == "PUT":
            if name in INDICES:
                return error(400, "resource_already_exists_exception", "index [%s] already exists" % name, name)
            spec = json.loads(body or b"{}")
            INDICES[name] = {"mappings": spec.get("mappings", {}), "settings": spec.get("settings", {}), "docs": {}, "versions": {}}
            save(name)
            return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}
        if method == "DELETE":
            if INDICES.pop(name, None) is None:
                return not_found(name)
            save(name)
            return 200, {"acknowledged": True}
    if rest[0] == "_bulk":
        return bulk(name, body)
    if rest[0] in ("_doc", "_create") and method in ("PUT", "POST"):
        ensure_index(name)
        doc_id = rest[1] if len(rest) > 1 else "%x" % time.time_ns()
        res = put_doc(name, doc_id, json.loads(body or b"{}"), "create" if rest[0] == "_create" else "index")
        save(name)
        return res
    if name not in INDICES:
        return not_found(name)
    idx = INDICES[name]
    if rest[0] == "_doc" and len(rest) > 1:
        doc_id = rest[1]
        if method == "DELETE":
            res = delete_doc(name, doc_id)
            save(name)
            return res
        if doc_id not in idx["docs"]:
            return 404, {"_index": name, "_id": doc_id, "found": False}
        return 200, {"_index": name, "_id": doc_id, "_version": idx["versions"].get(doc_id, 1), "found": True,
                     "_source": idx["docs"][doc_id]}
    if rest[0] == "_search":
        return search(name, query, body)
    if rest[0] == "_count":
        return 200, {"count": len(idx["docs"]), "_shards": {"total": 1, "successful": 1, "failed": 0}}
    if rest[0] == "_refresh":
        return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
    if rest[0] == "_mapping":
        if method == "PUT":
            props = json.loads(body or b"{}").get("properties", {})
            idx["mappings"].setdefault("properties", {}).update(props)
            save(name)
            return 200, {"acknowledged": True}
        return 200, {name: {"mappings": idx["mappings"]}}
    if rest[0] == "_settings":
        if method == "PUT":
            idx["settings"].update(json.loads(body or b"{}").get("index", {}))
            save(name)
            return 200, {"acknowledged": True}
        return 200, {name: {"settings": {"index": idx["settings"]}}}
    return error(400, "illegal_argument_exception", "stand-in: unsupported endpoint %s %s" % (method, path))


class Handler(BaseHTTPRequestHandler):
    server_version = "opensearch-standin/" + VERSION
    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if not self.authorized():
            status, doc = 401, {"error": "Unauthorized", "status": 401}
        else:
            url = urlsplit(self.path)
            try:
                with LOCK:
                    status, doc = route(self.command, url.path, parse_qs(url.query), body)
            except (ValueError, KeyError, StopIteration) as e:
                status, doc = error(400, "parse_exception", "stand-in: %s" % e)
        out = json.dumps(doc).encode() + b"\n"
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="OpenSearch Security"')
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return False
        try:
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == "admin" and hmac.compare_digest(pw.encode(), PASSWORD.encode())

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

    def log_message(self, fmt, *args):
        sys.stdout.write("opensearch-standin %s %s\n" % (self.address_string(), fmt % args))


PASSWORD = os.environ.get("OPENSEARCH_INITIAL_ADMIN_PASSWORD", "")


class TLSServer(ThreadingHTTPServer):
    """TLS per connection, the handshake in the connection's own thread, so
    a slow or plain-HTTP client cannot stall the others."""
    ctx = None

    def get_request(self):
        sock, addr = self.socket.accept()
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        # A client speaking plain HTTP to the HTTPS port, or going away.
        sys.stdout.write("opensearch-standin %s: connection error: %s\n" % (client_address[0], sys.exc_info()[1]))


def main():
    if not PASSWORD:
        fail("No custom admin password found. Please provide a password via the environment variable OPENSEARCH_INITIAL_ADMIN_PASSWORD.")
    if not strong(PASSWORD):
        fail("Password %s is weak: it needs at least 8 characters with upper- and lower-case letters, a digit and a special character." % ("*" * len(PASSWORD)))
    load()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(HOME + "/config/node.pem", HOME + "/config/node-key.pem")
    srv = TLSServer(("0.0.0.0", PORT), Handler)
    srv.ctx = ctx
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("opensearch-standin: HTTPS on %d, %d index(es) loaded from %s" % (PORT, len(INDICES), DATA), flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    srv.shutdown()


if __name__ == "__main__":
    main()

"""Serve a Keras model with web.py.

Routes:
  GET  /          a small page to try the model from a browser
  POST /predict   {"instances": [...]} -> {"predictions": [...]}
  GET  /healthz   200 once the model is loaded, 503 before (or if loading failed)

The model is loaded ONCE, in a background thread started with the server,
by the module named in MODEL_LOADER (default: model_loader, the real Keras
loader next to this file). That module is the only part meant to be
swapped; it must define:

  load(path)                -> model object (called once)
  predict(model, instances) -> JSON-serialisable predictions, one per
                               instance; raise ValueError for bad input
  describe(model)           -> optional: dict shown on / and /healthz

Settings come from the environment (compose.yaml sets them):
  HOST, PORT          where to listen (0.0.0.0, 8080)
  THREADS             server threads (4)
  MODEL_PATH          the model file (/app/models/model.keras)
  MODEL_LOADER        module that loads it (model_loader)
  MODEL_NAME          shown on the page and in responses
  API_TOKEN           if set, POST /predict needs "Authorization: Bearer TOKEN"
  MAX_BODY_BYTES      largest request body accepted (16 MiB)
  MAX_INSTANCES       most instances in one request (1024)

This file needs only the standard library and web.py (with its cheroot
server): JSON is handled without numpy, so a loader that does not use
numpy runs without it.
"""

import hmac
import html
import importlib
import json
import logging
import os
import signal
import sys
import threading
import time

import web

HOST = os.environ.get("HOST", "0.0.0.0")
PORT = int(os.environ.get("PORT", "8080"))
THREADS = int(os.environ.get("THREADS", "4"))
MODEL_PATH = os.environ.get("MODEL_PATH", "/app/models/model.keras")
MODEL_LOADER = os.environ.get("MODEL_LOADER", "model_loader")
MODEL_NAME = os.environ.get("MODEL_NAME", "model")
def _secret(name):
    """NAME's value, or the content of the file NAME_FILE names (a Docker
    Swarm secret under /run/secrets: stackgen export swarm sets it)."""
    path = os.environ.get(name + "_FILE")
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read().rstrip("\r\n")
    return os.environ.get(name, "")


API_TOKEN = _secret("API_TOKEN")
MAX_BODY_BYTES = int(os.environ.get("MAX_BODY_BYTES", str(16 * 1024 * 1024)))
MAX_INSTANCES = int(os.environ.get("MAX_INSTANCES", "1024"))

log = logging.getLogger("app")

# Never show tracebacks to clients, never reload code in production.
web.config.debug = False


class ModelState:
    """The one loaded model, shared by every request thread."""

    def __init__(self):
        self.loader = None
        self.model = None
        self.info = {}
        self.error = None
        self.ready = threading.Event()
        # Keras models are not documented as safe for concurrent predict
        # calls: run one prediction at a time. Requests to / and /healthz
        # never wait on this lock.
        self.predict_lock = threading.Lock()

    def load(self):
        started = time.monotonic()
        log.info("loading model %s with %s", MODEL_PATH, MODEL_LOADER)
        try:
            loader = importlib.import_module(MODEL_LOADER)
            model = loader.load(MODEL_PATH)
            describe = getattr(loader, "describe", None)
            info = describe(model) if describe else {}
        except Exception as exc:  # reported on /healthz and in the log
            self.error = "%s: %s" % (type(exc).__name__, exc)
            log.exception("loading the model failed; /healthz answers 503 until the container is fixed and restarted")
            return
        self.loader, self.model, self.info = loader, model, info or {}
        self.ready.set()
        log.info("model loaded in %.1f s; ready", time.monotonic() - started)

    def predict(self, instances):
        with self.predict_lock:
            return self.loader.predict(self.model, instances)


state = ModelState()


def _to_json(value):
    """Encode numpy arrays and scalars without importing numpy."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError("%s is not JSON serialisable" % type(value).__name__)


def respond(status, payload):
    web.ctx.status = status
    web.header("Content-Type", "application/json; charset=utf-8")
    web.header("Cache-Control", "no-store")
    return json.dumps(payload, default=_to_json)


def error(status, message):
    return respond(status, {"error": message})


def authorised():
    if not API_TOKEN:
        return True
    given = web.ctx.env.get("HTTP_AUTHORIZATION", "")
    return hmac.compare_digest(given.encode("utf-8"), ("Bearer " + API_TOKEN).encode("utf-8"))


PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{name}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}}
textarea,input{{width:100%;font-family:monospace}}pre{{background:#f4f4f4;padding:1rem;overflow:auto}}</style>
</head>
<body>
<h1>{name}</h1>
<p>Status: <strong>{status}</strong></p>
<pre>{info}</pre>
<p>POST JSON to <code>/predict</code>: <code>{{"instances": [...]}}</code>, one entry per input.</p>
<form id="f">
<textarea id="body" rows="6">{{"instances": []}}</textarea>
{token_field}
<p><button type="submit">Predict</button></p>
</form>
<pre id="out"></pre>
<script>
document.getElementById("f").addEventListener("submit", async function (e) {{
  e.preventDefault();
  const headers = {{"Content-Type": "application/json"}};
  const t = document.getElementById("token");
  if (t && t.value) headers["Authorization"] = "Bearer " + t.value;
  const r = await fetch("predict", {{method: "POST", headers: headers, body: document.getElementById("body").value}});
  document.getElementById("out").textContent = r.status + "\\n" + await r.text();
}});
</script>
</body>
</html>
"""


class Index:
    def GET(self):
        if state.ready.is_set():
            status = "ready"
        elif state.error:
            status = "failed to load: " + state.error
        else:
            status = "loading"
        token_field = '<p><input id="token" type="password" placeholder="API token"></p>' if API_TOKEN else ""
        web.header("Content-Type", "text/html; charset=utf-8")
        return PAGE.format(
            name=html.escape(MODEL_NAME),
            status=html.escape(status),
            info=html.escape(json.dumps(state.info, indent=2, default=_to_json)),
            token_field=token_field,
        )


class Health:
    def GET(self):
        if state.ready.is_set():
            return respond("200 OK", {"status": "ok", "model": MODEL_NAME})
        if state.error:
            return respond("503 Service Unavailable", {"status": "error", "error": state.error})
        return respond("503 Service Unavailable", {"status": "loading"})


class Predict:
    def POST(self):
        if not state.ready.is_set():
            return error("503 Service Unavailable", "the model is not loaded yet" if not state.error else "the model failed to load: " + state.error)
        if not authorised():
            web.header("WWW-Authenticate", "Bearer")
            return error("401 Unauthorized", "send the API token as 'Authorization: Bearer TOKEN' (it is API_TOKEN in .env)")
        try:
            length = int(web.ctx.env.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error("400 Bad Request", "Content-Length is not a number")
        if length > MAX_BODY_BYTES:
            return error("413 Payload Too Large", "the request body is %d bytes; the limit is %d (MAX_BODY_BYTES)" % (length, MAX_BODY_BYTES))
        raw = web.data()
        if not raw:
            return error("400 Bad Request", 'the request body is empty; send JSON such as {"instances": [[1.0, 2.0]]} with Content-Type: application/json')
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            return error("400 Bad Request", "the request body is not valid JSON: %s" % exc)
        if not isinstance(body, dict) or "instances" not in body:
            return error("400 Bad Request", 'expected a JSON object with an "instances" list, e.g. {"instances": [[1.0, 2.0]]}')
        instances = body["instances"]
        if not isinstance(instances, list) or not instances:
            return error("400 Bad Request", '"instances" must be a non-empty list, one entry per input')
        if len(instances) > MAX_INSTANCES:
            return error("400 Bad Request", "%d instances in one request; the limit is %d (MAX_INSTANCES)" % (len(instances), MAX_INSTANCES))
        started = time.monotonic()
        try:
            predictions = state.predict(instances)
        except (ValueError, TypeError) as exc:
            return error("400 Bad Request", "the instances do not fit the model: %s" % exc)
        except Exception:
            log.exception("prediction failed")
            return error("500 Internal Server Error", "prediction failed; the container log has the details")
        return respond("200 OK", {
            "model": MODEL_NAME,
            "predictions": predictions,
            "elapsed_ms": round((time.monotonic() - started) * 1000, 1),
        })


URLS = (
    "/", "Index",
    "/healthz", "Health",
    "/predict", "Predict",
)

app = web.application(URLS, {"Index": Index, "Health": Health, "Predict": Predict}, autoreload=False)


def access_log(handler):
    started = time.monotonic()
    try:
        return handler()
    finally:
        if web.ctx.path != "/healthz":
            log.info("%s %s %s %.1f ms", web.ctx.method, web.ctx.path, web.ctx.status, (time.monotonic() - started) * 1000)


app.add_processor(access_log)


def main():
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from cheroot import wsgi  # web.py's own HTTP server

    threading.Thread(target=state.load, name="model-loader", daemon=True).start()
    server = wsgi.Server((HOST, PORT), app.wsgifunc(), numthreads=THREADS, server_name=MODEL_NAME)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    log.info("listening on http://%s:%d/ with %d threads", HOST, PORT, THREADS)
    try:
        server.start()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        server.stop()


if __name__ == "__main__":
    main()

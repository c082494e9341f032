#!/usr/bin/env bash
# Build-time check of the Python stand-in: an ordinary pip install of every
# pinned requirement into a venv works offline, and each module imports.
set -euo pipefail
while read -r lib; do
  dpkg -s "$lib" >/dev/null 2>&1 || { echo "runtime library $lib is missing: add it to RUNTIME_LIBS in the Dockerfile" >&2; exit 1; }
done < /wheels/.runtime-libs
python -m venv /tmp/venv
/tmp/venv/bin/pip install -q -r /wheels/VERSIONS.txt
/tmp/venv/bin/pip check
/tmp/venv/bin/python - <<'PY'
import importlib
for m in ["django", "asgiref", "sqlparse", "MySQLdb", "django_redis", "redis", "web",
          "cheroot", "numpy", "PIL.Image", "gunicorn", "psycopg"]:
    importlib.import_module(m)
import numpy, PIL.Image, io
a = numpy.arange(12, dtype=numpy.float32).reshape(3, 4)
assert float((a @ a.T).sum()) > 0
buf = io.BytesIO()
PIL.Image.new("RGB", (4, 4), "red").save(buf, "PNG")
import psycopg
assert psycopg.pq.__impl__ == "python", psycopg.pq.__impl__  # libpq through ctypes
print("selftest imports ok")
PY
/tmp/venv/bin/gunicorn --version
/tmp/venv/bin/uwsgi --version
/tmp/venv/bin/django-admin --version
touch /selftest.ok

#!/usr/bin/env bash
# Build-time check of the Python stand-in: an ordinary pip install of every
# pinned requirement into a venv works offline, and each module imports.
set -euo pipefail
apt-get update -qq
apt-get install -y -qq --no-install-recommends libmariadb3 > /dev/null  # MySQLdb's runtime library
python -m venv /tmp/venv
/tmp/venv/bin/pip install -q -r /wheels/VERSIONS.txt
/tmp/venv/bin/pip check
/tmp/venv/bin/python - <<'PY'
import importlib
for m in ["django", "asgiref", "sqlparse", "MySQLdb", "django_redis", "redis", "web",
          "cheroot", "numpy", "PIL.Image"]:
    importlib.import_module(m)
import numpy, PIL.Image, io
a = numpy.arange(12, dtype=numpy.float32).reshape(3, 4)
assert float((a @ a.T).sum()) > 0
buf = io.BytesIO()
PIL.Image.new("RGB", (4, 4), "red").save(buf, "PNG")
print("selftest imports ok")
PY
/tmp/venv/bin/uwsgi --version
/tmp/venv/bin/django-admin --version
touch /selftest.ok

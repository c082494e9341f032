"""URL configuration of mysite.

Two views live here to start with: the index page and /healthz, which the
container health checks call. Add your apps' URLs below.
"""

import logging

from django.contrib import admin
from django.db import connection
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import path
from django.utils.html import escape
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

PROJECT_NAME = "mysite"


@require_safe
def index(request):
    """A simple page showing the stack works, styled by a static file."""
    name = escape(PROJECT_NAME)
    html = (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>%s</title>\n"
        '<link rel="stylesheet" href="%s">\n'
        "</head>\n<body>\n"
        "<h1>%s</h1>\n"
        "<p>Django is running behind uWSGI and nginx, with its database and Redis.</p>\n"
        "<p>Edit <code>%s/urls.py</code> to replace this page.</p>\n"
        "</body>\n</html>\n"
    ) % (name, escape(static("css/site.css")), name, name)
    return HttpResponse(html)


@never_cache
@require_safe
def healthz(request):
    """200 when Django can query the database, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure to reach the database means unhealthy
        logger.exception("health check: the database does not answer")
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [
    path("", index, name="index"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

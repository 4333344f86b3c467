"""WSGI entry point: gunicorn -c services/admin/gunicorn.conf.py admin_service.wsgi:application"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from admin_service.api.chunked import ChunkedBodies
from admin_service.telemetry import setup_tracing
from saaskit.settings import get_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "admin_service.settings")
setup_tracing()  # before the middleware chain is built; a no-op unless OTEL_* configure it
application = ChunkedBodies(get_wsgi_application(), get_settings())  # Django reads no chunked body

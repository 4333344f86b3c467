"""WSGI entry point: gunicorn -c services/admin/gunicorn.conf.py admin_service.wsgi:application"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from admin_service.api.chunked import ChunkedBodies
from admin_service.inflight import InFlightLimit
from admin_service.telemetry import setup_tracing
from saaskit.settings import get_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "admin_service.settings")
setup_tracing()  # before the middleware chain is built; a no-op unless OTEL_* configure it
_settings = get_settings()
# Outside Django, in this order: a chunked body is read within the limit (Django reads
# none itself), then the request waits for its turn (inflight).
application = ChunkedBodies(InFlightLimit(get_wsgi_application(), _settings), _settings)

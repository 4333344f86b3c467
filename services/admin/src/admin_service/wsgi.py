"""WSGI entry point: gunicorn -c services/admin/gunicorn.conf.py admin_service.wsgi:application"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "admin_service.settings")
application = get_wsgi_application()

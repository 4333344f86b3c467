"""Django settings, all derived from ``saaskit.settings.Settings`` (env vars ``APP_*``),
so the Django service reads exactly the configuration the FastAPI services read."""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from sqlalchemy.engine import make_url

from saaskit.bad_input import MAX_FORM_PARTS
from saaskit.db.urls import libpq_url
from saaskit.logging import configure_logging
from saaskit.settings import get_settings

APP = get_settings()

SECRET_KEY = APP.secret_key.get_secret_value()
DEBUG = False
# Production is served behind an ingress that ends TLS. Outside development the host
# names and the origins a form may be posted from must be given (refused at start-up
# otherwise, like the placeholder secrets): a wildcard would let any Host header through.
_missing = [
    env for env, value in (("APP_ALLOWED_HOSTS", APP.allowed_hosts),
                           ("APP_CSRF_TRUSTED_ORIGINS", APP.csrf_trusted_origins))
    if not value
]
if _missing and not APP.is_development:
    raise ImproperlyConfigured(f"{', '.join(_missing)} must be set outside development")
ALLOWED_HOSTS = list(APP.allowed_hosts) or ["*"]  # "*" only in development
CSRF_TRUSTED_ORIGINS = list(APP.csrf_trusted_origins)

INSTALLED_APPS = [
    "admin_service.api.admin_site.AdminConfig",  # django.contrib.admin, login throttled
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as our own static files
    "admin_service.api",
    "admin_service.accounts",
    "admin_service.content",
    "admin_service.files",
    "admin_service.jobs",
    "admin_service.operations",
]
# The API's tables belong to Alembic: these apps have unmanaged models and no migrations.
MIGRATION_MODULES = {
    label: None for label in ("api", "accounts", "content", "files", "jobs", "operations")
}

MIDDLEWARE = [
    "admin_service.api.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "admin_service.api.bad_input.BadInputMiddleware",  # before anything reads a body
    "admin_service.api.methods.MethodNotAllowedMiddleware",  # 405 before authentication
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "admin_service.urls"
WSGI_APPLICATION = "admin_service.wsgi.application"
APPEND_SLASH = False  # the API's paths have no trailing slash; never redirect a POST

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Our overrides of the admin's templates (admin/base_site.html: its favicon).
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]


def _database() -> dict:
    url = make_url(libpq_url(APP.database_url))
    return {
        "ENGINE": "admin_service.dbbackend",
        "NAME": url.database,
        "USER": url.username or "",
        "PASSWORD": url.password or "",
        "HOST": url.host or "",
        "PORT": str(url.port or ""),
        # With a pool, connections go back to the pool at the end of each request.
        "CONN_MAX_AGE": 0,
        # Every pooled connection is checked before a request gets it; a dead one has
        # the pool drop all its dead ones at once (admin_service.dbbackend), so no
        # request fails once PostgreSQL is back from a restart.
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "connect_timeout": max(2, round(APP.database_connect_timeout)),
            "application_name": "admin",
            "options": f"-c statement_timeout={APP.database_statement_timeout_ms}",
            "pool": {
                # Every connection kept open: a pool that starts (or comes back from a
                # PostgreSQL restart) at one connection grows one at a time, and a burst
                # of logins then waited out the timeout below (docs/reliability.md 26.3).
                "min_size": APP.database_pool_size,
                "max_size": APP.database_pool_size,
                # A request waits at most this long for a connection, then gets 503.
                # The pool holds more connections than a process has threads, so the
                # wait is only ever for a connection being made: milliseconds while
                # PostgreSQL is up, and while it is down the delay of every 503 (the
                # pool retries in the background and recovers by itself).
                "timeout": min(APP.database_connect_timeout, 0.5),
                # A lost connection is retried at once and then left to demand, never
                # to a background timer: psycopg_pool retries a failed one after 1, 2,
                # 4 s, and the pool kept counting those attempts as its connections, so
                # for seconds after PostgreSQL was back a burst of logins drew from a
                # pool of two and got 503s (docs/reliability.md 26.10). On demand, the
                # pool grows again to min_size as soon as PostgreSQL accepts.
                "reconnect_timeout": 0.0,
            },
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False

STATIC_URL = "/static/"
# Collected at build/start (`manage collectstatic`) into a configurable directory; with
# none collected, whitenoise serves straight from the apps' static folders.
STATIC_ROOT = APP.static_root
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads stream through ``request`` untouched (the files API reads the raw body); any
# other body is held to the limit the FastAPI services apply (saaskit.bad_input), and a
# form's fields and files to the same count: over either, 413 (api/exceptions.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = APP.max_body_bytes
DATA_UPLOAD_MAX_NUMBER_FIELDS = MAX_FORM_PARTS
DATA_UPLOAD_MAX_NUMBER_FILES = MAX_FORM_PARTS
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["admin_service.api.authentication.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["admin_service.api.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "admin_service.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "admin_service.api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": [],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SaaS API (Django REST Framework)",
    "DESCRIPTION": "The same public API as the FastAPI services, in Django REST Framework.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /docs loads Swagger UI from our static files at the version the lock pins, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "",
    # Security: per operation, from the views' authentication (admin_service.api.schema).
    # The answers no view declares (400/413 of the bad-input guard, 401, problem+json),
    # added as on the FastAPI services (saaskit.openapi).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "admin_service.api.schema.complete_document",
    ],
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind the TLS-ending ingress (APP_SECURE_PROXY_SSL_HEADER): believe its
# X-Forwarded-Proto and keep the cookies off plain HTTP. Without it (development, the
# test suites, the benchmark on loopback) both stay off.
if APP.secure_proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The redirect to HTTPS is the ingress's job there (APP_SECURE_SSL_REDIRECT says whether
# Django does it too): in-cluster clients speak plain HTTP to the Service. Django's deploy
# check warns about the missing redirect (W008) only where the ingress is known to do it.
SECURE_SSL_REDIRECT = APP.secure_ssl_redirect
if APP.secure_proxy_ssl_header and not APP.secure_ssl_redirect:
    SILENCED_SYSTEM_CHECKS = ["security.W008"]
# Probes and Prometheus speak plain HTTP to the pod itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = APP.secure_proxy_ssl_header
# HSTS (off at 0, the default): includes subdomains and asks for preloading, as Django's
# deploy check expects; choose APP_HSTS_SECONDS knowing browsers keep it that long.
SECURE_HSTS_SECONDS = APP.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = APP.hsts_seconds > 0

configure_logging(APP.log_level, APP.log_json)
LOGGING_CONFIG = None  # keep the structlog handlers configured above
# Client errors (4xx) are answers, not incidents: only server errors are logged.
logging.getLogger("django.request").setLevel(logging.ERROR)
BASE_DIR = Path(__file__).resolve().parent

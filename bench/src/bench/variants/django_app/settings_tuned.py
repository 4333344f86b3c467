"""DRF tuned: the shipped settings without middleware (the two reads need none: no
session, CSRF, static files or redirects; DRF's authentication and exception handler do
the rest), with server-side binding so psycopg prepares the statements it runs often on
each pooled connection. What was kept was measured (``bench.variants.django_variants``)."""

from admin_service.settings import *  # noqa: F403

ROOT_URLCONF = "bench.variants.django_app.drf_tuned"
MIDDLEWARE: list[str] = []
_default = DATABASES["default"]  # noqa: F405
DATABASES = {
    "default": {
        **_default,
        "OPTIONS": {
            **_default["OPTIONS"],
            # psycopg's Cursor, not ClientCursor: statements can be prepared...
            "server_side_binding": True,
            # ...which they are on their second execution on a connection.
            "prepare_threshold": 1,
        },
    }
}

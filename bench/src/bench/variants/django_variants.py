"""The Django columns beside the shipped service: DRF written as its documentation
teaches, DRF tuned, and async Django on ASGI. Their code is ``bench.variants.django_app``;
each picks its settings module (built on the shipped ``admin_service.settings``: the same
``APP_*`` configuration, models, keys and token check) through ``DJANGO_SETTINGS_MODULE``.
None needs Django's own tables (no sessions, users or admin are read), so none migrates.
"""

from __future__ import annotations

from bench.stack import BIN, GUNICORN_CONF, uvicorn_argv
from bench.variants import Variant

APP = "bench.variants.django_app"


def _gunicorn(wsgi: str):
    """The shipped gunicorn configuration file; the server's knobs come from the
    variant's environment (``GUNICORN_*``), as the file reads them."""

    def argv(port: int, workers: int) -> list[str]:
        return [
            str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), wsgi,
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        ]

    return argv


def _settings(name: str) -> dict[str, str]:
    return {"DJANGO_SETTINGS_MODULE": f"{APP}.settings_{name}"}


drf_idiomatic = Variant(
    "drf_idiomatic",
    "DRF idiomatic",
    "django",
    "DRF as its documentation teaches it, on the shipped settings and served by the shipped "
    "gunicorn configuration (services/admin/gunicorn.conf.py): per request the shipped "
    "middleware stack (metrics, security, bad-input, 405, whitenoise, sessions, common, "
    "CSRF, auth, messages, clickjacking), "
    "DRF's bearer authentication, then a RetrieveAPIView. The user: one ORM query, a model "
    "instance, a ModelSerializer. The overview: the user fetched with prefetch_related of "
    "sliced Prefetch querysets (the newest posts, and per post the newest comments, limited "
    "per parent by a ROW_NUMBER window: three statements), model instances rendered by "
    "nested ModelSerializers; a pooled psycopg connection per request.",
    # The shipped WSGI entry, which takes its settings module from the environment.
    _gunicorn("admin_service.wsgi:application"),
    env=_settings("idiomatic"),
)

drf_tuned = Variant(
    "drf_tuned",
    "DRF tuned",
    "django",
    "DRF APIViews with the FastAPI side's care (each choice measured: "
    "bench/src/bench/variants/django_app/settings_tuned.py): no middleware, DRF's bearer "
    "authentication, rows as tuples from hand-written SQL on Django's connection (the "
    "user: one statement; the overview: the shipped selector's two statements, a LATERAL "
    "join of the newest comments to the newest posts) turned straight into the body, "
    "orjson out; a persistent connection per gunicorn thread (no pool) on which psycopg "
    "prepares the statements (server-side binding); gunicorn gthread, 4 threads.",
    _gunicorn(f"{APP}.wsgi:application"),
    env={**_settings("tuned"), "GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "4"},
)

django_async = Variant(
    "django_async",
    "Django async",
    "django",
    "async def Django views on uvicorn (ASGI), DRF having no async views: per request "
    "Django's default middleware (security, sessions, common, CSRF, auth, messages, "
    "clickjacking; their hooks run via sync_to_async), the shipped bearer check (CPU only, "
    "keys loaded at start-up), then the async ORM: the user by aget, the overview by one "
    "aget with the same sliced Prefetch querysets as DRF idiomatic (three statements, each "
    "run on the request's own thread by the async ORM), dicts built by hand, JsonResponse.",
    lambda port, workers: uvicorn_argv(f"{APP}.asgi:create_app", port, workers),
    env=_settings("async"),
)

VARIANTS = (drf_idiomatic, drf_tuned, django_async)

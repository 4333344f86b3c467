"""The columns that already exist: the floor and the shipped services, as variants."""

from __future__ import annotations

from bench.stack import BIN, gunicorn_argv, uvicorn_argv
from bench.variants import Variant

_MIGRATE = (str(BIN / "python"), "-m", "admin_service.manage", "migrate", "--noinput")

VARIANTS = (
    Variant(
        "floor",
        "floor",
        "none",
        "Starlette routing, an asyncpg pool, hand-written SQL, orjson out; the token "
        "checked as the services check it. No ORM, no validation, no middleware: what "
        "Python itself costs for the same request (bench/src/bench/floor.py).",
        lambda port, workers: uvicorn_argv("bench.floor:create_app", port, workers),
    ),
    Variant(
        "fastapi_tuned",
        "FastAPI tuned (shipped)",
        "fastapi",
        "The resources service as deployed: FastAPI routes, SQL prepared on the asyncpg "
        "connection, rows turned into pre-serialised JSON, no response-model validation.",
        lambda port, workers: uvicorn_argv("resources_service.main:create_app", port, workers),
        shipped=True,
    ),
    Variant(
        "django_shipped",
        "DRF (shipped)",
        "django",
        "The admin service as deployed: explicit DRF APIViews, the ORM for the user read, "
        "the overview as one SQL statement on Django's connection; gunicorn with gevent "
        "workers (a greenlet per connection, so slow clients cannot starve it).",
        gunicorn_argv,
        shipped=True,
        setup_commands=(_MIGRATE,),
    ),
    Variant(
        "django_shipped_gthread",
        "DRF (shipped), gthread",
        "django",
        "The same service under the worker class it had before the slow-client fix: "
        "gunicorn gthread, 4 threads per process (GUNICORN_WORKER_CLASS=gthread). The "
        "cost of serving with gevent is the difference from the row above.",
        gunicorn_argv,
        env={"GUNICORN_WORKER_CLASS": "gthread"},
        setup_commands=(_MIGRATE,),
    ),
)

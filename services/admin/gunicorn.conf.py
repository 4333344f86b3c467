"""gunicorn for the Django service:
``gunicorn -c services/admin/gunicorn.conf.py admin_service.wsgi:application``.

Why this configuration (measurements in ``services/admin/README.md``):
- ``gthread`` workers, one process per core, a few threads each: the threads overlap
  the waits on PostgreSQL and Redis, and the worker keeps HTTP keep-alive connections
  (a ``sync`` worker closes every connection after one response, so each request pays
  a new TCP connection, and a thousand idle clients block it).
- Django's psycopg pool holds ``APP_DATABASE_POOL_SIZE`` connections per process, as
  each FastAPI process holds, so equal process counts give equal database connections.
- Several processes share one set of Prometheus metrics through
  ``PROMETHEUS_MULTIPROC_DIR`` (made here when unset), so ``/metrics`` is right.
Every knob can be overridden from the environment (``GUNICORN_*``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# In a container the process count comes from the CPU the pod is given (the chart sets
# WEB_CONCURRENCY from the container's CPU limit): cpu_count() there counts the node's cores.
workers = int(
    os.environ.get("GUNICORN_WORKERS")
    or os.environ.get("WEB_CONCURRENCY")
    or len(os.sched_getaffinity(0))
)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
backlog = 2048
timeout = 30
# On SIGTERM, in-flight requests get this long; the chart's terminationGracePeriodSeconds
# covers it plus the preStop pause.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# Import Django once in the master: workers fork with it loaded (faster start, shared pages).
# Nothing opens a connection at import: the DB pool and the Redis client are lazy.
# GUNICORN_PRELOAD=0 turns it off for `--reload` (helm/saas/values-dev.yaml): a worker
# forked from a preloaded master would come back with the old code.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
accesslog = None
errorlog = "-"
# No gunicornc control socket: nothing here uses it, and it would be made under $HOME,
# which the image's user does not have (read-only root: an error line at every start).
control_socket_disable = True
wsgi_app = "admin_service.wsgi:application"

_made_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _made_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="admin-metrics-")
_metrics_dir = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def on_starting(server) -> None:
    # Counters of a previous run must not be added to this one's.
    _metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in _metrics_dir.glob("*.db"):
        stale.unlink()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _made_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)

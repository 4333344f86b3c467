"""gunicorn for the Django service:
``gunicorn -c services/admin/gunicorn.conf.py admin_service.wsgi:application``.

Why this configuration (measurements in ``services/admin/README.md``):
- ``gevent`` workers, one process per core: each connection is a greenlet, so a client
  that trickles its headers (or its body) holds a greenlet, not one of a handful of
  threads. ``gthread`` hands a connection to a thread as soon as its first byte arrives
  and that thread then blocks until the headers are complete: eight slow clients
  starved two processes of four threads (``tests/contract/test_slow_clients.py``).
- gevent accepts every connection, so the requests running at once in a process are
  bounded by the application (``admin_service.inflight``: at most the database pool's
  size, the others wait their turn) instead of by a thread count.
- The standard library is patched here, first thing, before gunicorn loads Django in
  the master (``preload_app``): everything Django, psycopg (which detects the patch and
  waits cooperatively), redis-py and the pool's helper threads import is then
  cooperative in the workers forked from it.
- Django's psycopg pool holds ``APP_DATABASE_POOL_SIZE`` connections per process, as
  each FastAPI process holds, so equal process counts give equal database connections.
- gunicorn's own refusals (a request head past its limits: 414, 431; one it cannot
  parse: 400) are written as the contract's problem+json, the FastAPI services' body
  (``admin_service.server_errors``), not gunicorn's HTML page.
- Several processes share one set of Prometheus metrics through
  ``PROMETHEUS_MULTIPROC_DIR`` (made here when unset), so ``/metrics`` is right.
Every knob can be overridden from the environment (``GUNICORN_*``);
``GUNICORN_WORKER_CLASS=gthread`` brings the threaded server back.
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
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
if worker_class == "gevent":
    from gevent import monkey

    monkey.patch_all()
from admin_service import server_errors  # noqa: E402 - after the patch: it imports the kit

server_errors.install()
# gevent: the connections a process holds open at once (slow or idle ones included).
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))  # gthread only
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

"""DRF tuned: the shipped settings without middleware (the two reads need none: no
session, CSRF, static files or redirects; DRF's authentication and exception handler do
the rest), a persistent connection per server thread instead of the pool, and
server-side binding so psycopg prepares the statements on each connection.

Measured on 2026-12-02, the tiny data set, one gunicorn worker (gthread, 4 threads), on a
shared 2-core machine under a load average of about 10, so alternating A/B rounds and
medians; loopback only. Server CPU per request (microseconds) and requests/s:
- In process (the WSGI app called directly, 5 rounds each; CPU of the process):
  user: shipped middleware 1132, none 847; prepared statements (pool) 847 vs not 815,
  persistent connection 693 vs pool 847. Overview: shipped middleware 1501, none 1107;
  prepared 1107 vs not 1474 (persistent: 1004 vs 1183); persistent 1004 vs pool 1107.
- k6, 16 VUs, closed model, 3 s x 3 rounds: user 403 req/s at 1003 us (persistent,
  no middleware), 267 at 1402 (pool), 186 at 1893 (pool and the shipped middleware);
  overview 366 at 1718, 408 at 1784, 314 at 2023.
Kept: no middleware (both routes), prepared statements (the overview; the user read
within noise), persistent connections (the user read; the overview within noise, and
no pool wait: under this load the pool's 0.5 s wait for a new connection gave 503s).
gunicorn threads 2, 4 and 8 were within the noise (user 947/696/693 req/s, overview
170/124/210): the shipped 4 stays. The orjson renderer is the shipped one already.

Without the pool a gunicorn thread keeps its own connection for good (``CONN_MAX_AGE``
``None``): as many connections per process as threads, fewer than
``APP_DATABASE_POOL_SIZE``. No health check before each request: a connection that
broke fails one request (503), and Django drops it after that request.
"""

from admin_service.settings import *  # noqa: F403

ROOT_URLCONF = "bench.variants.django_app.drf_tuned"
MIDDLEWARE: list[str] = []
_default = DATABASES["default"]  # noqa: F405
DATABASES = {
    "default": {
        **_default,
        "CONN_MAX_AGE": None,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {
            **{name: value for name, value in _default["OPTIONS"].items() if name != "pool"},
            # psycopg's Cursor, not ClientCursor: statements can be prepared...
            "server_side_binding": True,
            # ...which they are on their second execution on a connection.
            "prepare_threshold": 1,
        },
    }
}

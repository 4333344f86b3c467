"""The layer profile: collapsed stacks charged to the right layer (leaf up, the first
frame of a known package decides), and py-spy really attached to a real server process
under real load, its samples landing in the layers that server's work is made of."""

from __future__ import annotations

import os
import sys
import threading
import time

import httpx
import pytest

from bench.layer_report import LayerProfile, cpu_ms_per_request, layer_chart, layer_table, shares
from bench.layers import (
    APP,
    DRIVER,
    FRAMEWORK,
    JSON,
    LAYERS,
    ORM,
    OTHER,
    SERVER,
    TOKEN,
    VALIDATION,
    aggregate,
    classify,
)
from bench.profile import find_pids, record
from bench.stack import ROOT
from tests.support.api import new_account
from tests.support.servers import process_server

P = "process 4242:\"/work/main/.venv/bin/python3 /work/main/.venv/bin/uvicorn\""
UVICORN_ROOT = (
    f"{P};<module> (uvicorn:8);main (click/core.py:1161);invoke (click/core.py:788);"
    "main (uvicorn/main.py:410);run (uvicorn/main.py:577);run (uvicorn/server.py:65);"
    "run (asyncio/runners.py:190);Runner.run (asyncio/runners.py:118)"
)
ASGI = (
    f"{UVICORN_ROOT};HttpToolsProtocol.run_asgi (uvicorn/protocols/http/httptools_impl.py:409);"
    "ProxyHeadersMiddleware.__call__ (uvicorn/middleware/proxy_headers.py:60);"
    "FastAPI.__call__ (fastapi/applications.py:1054);"
    "Starlette.__call__ (starlette/applications.py:113);"
    "ServerErrorMiddleware.__call__ (starlette/middleware/errors.py:165);"
    "ExceptionMiddleware.__call__ (starlette/middleware/exceptions.py:62);"
    "wrapped_app (starlette/_exception_handler.py:42);Router.__call__ (starlette/routing.py:714);"
    "Router.app (starlette/routing.py:734);Route.handle (starlette/routing.py:288);"
    "app (starlette/routing.py:76);app (fastapi/routing.py:301)"
)
GTHREAD = (
    "process 5151:\"/work/main/.venv/bin/python3 /work/main/.venv/bin/gunicorn -c "
    "services/admin/gunicorn.conf.py admin_service.wsgi:application\";"
    "_bootstrap (threading.py:1002);_bootstrap_inner (threading.py:1045);"
    "run (threading.py:982);_worker (concurrent/futures/thread.py:83);"
    "run (concurrent/futures/thread.py:58);handle (gunicorn/workers/gthread.py:282);"
    "handle_request (gunicorn/workers/gthread.py:334);"
    "WSGIHandler.__call__ (django/core/handlers/wsgi.py:124);"
    "BaseHandler.get_response (django/core/handlers/base.py:140);"
    "inner (django/core/handlers/exception.py:55);"
    "BaseHandler._get_response (django/core/handlers/base.py:197);"
    "_view_wrapper (django/views/decorators/csrf.py:65);view (django/views/generic/base.py:104);"
    "APIView.dispatch (rest_framework/views.py:512);"
    "UserDetail.get (admin_service/api/views.py:61)"
)


@pytest.mark.parametrize(("stack", "layer"), [
    # FastAPI: the dependency that verifies the bearer token, down in PyJWT and
    # cryptography (Ed25519 itself is Rust: its time is on jwt/algorithms.py's frame).
    (f"{ASGI};get_request_handler.<locals>.app (fastapi/routing.py:269);"
     "solve_dependencies (fastapi/dependencies/utils.py:600);"
     "current_user_id (resources_service/deps.py:40);"
     "AccessTokenVerifier.verify_with_key (saaskit/security/tokens.py:88);"
     "PyJWT.decode (jwt/api_jwt.py:222);PyJWS._verify_signature (jwt/api_jws.py:301);"
     "OKPAlgorithm.verify (jwt/algorithms.py:828)", TOKEN),
    # FastAPI: the route itself between awaits is the framework; its dependency solving too.
    (f"{ASGI};get_request_handler.<locals>.app (fastapi/routing.py:269);"
     "solve_dependencies (fastapi/dependencies/utils.py:583);"
     "get_typed_signature (fastapi/dependencies/utils.py:250);signature (inspect.py:3263)",
     FRAMEWORK),
    # FastAPI: the response model validated and dumped by pydantic.
    (f"{ASGI};get_request_handler.<locals>.app (fastapi/routing.py:327);"
     "serialize_response (fastapi/routing.py:155);"
     "ModelField.serialize (fastapi/_compat.py:146);"
     "TypeAdapter.dump_python (pydantic/type_adapter.py:572)", VALIDATION),
    (f"{ASGI};get_request_handler.<locals>.app (fastapi/routing.py:330);"
     "JSONResponse.__init__ (starlette/responses.py:181);"
     "JSONResponse.render (starlette/responses.py:189);dumps (json/__init__.py:238);"
     "JSONEncoder.encode (json/encoder.py:200);JSONEncoder.iterencode (json/encoder.py:258)",
     JSON),
    # The ORM's Python building the query; its awaited driver call is the driver's.
    (f"{ASGI};get_user (resources_service/api/users.py:33);"
     "AsyncSession.execute (sqlalchemy/ext/asyncio/session.py:461);"
     "greenlet_spawn (sqlalchemy/util/_concurrency_py3k.py:190);"
     "Session.execute (sqlalchemy/orm/session.py:2351);"
     "SQLCompiler.__init__ (sqlalchemy/sql/compiler.py:1352)", ORM),
    (f"{ASGI};get_user (resources_service/api/users.py:33);"
     "AsyncSession.execute (sqlalchemy/ext/asyncio/session.py:461);"
     "greenlet_spawn (sqlalchemy/util/_concurrency_py3k.py:203);"
     "AsyncAdapt_asyncpg_cursor._prepare_and_execute "
     "(sqlalchemy/dialects/postgresql/asyncpg.py:524);"
     "Connection.prepare (asyncpg/connection.py:636);"
     "Connection._get_statement (asyncpg/connection.py:423)", DRIVER),
    # An asyncpg pool wait: asyncio under the driver is the driver's, not the loop's.
    (f"{ASGI};overview (bench/floor.py:107);PoolAcquireContext.__aenter__ "
     "(asyncpg/pool.py:1024);Pool._acquire (asyncpg/pool.py:864);"
     "wait_for (asyncio/tasks.py:479);Lock.acquire (asyncio/locks.py:114)", DRIVER),
    # The app's own Python between library calls.
    (f"{ASGI};overview (bench/floor.py:117);rfc3339 (saaskit/timeutil.py:21);"
     "datetime.isoformat (datetime.py:1)", APP),
    # The event loop with no Python frame above it: uvloop, httptools, the transports.
    (UVICORN_ROOT, SERVER),
    (f"{UVICORN_ROOT};HttpToolsProtocol.data_received "
     "(uvicorn/protocols/http/httptools_impl.py:140);"
     "HttpToolsProtocol.on_headers_complete (uvicorn/protocols/http/httptools_impl.py:234)",
     SERVER),
    # DRF under gunicorn gthread: the view's ORM read reaching psycopg is the driver's...
    (f"{GTHREAD};QuerySet.get (django/db/models/query.py:645);"
     "QuerySet.__len__ (django/db/models/query.py:382);"
     "ModelIterable.__iter__ (django/db/models/query.py:91);"
     "SQLCompiler.execute_sql (django/db/models/sql/compiler.py:1574);"
     "CursorDebugWrapper.execute (django/db/backends/utils.py:79);"
     "Cursor.execute (psycopg/cursor.py:97);wait_c (psycopg/waiting.py:0)", DRIVER),
    # ... the ORM's own work (compiling, instances) and Django's database wrapper, ORM ...
    (f"{GTHREAD};QuerySet.get (django/db/models/query.py:645);"
     "QuerySet.__len__ (django/db/models/query.py:382);"
     "ModelIterable.__iter__ (django/db/models/query.py:122);"
     "Model.from_db (django/db/models/base.py:582);"
     "cached_property.__get__ (django/utils/functional.py:47)", ORM),
    # ... the serializer's fields validation, the renderer JSON, the gthread loop server.
    (f"{GTHREAD};Serializer.data (rest_framework/serializers.py:555);"
     "Serializer.to_representation (rest_framework/serializers.py:522);"
     "DateTimeField.to_representation (rest_framework/fields.py:1238)", VALIDATION),
    (f"{GTHREAD};APIView.finalize_response (rest_framework/views.py:432);"
     "Response.rendered_content (rest_framework/response.py:74);"
     "JSONRenderer.render (rest_framework/renderers.py:100);dumps (json/__init__.py:238)",
     JSON),
    ("process 5151:\"gunicorn\";run (gunicorn/workers/gthread.py:219);"
     "ThreadWorker.wait_for_and_dispatch_connection_event (gunicorn/workers/gthread.py:190);"
     "select (selectors.py:468)", SERVER),
    # A middleware frame does not claim the work of what it wraps.
    (f"{GTHREAD};"
     "AuthenticationMiddleware.__call__ (django/utils/deprecation.py:133);"
     "SessionMiddleware.process_request (django/contrib/sessions/middleware.py:20)",
     FRAMEWORK),
    # Django async: the ORM called through sync_to_async runs in asgiref's thread; the
    # hand-off itself is the framework's.
    ("process 1:\"python\";_bootstrap (threading.py:1002);_worker "
     "(concurrent/futures/thread.py:83);run (concurrent/futures/thread.py:58);"
     "SyncToAsync.thread_handler (asgiref/sync.py:522);"
     "QuerySet.get (django/db/models/query.py:645)", ORM),
    (f"{UVICORN_ROOT};ASGIHandler.__call__ (django/core/handlers/asgi.py:164);"
     "SyncToAsync.__call__ (asgiref/sync.py:468);"
     "copy_context (contextvars.py:1)", FRAMEWORK),
    # Idle-looking thread-pool frames with nothing known above: the server's machinery.
    ("process 1:\"python\";_bootstrap (threading.py:1002);_worker "
     "(concurrent/futures/thread.py:81);get (queue.py:171)", SERVER),
    # The shipped admin service's gevent workers: the hub's loop is the server's.
    ("process 5151:\"gunicorn\";run (gevent/hub.py:647)", SERVER),
    ("process 1:\"python\";<module> (something.py:1);f (somepkg/mod.py:3)", OTHER),
    ("process 1:\"python -m uvicorn --host 127.0.0.1 --port 8000\"", OTHER),
])
def test_a_stack_is_charged_to_the_first_known_frame_from_the_leaf(stack, layer):
    assert classify(stack) == layer


def test_full_filenames_are_shortened_to_the_package():
    stack = ("process 1:\"python\";run (/work/main/.venv/lib/python3.11/site-packages/uvicorn/"
             "server.py:65);verify (/work/main/libs/saaskit/src/saaskit/security/tokens.py:9);"
             "loads (/usr/lib/python3.11/json/decoder.py:337)")
    assert classify(stack) == JSON
    assert classify(stack.rsplit(";", 1)[0]) == TOKEN


def test_aggregate_counts_every_sample_once_and_reports_every_layer():
    text = (f"{ASGI};Router.app (starlette/routing.py:735) 7\n"
            f"{UVICORN_ROOT} 5\n"
            f"{ASGI};Router.app (starlette/routing.py:735) 3\n"
            f"{GTHREAD};JSONRenderer.render (rest_framework/renderers.py:100) 2\n")
    samples = aggregate(text)
    assert set(samples) == set(LAYERS)
    assert samples == {**dict.fromkeys(LAYERS, 0), FRAMEWORK: 10, SERVER: 5, JSON: 2}
    assert shares(samples)[FRAMEWORK] == pytest.approx(10 / 17)
    # 1.7 CPU s over 1,000 requests: 1.7 ms per request, split by the shares.
    per_request = cpu_ms_per_request(samples, 1000, 1.7)
    assert per_request[FRAMEWORK] == pytest.approx(1.0)
    assert sum(per_request.values()) == pytest.approx(1.7)
    assert per_request[ORM] == 0


def _load(base: str, headers: dict, path: str, stop: threading.Event,
          done: list[float], statuses: list[int]) -> None:
    deadline = time.monotonic() + 30  # bounded even if the test never sets stop
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        while not stop.is_set() and time.monotonic() < deadline:
            response = client.get(path)
            done.append(time.monotonic())
            statuses.append(response.status_code)


@pytest.mark.slow
def test_py_spy_profiles_a_real_server_under_load(settings, auth_url, tmp_path):
    """The floor (uvicorn, 2 workers, asyncpg, PyJWT) as a real process tree, loaded by
    four client threads over loopback for ~4 s, profiled for 3 s from its master pid."""
    account = new_account(auth_url)
    env = {
        "APP_ENVIRONMENT": "test", "APP_SECRET_KEY": "profile-test-secret",
        "APP_DATABASE_URL": settings.database_url, "APP_DATABASE_POOL_SIZE": "4",
        "APP_JWKS_URL": settings.jwks_url, "APP_JWT_ISSUER": settings.jwt_issuer,
        "APP_JWKS_MIN_REFRESH_SECONDS": "0", "APP_LOG_LEVEL": "WARNING",
    }
    bin_dir = os.path.dirname(sys.executable)
    command = [os.path.join(bin_dir, "uvicorn"), "bench.floor:create_app", "--factory",
               "--host", "127.0.0.1", "--port", "{port}", "--workers", "2", "--loop", "uvloop",
               "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    path = f"/users/{account.id}/overview"
    with process_server(command, env, cwd=ROOT, log_path=tmp_path / "floor.log") as base:
        assert httpx.get(base + path, headers=account.headers).status_code == 200
        pids = find_pids("bench.floor:create_app", within=os.getpid())
        assert len(pids) == 1  # the master: its workers are followed, not listed
        stop, done, statuses = threading.Event(), [], []
        clients = [threading.Thread(target=_load, args=(base, account.headers, path, stop,
                                                        done, statuses)) for _ in range(4)]
        for client in clients:
            client.start()
        try:
            time.sleep(0.5)
            recording = record(pids, 3, tmp_path / "profile", rate=100)
        finally:
            stop.set()
            for client in clients:
                client.join(15)
    assert set(statuses) == {200}
    served = sum(recording.started <= t <= recording.ended for t in done)
    assert served > 0 and recording.cpu_seconds > 0 and recording.queued_seconds >= 0
    assert recording.samples > 0
    samples = aggregate(recording.stacks)
    profile = LayerProfile("floor", samples, served, recording.cpu_seconds,
                           recording.sampled_seconds)
    share = profile.shares
    print(f"\n{recording.samples} samples, {recording.errors} unreadable, "
          f"{recording.sampled_seconds:.2f} s sampled, {recording.cpu_seconds:.2f} CPU s and "
          f"{recording.queued_seconds:.2f} s queued measured, {served} requests\n" + layer_table([profile]))
    assert share[SERVER] > 0 and share[APP] > 0
    assert share[DRIVER] + share[TOKEN] > 0  # the floor's own work: asyncpg and PyJWT
    assert share[OTHER] < 0.1  # a real server's stacks are nearly all known
    per_request = profile.per_request_ms
    assert sum(per_request.values()) == pytest.approx(recording.cpu_seconds * 1000 / served)
    chart = layer_chart([profile, LayerProfile("floor (shares)", samples)],
                        tmp_path / "layers.png")
    assert chart.stat().st_size > 0

"""How a FastAPI route should produce its JSON body: the candidates, measured.

    python -m bench.bodies

Pure CPU, no network, no database: every candidate answers the same request through a
real FastAPI application (routing, the request handler, ``response_model`` handling,
the middleware stack FastAPI always has), driven as an ASGI call, so what is timed is
what FastAPI really does with each kind of return value. The input is what a route holds
after its query: row mappings with ``datetime`` and ``UUID`` values (grouped already for
the overview, which costs the same whichever way the body is then made).

Candidates (the shapes and models are the services' own):

- ``model``: the handler builds the pydantic model and returns it; ``response_model=``
  makes FastAPI validate it and dump it to JSON (``serialize_response``).
- ``dict``: the handler returns the rows as dicts; ``response_model=`` validates and
  dumps them.
- ``orjson``: the handler shapes the rows with a small function into JSON-ready dicts and
  returns ``saaskit.web.responses.JSONBytes``; FastAPI passes the response through.
- ``dump_json``: the handler builds the model and returns a ``Response`` of its
  ``model_dump_json()``.

Every candidate must give the same bytes for a payload (``check`` asserts it, and
tests/bench/test_bodies.py runs it); the table is the median over repetitions of the
µs per response, and each candidate's ratio to the fastest for that payload.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from fastapi import FastAPI, Response
from fastapi.routing import APIRoute, serialize_response
from pydantic import BaseModel
from starlette.types import Message

from auth_service.auth.schemas import TokenPair
from files_service.files.responses import file
from files_service.files.schemas import FilePage
from resources_service.responses import comment, post, user_public
from resources_service.schemas import Overview, UserPublic
from saaskit.web.responses import JSONBytes, page

CANDIDATES = ("model", "dict", "orjson", "dump_json")
Raw = dict[str, Any]

_T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


@dataclass(frozen=True)
class Payload:
    """One representative response: its raw data, its model, and its shape function."""

    name: str
    model: type[BaseModel]
    raw: Raw
    shape: Callable[[Raw], Any]


def _user(i: int) -> Raw:
    return {"id": i, "username": f"user_{i}", "full_name": f"User Number {i}",
            "created_at": _T0 + timedelta(seconds=i)}


def _post(i: int) -> Raw:
    return {"id": i, "author_id": 1, "title": f"Post title {i}",
            "body": "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 4,
            "comment_count": 5, "created_at": _T0 + timedelta(minutes=i),
            "updated_at": _T0 + timedelta(minutes=i, seconds=30),
            "comments": [_comment(i, j) for j in range(5)]}


def _comment(post_id: int, j: int) -> Raw:
    return {"id": post_id * 100 + j, "post_id": post_id, "author_id": j + 2,
            "body": f"Comment {j} on post {post_id}: sounds right to me.",
            "created_at": _T0 + timedelta(minutes=post_id, seconds=j)}


def _file(i: int) -> Raw:
    return {"id": uuid.UUID(int=i), "filename": f"report-{i}.pdf",
            "content_type": "application/pdf", "size": 10_000 + i, "sha256": "ab" * 32,
            "status": "ready", "created_at": _T0 + timedelta(hours=i)}


def _overview_shape(raw: Raw) -> Raw:
    return {"user": user_public(raw["user"]),
            "posts": [post(p) | {"comments": [comment(c) for c in p["comments"]]}
                      for p in raw["posts"]]}


PAYLOADS = (
    Payload("user (resources)", UserPublic, _user(1), user_public),
    Payload("overview 10x5 (resources)", Overview,
            {"user": _user(1), "posts": [_post(i) for i in range(10)]}, _overview_shape),
    Payload("token pair (auth)", TokenPair,
            {"access_token": "eyJhbGciOiJFZERTQSJ9." + "a" * 180 + "." + "s" * 86,
             "refresh_token": "r" * 43, "token_type": "bearer", "expires_in": 900},
            dict),
    Payload("20 files (files)", FilePage,
            {"items": [_file(i) for i in range(20)], "next_cursor": "c" * 40},
            lambda raw: page([file(f) for f in raw["items"]], raw["next_cursor"])),
)


def _handlers(p: Payload) -> dict[str, Callable[[], Any]]:
    """What each candidate's route handler does, from the raw data to its return value."""
    return {
        "model": lambda: p.model.model_validate(p.raw),
        "dict": lambda: p.raw,
        "orjson": lambda: JSONBytes(p.shape(p.raw)),
        "dump_json": lambda: Response(p.model.model_validate(p.raw).model_dump_json(),
                                      media_type="application/json"),
    }


def build_app(p: Payload) -> FastAPI:
    """One route per candidate, each declaring the payload's model as ``response_model``."""
    app = FastAPI()
    handlers = _handlers(p)
    for name, make in handlers.items():
        app.add_api_route(f"/{name}", _route(make), methods=["GET"], response_model=p.model)
    _handlers_of[app] = handlers
    return app


_handlers_of: weakref.WeakKeyDictionary[FastAPI, dict[str, Callable[[], Any]]] = (
    weakref.WeakKeyDictionary()
)


def _route(make: Callable[[], Any]) -> Callable[[], Any]:
    async def route() -> Any:  # ``async def`` as the services' routes: no thread-pool hop
        return make()
    return route


def _scope(path: str) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
            "root_path": "", "query_string": b"", "headers": [],
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def call(app: FastAPI, candidate: str) -> tuple[int, bytes]:
    """One request to the candidate's route: its status and body."""
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await app(_scope(f"/{candidate}"), _receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


async def bodies(p: Payload) -> dict[str, bytes]:
    """Each candidate's body for the payload (200 asserted)."""
    app = build_app(p)
    out: dict[str, bytes] = {}
    for candidate in CANDIDATES:
        status, body = await call(app, candidate)
        assert status == 200, (p.name, candidate, status, body)
        out[candidate] = body
    return out


async def check() -> None:
    """Every candidate gives the same bytes, for every payload."""
    for p in PAYLOADS:
        out = await bodies(p)
        assert len(set(out.values())) == 1, (p.name, out)


def body_only(app: FastAPI, candidate: str) -> Callable[[], Awaitable[bytes]]:
    """The candidate's body step alone: the handler's work, then FastAPI's serialisation
    step exactly as its request handler runs it (``serialize_response`` on the route's
    response field, JSON dumped by pydantic) for a value, or the rendered bytes of a
    ``Response``."""
    route = next(r for r in app.routes if isinstance(r, APIRoute) and r.path == f"/{candidate}")
    make = _handlers_of[app][candidate]

    async def step() -> bytes:
        value = make()
        if isinstance(value, Response):
            return bytes(value.body)
        return await serialize_response(field=route.response_field, response_content=value,
                                        dump_json=True)
    return step


async def _per_call_us(step: Callable[[], Awaitable[Any]], budget_s: float) -> float:
    """µs per call over one timed loop of about ``budget_s``."""
    n, start = 0, time.perf_counter()
    deadline = start + budget_s
    while (now := time.perf_counter()) < deadline:
        for _ in range(50):
            await step()
        n += 50
    return (now - start) / n * 1e6


Table = dict[str, dict[str, float]]


async def measure(repeats: int = 15, budget_s: float = 0.05) -> tuple[Table, Table]:
    """Median µs per response through FastAPI, and of the body step alone, per payload
    and candidate (candidates interleaved within each repetition)."""
    whole: Table = {}
    alone: Table = {}
    for p in PAYLOADS:
        app = build_app(p)
        steps = {c: (partial(call, app, c), body_only(app, c)) for c in CANDIDATES}
        samples: dict[str, tuple[list[float], list[float]]] = {c: ([], []) for c in CANDIDATES}
        for _ in range(repeats):
            for c, (request, body) in steps.items():
                samples[c][0].append(await _per_call_us(request, budget_s))
                samples[c][1].append(await _per_call_us(body, budget_s))
        whole[p.name] = {c: statistics.median(s[0]) for c, s in samples.items()}
        alone[p.name] = {c: statistics.median(s[1]) for c, s in samples.items()}
    return whole, alone


def render(table: Table, title: str) -> str:
    """The table: µs per response and the ratio to the fastest candidate of the row."""
    head = f"{title:<28}" + "".join(f"{c:>20}" for c in CANDIDATES)
    lines = [head, "-" * len(head)]
    for name, row in table.items():
        fastest = min(row.values())
        cells = "".join(f"{f'{us:.1f} µs x{us / fastest:.2f}':>20}" for us in row.values())
        lines.append(f"{name:<28}{cells}")
    return "\n".join(lines)


async def _main() -> None:
    await check()
    whole, alone = await measure()
    print(render(whole, "through FastAPI (µs)"))
    print()
    print(render(alone, "body step alone (µs)"))


if __name__ == "__main__":
    asyncio.run(_main())

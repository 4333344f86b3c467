"""``python -m bench.bodies`` compares like with like: every candidate way of producing a
FastAPI body gives the same bytes for every payload, through FastAPI and in the body
step alone, so the timings it prints measure different ways of doing the same work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import orjson
import pytest

from bench import bodies


async def _once(step: Callable[[], Awaitable[bytes]]) -> bytes:
    return await step()


@pytest.mark.parametrize("payload", bodies.PAYLOADS, ids=lambda p: p.name)
def test_every_candidate_gives_the_same_body(payload: bodies.Payload) -> None:
    through_fastapi = asyncio.run(bodies.bodies(payload))
    app = bodies.build_app(payload)
    alone = {c: asyncio.run(_once(bodies.body_only(app, c))) for c in bodies.CANDIDATES}

    assert set(through_fastapi) == set(bodies.CANDIDATES)
    assert alone == through_fastapi
    expected = orjson.dumps(payload.shape(payload.raw))
    assert set(through_fastapi.values()) == {expected}
    # The body is the documented model's shape, not merely the same bytes everywhere.
    assert payload.model.model_validate_json(expected).model_dump(mode="json") == orjson.loads(expected)


def test_the_table_names_every_candidate_with_its_ratio() -> None:
    table = {"user": {c: float(i + 1) for i, c in enumerate(bodies.CANDIDATES)}}
    text = bodies.render(table, "payload")
    assert all(c in text for c in bodies.CANDIDATES)
    assert "x1.00" in text and "x4.00" in text

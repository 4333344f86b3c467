"""FastAPI written idiomatically: SQLAlchemy 2 ORM models, an ``AsyncSession`` per
request, ``selectinload`` and pydantic response models, as the documentation teaches.
It is the column that separates what FastAPI costs from what the shipped service's
tuning (SQL prepared on the driver, pre-serialised JSON, no response validation) saves.

    uvicorn bench.variants.fastapi_idiomatic:create_app --factory
"""

from __future__ import annotations

from bench.stack import uvicorn_argv
from bench.variants import Variant
from bench.variants.fastapi_idiomatic.app import create_app

__all__ = ["VARIANTS", "create_app"]

VARIANTS = (
    Variant(
        "fastapi_idiomatic",
        "FastAPI idiomatic",
        "fastapi",
        "FastAPI as its documentation teaches: SQLAlchemy 2 ORM models with relationships, "
        "an AsyncSession per request from a dependency (asyncpg; SQLAlchemy's pool with "
        "its default 30 s wait, sized like every variant's, no overflow), pydantic "
        "response models validated and serialised by FastAPI. The "
        "user is session.get; the overview is session.get for the user, then the newest "
        "posts with selectinload of their comments (three statements whatever the "
        "limits), every comment of those posts loaded and the newest comments_limit of "
        "each kept in Python (selectinload cannot limit per post).",
        lambda port, workers: uvicorn_argv("bench.variants.fastapi_idiomatic:create_app", port, workers),
    ),
)

"""What every task of the worker gets, typed: ``WorkerContext`` (the settings, the
database engine, the storage and arq's Redis pool), built once by the worker's start-up.

arq hands each function a plain ``dict``: its own keys (``redis``, and per job
``job_id`` and ``job_try``) merged with whatever ``on_startup`` put in it. Only this
module reads or writes that dict by key; the start-up stores one ``WorkerContext``
under ``KEY`` and the functions arq calls (``worker.main``) take it back with
``WorkerContext.of``, so a task names no string key and every attribute it reads has a
type the checker knows. ``JobTry`` is arq's per-job part, for the job's lifecycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine

from saaskit.settings import Settings
from saaskit.storage import AsyncStorage

ArqContext = dict[str, Any]
"""The dict arq passes to on_startup, on_shutdown and every job and cron function."""

KEY = "worker"


@dataclass(frozen=True)
class WorkerContext:
    settings: Settings
    engine: AsyncEngine
    storage: AsyncStorage
    redis: ArqRedis

    def store(self, ctx: ArqContext) -> None:
        ctx[KEY] = self

    @classmethod
    def stored(cls, ctx: ArqContext) -> WorkerContext | None:
        """The context, or None when the start-up failed before storing it (shutdown)."""
        context = ctx.get(KEY)
        return context if isinstance(context, cls) else None

    @classmethod
    def of(cls, ctx: ArqContext) -> WorkerContext:
        context = cls.stored(ctx)
        if context is None:
            raise RuntimeError("the worker's start-up has not built its context")
        return context


@dataclass(frozen=True)
class JobTry:
    """arq's keys for the job being run: its arq id (its lock's key) and which try."""

    arq_job_id: str
    number: int

    @classmethod
    def of(cls, ctx: ArqContext) -> JobTry:
        return cls(arq_job_id=str(ctx["job_id"]), number=int(ctx.get("job_try", 1)))

"""Structured logs to stdout (JSON lines in containers, readable lines in a terminal).

When tracing is configured (``saaskit.tracing``), every line written while a span is
active carries its ``trace_id`` and ``span_id``, so a log line leads to its trace; when
it is not, the processor is not even installed.
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.typing import Processor

from saaskit import tracing


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if tracing.endpoint():
        shared.append(tracing.add_trace_ids)
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    # Route the standard library (uvicorn, sqlalchemy, arq, django) through the same format.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # Servers install their own handlers (uvicorn, gunicorn); send them through ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "gunicorn.error", "gunicorn.access"):
        server_logger = logging.getLogger(name)
        server_logger.handlers = []
        server_logger.propagate = True


def get_logger(name: str | None = None):
    return structlog.get_logger(name)

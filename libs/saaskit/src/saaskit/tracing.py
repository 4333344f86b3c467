"""OpenTelemetry traces for every process: the FastAPI services, the Django service and
the worker, configured only by the standard ``OTEL_*`` variables.

Invariant: tracing is on exactly when an OTLP endpoint is configured
(``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``; the older
``APP_OTEL_EXPORTER_OTLP_ENDPOINT`` alias still works) and ``OTEL_SDK_DISABLED`` is not
true. When it is off nothing is imported, patched or wrapped, and ``enabled()`` is False,
so every caller on a request path skips its tracing work with one attribute test: the
project is measured for speed, and an idle tracer still costs a context lookup per call.

When on, the SDK reads the rest itself: ``OTEL_SERVICE_NAME`` and
``OTEL_RESOURCE_ATTRIBUTES`` (a process with neither names itself: auth, resources,
files, admin, worker), ``OTEL_TRACES_SAMPLER``/``OTEL_TRACES_SAMPLER_ARG`` (default
``parentbased_always_on``), ``OTEL_BSP_*`` and ``OTEL_EXPORTER_OTLP_*``.

The queue carries the trace: ``carrier()`` is the W3C ``traceparent`` (and
``tracestate``) of the current span, stored with the job, and ``job_span`` on the worker
continues it, so one trace runs from the HTTP request through the enqueue to the job's
own SQL and storage calls.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable, Mapping, MutableMapping
from contextlib import contextmanager, nullcontext
from typing import Any

TRACER_NAME = "saaskit"
# No server spans for probes and scrapes: they would be most of the traces.
EXCLUDED_URLS = "healthz,readyz,metrics"
# Client libraries each process may ask to instrument (OpenTelemetry contrib packages).
INSTRUMENTORS = {
    "asyncpg": "opentelemetry.instrumentation.asyncpg:AsyncPGInstrumentor",
    "psycopg": "opentelemetry.instrumentation.psycopg:PsycopgInstrumentor",
    "redis": "opentelemetry.instrumentation.redis:RedisInstrumentor",
    "httpx": "opentelemetry.instrumentation.httpx:HTTPXClientInstrumentor",
    "urllib3": "opentelemetry.instrumentation.urllib3:URLLib3Instrumentor",
}

_provider: Any = None
_tracer: Any = None


def endpoint() -> str | None:
    """The OTLP/HTTP traces URL when tracing is configured, else None."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    traces = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if traces:
        return traces
    base = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("APP_OTEL_EXPORTER_OTLP_ENDPOINT")
    return base.rstrip("/") + "/v1/traces" if base else None


def enabled() -> bool:
    return _provider is not None


def provider() -> Any:
    return _provider


def setup(default_service_name: str, instrument: Iterable[str] = ()) -> bool:
    """Install the tracer provider and the client instrumentations; False (and nothing
    done) when no endpoint is configured. Idempotent within a process."""
    global _provider, _tracer
    url = endpoint()
    if url is None:
        return False
    if _provider is not None:
        return True
    from importlib import import_module

    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create()  # OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: default_service_name}))
    tracer_provider = TracerProvider(resource=resource)  # the sampler from OTEL_TRACES_SAMPLER*
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    trace.set_tracer_provider(tracer_provider)
    for name in instrument:
        module, _, cls = INSTRUMENTORS[name].partition(":")
        instrumentor = getattr(import_module(module), cls)()
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=tracer_provider)
    _provider = tracer_provider
    _tracer = tracer_provider.get_tracer(TRACER_NAME)
    return True


def shutdown() -> None:
    """Flush what is buffered (a worker's last jobs) before the process exits."""
    if _provider is not None:
        _provider.shutdown()


def span(name: str, kind: str = "INTERNAL", **attributes: Any):
    """A span around a block when tracing is on; a no-op context otherwise."""
    if _tracer is None:
        return nullcontext()
    from opentelemetry.trace import SpanKind

    return _tracer.start_as_current_span(name, kind=SpanKind[kind], attributes=attributes)


@contextmanager
def enqueue_span(function: str, queue_name: str, job_id: int) -> Generator[dict[str, str]]:
    """The producer span of one enqueue; yields the carrier to store with the job.
    Call only when ``enabled()``."""
    from opentelemetry.propagate import inject

    with span(f"{function} publish", "PRODUCER", **_messaging(function, queue_name, job_id)):
        carrier: dict[str, str] = {}
        inject(carrier)
        yield carrier


def job_span(function: str, queue_name: str, job_id: int, carrier: Mapping[str, str] | None,
             job_try: int):
    """The worker's span of one try of a job, a child of the span that enqueued it."""
    if _tracer is None:
        return nullcontext()
    from opentelemetry.propagate import extract
    from opentelemetry.trace import SpanKind

    return _tracer.start_as_current_span(
        function, context=extract(dict(carrier or {})), kind=SpanKind.CONSUMER,
        attributes={**_messaging(function, queue_name, job_id), "messaging.operation.type": "process",
                    "job.try": job_try},
    )


def _messaging(function: str, queue_name: str, job_id: int) -> dict[str, Any]:
    return {"messaging.system": "arq", "messaging.destination.name": queue_name,
            "messaging.message.id": f"job:{job_id}", "job.type": function, "job.id": job_id}


def add_trace_ids(_logger: Any, _method: str,
                  event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: ``trace_id`` and ``span_id`` of the active span, if any."""
    from opentelemetry.trace import get_current_span

    context = get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = format(context.trace_id, "032x")
        event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict

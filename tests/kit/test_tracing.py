"""``saaskit.tracing`` configuration: standard ``OTEL_*`` variables only, off by default.
Each case runs in a fresh interpreter (a tracer provider is process-wide), exporting to
the suite's own OTLP receiver."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.observability.otlp_receiver import otlp_receiver

SCRIPT = """
import logging, sys
from saaskit import tracing
from saaskit.logging import configure_logging, get_logger
on = tracing.setup("auth")
configure_logging("INFO", json=True)
with tracing.span("unit of work"):
    get_logger("t").info("structlog line")
    logging.getLogger("stdlib").warning("stdlib line")
get_logger("t").info("outside")
import asyncpg
print("ASYNCPG_WRAPPED", hasattr(asyncpg.connection.Connection.execute, "__wrapped__"), file=sys.stderr)
print("ENABLED", on, tracing.enabled(), file=sys.stderr)
tracing.shutdown()
"""


def run(env: dict[str, str]) -> tuple[list[dict], str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "APP_OTEL_"))}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env={**clean, **env}, capture_output=True,
                          text=True, timeout=60, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def test_off_by_default_nothing_is_instrumented():
    lines, err = run({})
    assert "ENABLED False False" in err
    assert "ASYNCPG_WRAPPED False" in err
    assert all("trace_id" not in line for line in lines)


@pytest.mark.parametrize(("env", "service"), [
    ({}, "auth"),
    ({"OTEL_SERVICE_NAME": "auth-eu"}, "auth-eu"),
    ({"OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attributes,team=core"}, "from-attributes"),
])
def test_service_name_defaults_to_the_process_and_follows_otel_variables(env, service):
    with otlp_receiver() as (endpoint, receiver):
        lines, err = run({"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, **env})
        [span] = receiver.wait_for(lambda spans: spans, what="the span")
    assert "ENABLED True True" in err
    assert span.service == service and span.name == "unit of work"
    inside = [line for line in lines if line["event"] in ("structlog line", "stdlib line")]
    assert len(inside) == 2
    assert {(line["trace_id"], line["span_id"]) for line in inside} == {(span.trace_id, span.span_id)}
    [outside] = [line for line in lines if line["event"] == "outside"]
    assert "trace_id" not in outside


def test_sampler_variables_are_the_sdks():
    with otlp_receiver() as (endpoint, receiver):
        lines, err = run({"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_TRACES_SAMPLER": "traceidratio",
                          "OTEL_TRACES_SAMPLER_ARG": "0"})
        assert "ENABLED True True" in err
        assert receiver.snapshot() == []  # ratio 0: the span was not sampled, so not exported
    # An unsampled span still has ids: its log lines still correlate across services.
    assert len({line["trace_id"] for line in lines if line["event"] != "outside"}) == 1

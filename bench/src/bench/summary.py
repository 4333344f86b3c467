"""From repetitions to the report's numbers: medians with their spread (min..max),
errors and timeouts summed by kind, CPU per 1,000 requests, peak memory, SQL per request."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict

from bench.k6run import OUTCOMES
from bench.runner import Cell


def _median(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _spread(values: Sequence[float | None]) -> list[float] | None:
    known = [v for v in values if v is not None]
    return [min(known), max(known)] if known else None


def summarise(cell: Cell) -> dict:
    """The numbers of one scenario x implementation cell (``None`` where not measured)."""
    reps = cell.repetitions
    out: dict = {
        "scenario": cell.scenario,
        "target": cell.target,
        "status": cell.status,
        "reason": cell.reason,
        "repetitions": len(reps),
    }
    if not reps:
        return out
    rps = [r.k6.rps for r in reps]
    lat = {k: [r.k6.latency_ms[k] for r in reps] for k in ("p(50)", "p(90)", "p(99)", "max")}
    attempts = sum(r.k6.attempts for r in reps)
    outcomes = {k: sum(r.k6.outcomes[k] for r in reps) for k in OUTCOMES}

    def cpu_per_1k(r) -> float | None:
        values = list(r.cpu_seconds.values())
        if not values or any(v is None for v in values) or not r.k6.attempts:
            return None
        return sum(values) / r.k6.attempts * 1000

    def sql_per_request(r, kind: str) -> float | None:
        return r.sql[kind] / r.k6.attempts if r.sql and r.k6.attempts else None

    invalid = [i + 1 for i, r in enumerate(reps) if r.k6.generator_saturated]
    out.update(
        {
            "rps": _median(rps),
            "rps_spread": _spread(rps),
            "latency_ms": {k: (max(v) if k == "max" else _median(v)) for k, v in lat.items()},
            "latency_ms_spread": {k: _spread(v) for k, v in lat.items()},
            "requests": attempts,
            "primary_requests": sum(r.k6.primary for r in reps),
            "outcomes": outcomes,
            "errors": attempts - outcomes["ok"] - sum(r.k6.lost for r in reps),
            "lost": sum(r.k6.lost for r in reps),
            "dropped_iterations": sum(r.k6.dropped_iterations for r in reps),
            "cpu_seconds_per_1k": _median([cpu_per_1k(r) for r in reps]),
            "cpu_seconds_by_service": {
                s: _median([r.cpu_seconds.get(s) for r in reps]) for s in reps[0].cpu_seconds
            },
            "peak_rss_bytes": max((sum(r.peak_rss.values()) for r in reps), default=None) or None,
            "peak_rss_by_service": {
                s: max(r.peak_rss.get(s, 0) for r in reps)
                for s in {k for r in reps for k in r.peak_rss}
            },
            "sql_per_request": _median([sql_per_request(r, "data") for r in reps]),
            "sql_control_per_request": _median([sql_per_request(r, "control") for r in reps]),
            "worker_cpu_seconds": _median([r.worker_cpu_seconds for r in reps]),
            "generator_busy": _median([r.k6.generator_busy for r in reps]),
            "generator_peak": max(r.k6.generator_peak for r in reps),
            "invalid_repetitions": invalid,
            "valid": not invalid,
            "extra": reps[-1].k6.extra
            if len(reps) == 1
            else _merge_extra([r.k6.extra for r in reps]),
            "raw": [asdict(r) for r in reps],
        }
    )
    return out


def _merge_extra(extras: list[dict]) -> dict:
    merged: dict = {}
    for key in extras[0]:
        values = [e.get(key) for e in extras]
        if isinstance(values[0], dict):
            merged[key] = {k: _median([v.get(k) for v in values if v]) for k in values[0]}
        else:
            merged[key] = sum(v or 0 for v in values)
    return merged


RATIO_KEYS = {
    "rps": "rps",
    "p50": ("latency_ms", "p(50)"),
    "p99": ("latency_ms", "p(99)"),
    "cpu_per_1k": "cpu_seconds_per_1k",
    "peak_rss": "peak_rss_bytes",
}


def _get(summary: dict, key) -> float | None:
    if isinstance(key, tuple):
        return (summary.get(key[0]) or {}).get(key[1])
    return summary.get(key)


def ratios(fastapi: dict | None, django: dict | None) -> dict[str, float | None]:
    """FastAPI / Django for each headline number (``None`` when either is missing)."""
    out = {}
    for name, key in RATIO_KEYS.items():
        a = _get(fastapi or {}, key)
        b = _get(django or {}, key)
        out[name] = a / b if a is not None and b else None
    return out

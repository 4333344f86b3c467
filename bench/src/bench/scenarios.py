"""The scenarios of the benchmark rules (docs/contract/BENCHMARK.md) and how each one is
loaded.

A row of the report is one scenario run with one load model. ``simple_get`` and
``complex_query`` run twice: open model at a fixed arrival rate for the latency figures
(no coordinated omission), and closed model (fixed VUs) for the saturation throughput.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

K6_DIR = Path(__file__).resolve().parents[2] / "k6"

IMPLEMENTATIONS = ("fastapi", "django")
FLOOR = "floor"
FLOOR_SCRIPTS = ("simple_get", "complex_query")
FLOOR_NOT_APPLICABLE = "n/a — the floor implements only simple_get and complex_query"


@dataclass(frozen=True)
class Scenario:
    name: str
    script: str
    model: str  # "open" (constant arrival rate) or "closed" (constant VUs)
    rate: int = 0  # requests (iterations) per second, open model
    vus: int = 50  # pre-allocated VUs (open) or concurrent VUs (closed)
    max_vus: int = 0  # open model: VUs k6 may add when the server slows down
    duration: float = 25.0  # seconds, per repetition
    warmup: float = 5.0  # seconds, not counted
    timeout: float = 10.0  # seconds, per request
    question: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return K6_DIR / f"{self.script}.js"

    @property
    def floor_applies(self) -> bool:
        return self.script in FLOOR_SCRIPTS

    def targets(self) -> tuple[str, ...]:
        return (*IMPLEMENTATIONS, FLOOR) if self.floor_applies else IMPLEMENTATIONS

    def load_description(self) -> str:
        if self.model == "open":
            return f"open model, {self.rate} req/s for {self.duration:g}s"
        return f"closed model, {self.vus} VUs for {self.duration:g}s"


FULL: tuple[Scenario, ...] = (
    Scenario(
        "simple_get",
        "simple_get",
        "open",
        rate=150,
        vus=50,
        max_vus=400,
        question="per-request framework + ORM overhead (latency at a fixed rate)",
    ),
    Scenario(
        "simple_get_saturation",
        "simple_get",
        "closed",
        vus=64,
        question="per-request overhead: the most requests/s it can serve",
    ),
    Scenario(
        "complex_query",
        "complex_query",
        "open",
        rate=40,
        vus=50,
        max_vus=400,
        question="relationship loading, nested serialisation (latency at a fixed rate)",
    ),
    Scenario(
        "complex_query_saturation",
        "complex_query",
        "closed",
        vus=64,
        question="relationship loading: the most requests/s it can serve",
    ),
    Scenario(
        "upload_10mb",
        "upload_10mb",
        "open",
        rate=4,
        vus=10,
        max_vus=40,
        timeout=30.0,
        question="streaming I/O; memory per upload",
    ),
    Scenario(
        "job_trigger",
        "job_trigger",
        "open",
        rate=5,
        vus=20,
        max_vus=200,
        timeout=10.0,
        question="enqueue latency, and time to completion on the worker",
    ),
    Scenario(
        "concurrency_1000",
        "concurrency_1000",
        "closed",
        vus=1000,
        duration=60.0,
        question="behaviour past saturation: errors, timeouts, tail latency",
    ),
    Scenario(
        "write_mix",
        "write_mix",
        "open",
        rate=60,
        vus=50,
        max_vus=400,
        question="a realistic mixed workload with row locks and inserts",
    ),
)


def quick(scenarios: tuple[Scenario, ...] = FULL) -> tuple[Scenario, ...]:
    """Every scenario, briefly and without a warm-up run: for CI and smoke runs, not for
    conclusions."""
    short = []
    for s in scenarios:
        changes = {"duration": 2.0, "warmup": 0.0}
        if s.model == "open":
            changes["rate"] = max(1, min(s.rate, 50))
        if s.name == "concurrency_1000":
            changes["timeout"] = 5.0
        short.append(replace(s, **changes))
    return tuple(short)


def select(scenarios: tuple[Scenario, ...], names: list[str] | None) -> tuple[Scenario, ...]:
    if not names:
        return scenarios
    known = {s.name for s in scenarios}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown scenario(s) {unknown}; known: {sorted(known)}")
    return tuple(s for s in scenarios if s.name in names)

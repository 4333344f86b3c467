"""``python -m bench variants``: every variant (``bench.variants.registry()``) on the two
hot reads, one after the other in one run, on one stack (``bench.stack.local_stack``:
embedded PostgreSQL and Redis, the seeded data set, the shipped auth service for logins
and the JWKS).

For each variant and route (``simple_get``: ``GET /users/{id}``; ``complex_query``: the
overview, 10 posts x 5 comments):

1. a warm-up, not counted;
2. saturation: closed model, ``vus`` virtual users, ``duration`` seconds: req/s, p50/p99,
   errors, the server's CPU seconds per 1,000 requests (its process tree, read with
   psutil), SQL statements per request (``pg_stat_statements``);
3. capacity: open model at fixed rates, a share of the saturation rate, highest first,
   until one keeps p99 under the target with no error: the rate a core sustains at the
   latency target (``bench.variants.capacity``);
4. a CPU profile: a second closed-model run with py-spy attached to the server's
   processes (``bench.profile``), its samples classified by layer (``bench.layers``); a
   separate run so the profiler's cost never touches the figures of 2 and 3.

Then ``concurrency_1000`` (the main run's scenario) for the variants named by
``--c1000``. One repetition per cell: the figures are a single run's, on a stated
machine; the variants run back to back so slow drift of the machine is visible as
spread between neighbours, not hidden.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from bench.k6run import K6Failed, K6Result, k6_env, run_k6
from bench.processes import Server
from bench.profile import tree_cpu_seconds
from bench.scenarios import FULL, Scenario
from bench.sqlstats import snapshot
from bench.stack import DATABASE, Stack
from bench.variants import Variant
from bench.variants.capacity import P99_TARGET_MS

ROOT = Path(__file__).resolve().parents[4]
ROUTES = ("simple_get", "complex_query")
CAPACITY_SHARES = (0.8, 0.6, 0.4, 0.25)  # of the saturation rate, tried in this order
ROLE_BY_FRAMEWORK = {"fastapi": "fastapi", "django": "django", "none": "floor"}


@dataclass(frozen=True)
class Plan:
    vus: int = 64
    duration: float = 20.0
    warmup: float = 5.0
    capacity_duration: float = 15.0
    profile_duration: float = 10.0
    capacity: bool = True
    profile: bool = True
    # py-spy --gil: only the thread holding the GIL is sampled. A thread woken from the
    # event loop's wait but not yet on a core is then left out (it released the GIL to
    # wait), where plain sampling charged every such run-queue wait to the loop's frame;
    # a thread preempted mid-work keeps the GIL and is charged where it was working.
    profile_gil: bool = True
    c1000: tuple[str, ...] = ()
    c1000_duration: float = 60.0


@dataclass
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    cpu_s_per_1k: float | None
    sql_per_request: float | None
    generator_busy: float

    @classmethod
    def from_k6(cls, result: K6Result, cpu: float | None, sql: int | None) -> Measure:
        requests = result.primary_in_window or result.primary
        errors = sum(v for k, v in result.outcomes.items() if k != "ok")
        return cls(
            rps=result.rps,
            p50_ms=result.latency_ms["p(50)"],
            p99_ms=result.latency_ms["p(99)"],
            errors=errors,
            requests=requests,
            cpu_s_per_1k=cpu / requests * 1000 if cpu is not None and requests else None,
            sql_per_request=sql / requests if sql is not None and requests else None,
            generator_busy=result.generator_busy,
        )


# k6 drops a few iterations while it adds VUs at the start of an open-model run even
# when the server keeps up (10 of 5,640 at 33 ms p99): up to 1% dropped still counts as
# the rate delivered; past it the server was not keeping up.
DROPPED_TOLERANCE = 0.01


@dataclass
class CapacityProbe:
    rate: int
    p99_ms: float
    errors: int
    dropped: int

    def meets_target(self, duration: float) -> bool:
        return (self.p99_ms < P99_TARGET_MS and self.errors == 0
                and self.dropped <= DROPPED_TOLERANCE * self.rate * duration)


def sustained(probes: list[CapacityProbe], duration: float) -> float | None:
    """The highest probed rate that met the latency target."""
    rates = [p.rate for p in probes if p.meets_target(duration)]
    return float(max(rates)) if rates else None


@dataclass
class RouteResult:
    saturation: Measure | None = None
    probes: list[CapacityProbe] = field(default_factory=list)
    probe_duration: float = 0.0  # seconds of each capacity probe
    layers: dict[str, int] = field(default_factory=dict)  # layer -> samples
    profile_requests: int = 0
    profile_cpu_seconds: float | None = None
    profile_sampled_seconds: float | None = None
    profile_queued_seconds: float | None = None  # run-queue waits in the same window
    failure: str = ""

    @property
    def sustained_rps(self) -> float | None:
        """The highest probed rate that met the latency target (derived, never stored)."""
        return sustained(self.probes, self.probe_duration)


@dataclass
class VariantResult:
    name: str
    label: str
    framework: str
    description: str
    command: str
    routes: dict[str, RouteResult] = field(default_factory=dict)
    c1000: Measure | None = None
    c1000_failure: str = ""
    startup_failure: str = ""


def _sql_total(stack: Stack) -> int | None:
    counts = snapshot(stack.admin_database_url, DATABASE)
    return sum(c.data for c in counts.values()) if counts is not None else None


def _pid(server: Server) -> int:
    if server.process is None:
        raise RuntimeError(f"{server.name} is not running")
    return server.process.pid


def command_line(variant: Variant, workers: int) -> str:
    """As a reader reruns it from the repository root (port 8000), not this machine's paths."""
    argv = " ".join(variant.argv(8000, workers))
    return argv.replace(f"{ROOT}/", "").replace(f"{Path(sys.executable).parent}/", "")


def _scenario(route: str, model: str, **changes) -> Scenario:
    return replace(Scenario(route, route, model), **changes)


class VariantRunner:
    def __init__(self, stack: Stack, plan: Plan, out_dir: Path, work_dir: Path,
                 generator_cpus, server_cpus, workers: int, log) -> None:
        self.stack = stack
        self.plan = plan
        self.out = out_dir
        self.work = work_dir
        self.gen = generator_cpus
        self.srv = server_cpus
        self.workers = workers
        self.log = log
        self.data_env = {
            "USERNAME": stack.username,
            "PASSWORD": stack.password,
            "USER_COUNT": str(stack.users),
            "POST_COUNT": str(stack.posts),
        }

    # -- servers -------------------------------------------------------------------------
    def _env(self, variant: Variant) -> dict[str, str]:
        role = ROLE_BY_FRAMEWORK[variant.framework]
        env = {**self.stack.env, "APP_DATABASE_URL": self.stack.database_urls[role],
               "APP_SERVICE_NAME": variant.name, **variant.env}
        metrics = self.work / "prometheus" / variant.name
        metrics.mkdir(parents=True, exist_ok=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        return env

    def start(self, variant: Variant) -> Server:
        from devstack.net import free_port

        env = self._env(variant)
        logs = self.work / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for command in variant.setup_commands:
            with open(logs / f"{variant.name}-setup.log", "ab") as out:
                subprocess.run(list(command), env=env, cwd=ROOT, stdout=out,  # noqa: S603
                               stderr=subprocess.STDOUT, check=True, timeout=300)
        port = free_port()
        server = Server(variant.name, variant.argv(port, self.workers), env, port,
                        logs / f"{variant.name}.log", health_path=variant.health_path,
                        cwd=ROOT, cpus=self.srv)
        server.start()
        return server

    # -- measurements ----------------------------------------------------------------------
    def _k6(self, scenario: Scenario, base_url: str, label: str) -> K6Result:
        target_env = {"BASE_URL": base_url, "AUTH_URL": self.stack.targets["fastapi"].auth_url,
                      "FILES_URL": ""}
        env = k6_env(scenario, scenario.duration, target_env, self.data_env)
        return run_k6(scenario, scenario.duration, env, self.out / "k6", label, self.gen)

    def measured(self, server: Server, scenario: Scenario, label: str) -> Measure:
        pid = _pid(server)
        cpu_before, sql_before = tree_cpu_seconds([pid]), _sql_total(self.stack)
        result = self._k6(scenario, server.url, label)
        cpu = tree_cpu_seconds([pid]) - cpu_before
        sql_after = _sql_total(self.stack)
        sql = sql_after - sql_before if sql_before is not None and sql_after is not None else None
        return Measure.from_k6(result, cpu, sql)

    def saturation(self, server: Server, route: str, label: str) -> Measure:
        p = self.plan
        if p.warmup > 0:
            self._k6(_scenario(route, "closed", vus=p.vus, duration=p.warmup), server.url,
                     f"{label}-warmup")
        return self.measured(server, _scenario(route, "closed", vus=p.vus, duration=p.duration),
                             label)

    def capacity(self, server: Server, route: str, saturated: float, label: str,
                 result: RouteResult) -> None:
        result.probe_duration = self.plan.capacity_duration
        for share in CAPACITY_SHARES:
            rate = max(1, int(saturated * share))
            scenario = _scenario(route, "open", rate=rate, vus=max(20, rate // 10),
                                 max_vus=max(100, rate), duration=self.plan.capacity_duration)
            k6 = self._k6(scenario, server.url, f"{label}-rate{rate}")
            probe = CapacityProbe(rate, k6.latency_ms["p(99)"],
                                  sum(v for k, v in k6.outcomes.items() if k != "ok"),
                                  k6.dropped_iterations)
            result.probes.append(probe)
            self.log(f"    {rate} req/s offered: p99 {probe.p99_ms:.1f} ms, "
                     f"{probe.errors} errors, {probe.dropped} dropped")
            if probe.meets_target(self.plan.capacity_duration):
                return

    def profile(self, server: Server, route: str, label: str, result: RouteResult) -> None:
        from bench.layers import aggregate
        from bench.profile import Recording, record

        p = self.plan
        scenario = _scenario(route, "closed", vus=p.vus, duration=p.profile_duration + 5)
        recordings: list[Recording] = []
        errors: list[Exception] = []

        def attach() -> None:
            time.sleep(2)  # k6 logs in and ramps up first
            try:
                recordings.append(record([_pid(server)], int(p.profile_duration),
                                         self.out / "profiles" / label, gil_only=p.profile_gil))
            except Exception as exc:  # reported in the results, the run goes on
                errors.append(exc)

        thread = threading.Thread(target=attach, daemon=True)
        thread.start()
        k6 = self._k6(scenario, server.url, f"{label}-profile")
        thread.join(p.profile_duration + 60)
        if not recordings:
            result.failure = f"profile: {errors[0] if errors else 'py-spy did not finish'}"
            return
        recording = recordings[0]
        result.layers = dict(aggregate(recording.stacks))
        result.profile_cpu_seconds = recording.cpu_seconds
        result.profile_sampled_seconds = recording.sampled_seconds
        result.profile_queued_seconds = recording.queued_seconds
        # The requests served while py-spy sampled: k6's rate over the sampled window.
        result.profile_requests = int(k6.rps * (recording.ended - recording.started))

    # -- one variant ---------------------------------------------------------------------
    def run(self, variant: Variant) -> VariantResult:
        out = VariantResult(variant.name, variant.label, variant.framework, variant.description,
                            command_line(variant, self.workers))
        self.log(f"{variant.label}: starting")
        try:
            server = self.start(variant)
        except Exception as exc:
            out.startup_failure = str(exc)[-2000:]
            self.log(f"{variant.label}: did not start: {exc}")
            return out
        try:
            for route in ROUTES:
                result = out.routes.setdefault(route, RouteResult())
                label = f"{variant.name}-{route}"
                try:
                    result.saturation = self.saturation(server, route, label)
                    s = result.saturation
                    self.log(f"  {route}: {s.rps:.0f} req/s, p99 {s.p99_ms:.0f} ms, "
                             f"{s.errors} errors")
                    if self.plan.capacity:
                        self.capacity(server, route, s.rps, label, result)
                    if self.plan.profile:
                        self.profile(server, route, label, result)
                except K6Failed as exc:
                    result.failure = str(exc)[-1000:]
                    self.log(f"  {route}: failed: {exc}")
            if variant.name in self.plan.c1000:
                c1000 = next(s for s in FULL if s.name == "concurrency_1000")
                scenario = replace(c1000, duration=self.plan.c1000_duration)
                try:
                    out.c1000 = self.measured(server, scenario, f"{variant.name}-c1000")
                    self.log(f"  concurrency_1000: {out.c1000.rps:.0f} req/s, "
                             f"p99 {out.c1000.p99_ms:.0f} ms, {out.c1000.errors} errors")
                except K6Failed as exc:
                    out.c1000_failure = str(exc)[-1000:]
        finally:
            server.stop()
        return out


def save(results: list[VariantResult], meta: dict, out_dir: Path) -> Path:
    path = out_dir / "results.json"
    path.write_text(json.dumps({"meta": meta, "variants": [asdict(r) for r in results]},
                               indent=2, default=str))
    return path


def load(path: Path) -> tuple[list[VariantResult], dict]:
    """A saved run back as objects, to render its report again (``python -m
    bench.variants.report results.json``) without measuring again."""
    data = json.loads(path.read_text())
    results = []
    for raw in data["variants"]:
        routes = {}
        for route, r in raw.pop("routes").items():
            saturation = Measure(**r.pop("saturation")) if r.get("saturation") else None
            r.pop("saturation", None)
            probes = [CapacityProbe(**p) for p in r.pop("probes")]
            r.pop("sustained_rps", None)  # older runs stored it; it is derived from the probes
            r.setdefault("probe_duration", data["meta"]["plan"]["capacity_duration"])
            routes[route] = RouteResult(saturation=saturation, probes=probes, **r)
        c1000 = Measure(**raw.pop("c1000")) if raw.get("c1000") else None
        raw.pop("c1000", None)
        results.append(VariantResult(routes=routes, c1000=c1000, **raw))
    return results, data["meta"]

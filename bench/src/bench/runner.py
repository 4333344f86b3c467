"""Runs the scenarios against every target: a warm-up per cell that is not counted,
then the repetitions, interleaved across targets so slow drift hits all of them alike.
Each repetition brackets the k6 run with /metrics and pg_stat_statements snapshots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.k6run import K6Failed, K6Result, k6_env, run_k6
from bench.sampling import PeakMemory, scrape_all
from bench.scenarios import FLOOR, FLOOR_NOT_APPLICABLE, IMPLEMENTATIONS, Scenario
from bench.sqlstats import delta, snapshot
from bench.stack import DATABASE, ROLES, Stack, Target


@dataclass
class Repetition:
    k6: K6Result
    cpu_seconds: dict[str, float | None]
    peak_rss: dict[str, float]
    worker_cpu_seconds: float | None
    sql: dict[str, int] | None  # data/control statements of this implementation's role
    worker_sql: dict[str, int] | None


@dataclass
class Cell:
    scenario: str
    target: str
    status: str = "ok"  # ok | not_applicable | unavailable | failed
    reason: str = ""
    repetitions: list[Repetition] = field(default_factory=list)


def why_unavailable(scenario: Scenario, target: Target) -> str | None:
    if target.name == FLOOR and not scenario.floor_applies:
        return FLOOR_NOT_APPLICABLE
    if not target.base_url:
        return "cannot run: no URL for this implementation"
    return None


def _cpu_delta(before, after) -> dict[str, float | None]:
    return {
        name: (after[name].cpu_seconds - before[name].cpu_seconds)
        if before.get(name) and after.get(name)
        else None
        for name in after
    }


def measure(
    scenario: Scenario,
    target: Target,
    stack: Stack,
    out_dir: Path,
    label: str,
    generator_cpus: tuple[int, ...] | None,
    data_env: dict[str, str],
) -> Repetition:
    urls = dict(target.metrics_urls)
    worker = {"worker": stack.worker_metrics_url} if stack.worker_metrics_url else {}
    env = k6_env(scenario, scenario.duration, target.k6_env(), data_env)
    before = scrape_all({**urls, **worker})
    sql_before = snapshot(stack.admin_database_url, DATABASE)
    with PeakMemory(urls) as peak:
        result = run_k6(scenario, scenario.duration, env, out_dir, label, generator_cpus)
    after = scrape_all({**urls, **worker})
    sql_after = snapshot(stack.admin_database_url, DATABASE)
    cpu = _cpu_delta(before, after)
    own = delta(sql_before, sql_after, ROLES.get(target.name, ""))
    worker_sql = delta(sql_before, sql_after, ROLES["worker"])
    return Repetition(
        k6=result,
        cpu_seconds={n: v for n, v in cpu.items() if n != "worker"},
        peak_rss=peak.peak,
        worker_cpu_seconds=cpu.get("worker"),
        sql={"data": own.data, "control": own.control} if own else None,
        worker_sql={"data": worker_sql.data, "control": worker_sql.control} if worker_sql else None,
    )


def run_all(
    scenarios: tuple[Scenario, ...],
    stack: Stack,
    repetitions: int,
    out_dir: Path,
    generator_cpus: tuple[int, ...] | None,
    advance: Callable[[str, float], None],
) -> list[Cell]:
    """``advance(description, seconds)`` is called before each k6 run (progress display)."""
    data_env = {
        "USERNAME": stack.username,
        "PASSWORD": stack.password,
        "USER_COUNT": str(stack.users),
        "POST_COUNT": str(stack.posts),
    }
    cells: list[Cell] = []
    for scenario in scenarios:
        runnable: list[tuple[Cell, Target]] = []
        for name in (*IMPLEMENTATIONS, FLOOR):  # the floor's n/a cells are reported too
            target = stack.targets.get(name)
            cell = Cell(scenario.name, name)
            cells.append(cell)
            if target is None:
                cell.status, cell.reason = (
                    "unavailable",
                    "not started (not selected, or no URL given)",
                )
                continue
            reason = why_unavailable(scenario, target)
            if reason:
                cell.status = "not_applicable" if reason == FLOOR_NOT_APPLICABLE else "unavailable"
                cell.reason = reason
                continue
            runnable.append((cell, target))
        raw = out_dir / "k6" / scenario.name
        for cell, target in list(runnable) if scenario.warmup > 0 else ():
            advance(f"{scenario.name} · {target.name} · warm-up", scenario.warmup)
            warm = replace(scenario, duration=scenario.warmup)
            try:
                run_k6(
                    warm,
                    warm.duration,
                    k6_env(warm, warm.duration, target.k6_env(), data_env),
                    raw,
                    f"{target.name}-warmup",
                    generator_cpus,
                )
            except K6Failed as exc:
                cell.status, cell.reason = "failed", f"warm-up: {exc}"
                runnable.remove((cell, target))
        for rep in range(1, repetitions + 1):
            for cell, target in runnable:
                if cell.status == "failed":
                    continue
                advance(
                    f"{scenario.name} · {target.name} · run {rep}/{repetitions}", scenario.duration
                )
                try:
                    cell.repetitions.append(
                        measure(
                            scenario,
                            target,
                            stack,
                            raw,
                            f"{target.name}-{rep}",
                            generator_cpus,
                            data_env,
                        )
                    )
                except K6Failed as exc:
                    cell.status, cell.reason = "failed", str(exc)
    return cells

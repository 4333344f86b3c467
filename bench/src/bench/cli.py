"""``python -m bench``: the load comparison, start to report.

python -m bench run --quick                       # every scenario briefly (CI smoke)
python -m bench run --size small --out docs/benchmark/2026-01-01
python -m bench run --fastapi-url ... --django-url ... --floor-url ...   # given URLs
python -m bench cost --out docs/benchmark/cost-to-own   # code, images, start-up, memory
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from bench import charts, environment, report, scenarios
from bench.cost import report as cost_report
from bench.cost.run import run as run_cost
from bench.runner import run_all
from bench.stack import StackOptions, local_stack, remote_stack
from bench.summary import ratios, summarise

app = typer.Typer(help="FastAPI vs Django REST Framework under k6 load.", no_args_is_help=True)
console = Console(stderr=True)

K6_OVERHEAD = 2.5  # seconds per k6 run: start-up, login in setup(), summary
SEED_SECONDS = {"tiny": 15, "small": 90, "large": 900}
STARTUP_SECONDS = 30


def _cpus(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    out: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        out.extend(range(int(low), int(high or low) + 1))
    return tuple(out)


def _apply_overrides(
    chosen: tuple[scenarios.Scenario, ...],
    sets: list[str],
    duration: float | None,
    warmup: float | None,
) -> tuple[scenarios.Scenario, ...]:
    out = []
    for s in chosen:
        if duration is not None and s.name != "concurrency_1000":
            s = replace(s, duration=duration)
        if warmup is not None:
            s = replace(s, warmup=warmup)
        for item in sets:
            key, _, value = item.partition("=")
            name, _, attr = key.partition(".")
            if name not in (s.name, "*") or not attr:
                continue
            current = getattr(s, attr)
            s = replace(s, **{attr: type(current)(value)})
        out.append(s)
    return tuple(out)


def estimate_seconds(chosen, targets: tuple[str, ...], repetitions: int, size: str | None) -> float:
    total = STARTUP_SECONDS + (SEED_SECONDS.get(size, 60) if size else 0)
    for s in chosen:
        n = len([t for t in s.targets() if t in targets])
        total += n * (s.warmup + K6_OVERHEAD + repetitions * (s.duration + K6_OVERHEAD))
    return total


@app.command()
def run(
    quick: bool = typer.Option(
        False, help="Every scenario briefly, data set tiny: a smoke test (< 3 min)."
    ),
    size: str = typer.Option(
        None, help="Data set: tiny, small or large (default small; tiny with --quick)."
    ),
    out: Path = typer.Option(None, help="Output directory (default bench-results/<timestamp>)."),
    repetitions: int = typer.Option(
        None, min=1, help="Measured runs per cell (default 3; 1 with --quick)."
    ),
    duration: float = typer.Option(
        None, help="Seconds per measured run, every scenario but concurrency_1000."
    ),
    warmup: float = typer.Option(None, help="Warm-up seconds per cell (not counted)."),
    scenario: list[str] = typer.Option(None, help="Only these scenarios (repeatable)."),
    set_: list[str] = typer.Option(
        None,
        "--set",
        help="Override a scenario field: simple_get.rate=500, *.timeout=20, "
        "concurrency_1000.duration=30.",
    ),
    targets: str = typer.Option("fastapi,django,floor", help="Implementations to run."),
    workers: int = typer.Option(
        None, help="Worker processes per server, both frameworks (default: the server cores)."
    ),
    pool_size: int = typer.Option(10, help="Database pool per worker process, both frameworks."),
    generator_cpus: str = typer.Option(
        None, help="Cores for k6, e.g. 0 (default: a quarter of the cores)."
    ),
    server_cpus: str = typer.Option(
        None, help="Cores for PostgreSQL, Redis and the servers, e.g. 1-3 (default: the others)."
    ),
    pin: bool = typer.Option(True, help="Pin k6 and the servers to separate cores (taskset)."),
    durable: bool = typer.Option(True, help="PostgreSQL with fsync (production) or without."),
    seed: int = typer.Option(42, help="Random seed of the data set."),
    fastapi_url: str = typer.Option(None, help="Use a running FastAPI stack: its resources URL."),
    fastapi_auth_url: str = typer.Option(None, help="...its auth URL."),
    fastapi_files_url: str = typer.Option(None, help="...its files URL."),
    django_url: str = typer.Option(None, help="Use a running Django service."),
    floor_url: str = typer.Option(None, help="Use a running floor app."),
    database_url: str = typer.Option(
        None, help="With given URLs: a superuser URL of their PostgreSQL (SQL counts)."
    ),
) -> None:
    """Run every scenario against FastAPI, Django and the floor; write the report."""
    size = size or ("tiny" if quick else "small")
    repetitions = repetitions or (1 if quick else 3)
    chosen = scenarios.select(scenarios.quick() if quick else scenarios.FULL, scenario or None)
    chosen = _apply_overrides(chosen, set_ or [], duration, warmup)
    selected = tuple(t.strip() for t in targets.split(",") if t.strip())
    remote = any((fastapi_url, django_url, floor_url))

    cores = os.cpu_count() or 1
    gen, srv = (
        (_cpus(generator_cpus), _cpus(server_cpus))
        if (generator_cpus or server_cpus)
        else environment.default_split(cores)
    )
    if not pin:
        gen, srv = None, None
    workers = workers or (len(srv) if srv else cores)
    started_at = datetime.now(UTC)
    out = out or Path("bench-results") / started_at.strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()

    estimate = estimate_seconds(chosen, selected, repetitions, None if remote else size)
    console.print(
        f"[bold]bench[/]: {len(chosen)} scenarios x {', '.join(selected)}; "
        f"{repetitions} repetition(s); "
        f"data set {size}; {workers} worker(s) per server, pool {pool_size} per worker; "
        f"k6 on cores {gen or 'any'}, servers on cores {srv or 'any'}.\n"
        f"Estimated duration: [bold]{estimate / 60:.0f} min[/] ({estimate:.0f} s). Output: {out}"
    )
    options = StackOptions(
        size=size, seed=seed, workers=workers, pool_size=pool_size, server_cpus=srv, durable=durable
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("left ~"),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("starting the stack", total=estimate)
        last = {"t": time.monotonic()}

        def log(message: str) -> None:
            progress.console.log(message)

        def advance(description: str, _seconds: float) -> None:
            now = time.monotonic()
            progress.update(task, advance=now - last["t"], description=description)
            last["t"] = now

        if remote:
            stack = remote_stack(
                size,
                fastapi_url,
                fastapi_auth_url,
                fastapi_files_url,
                django_url,
                floor_url,
                database_url,
            )
            cells = run_all(chosen, stack, repetitions, out, gen, advance)
        else:
            work = Path(tempfile.mkdtemp(prefix="bench-", dir=os.environ.get("BENCH_WORK_DIR")))
            console.print(f"work directory (database, logs): {work}")
            with local_stack(options, work, log, selected) as stack:
                advance("stack ready", 0)
                cells = run_all(chosen, stack, repetitions, out, gen, advance)
                results = _results(
                    chosen, cells, stack, quick, repetitions, started_at, out, gen, srv
                )
        if remote:
            results = _results(chosen, cells, stack, quick, repetitions, started_at, out, gen, srv)
        progress.update(task, completed=estimate, description="report written")

    failed = [c for cells in results["cells"].values() for c in cells if c["status"] == "failed"]
    lost = sum(c.get("lost", 0) for cells in results["cells"].values() for c in cells)
    console.print(f"report: {out / 'report.md'}")
    for c in (c for cells in results["cells"].values() for c in cells if c["status"] != "ok"):
        console.print(f"  [yellow]{c['scenario']} / {c['target']}[/]: {c['reason']}")
    raise typer.Exit(1 if failed or lost else 0)


def _results(chosen, cells, stack, quick, repetitions, started_at, out: Path, gen, srv) -> dict:
    summaries: dict[str, list[dict]] = {s.name: [] for s in chosen}
    for cell in cells:
        summaries[cell.scenario].append(summarise(cell))
    by = {name: {s["target"]: s for s in ss} for name, ss in summaries.items()}
    ratio_table = {}
    for name, cell in by.items():
        r = ratios(cell.get("fastapi"), cell.get("django"))
        floor = (cell.get("floor") or {}).get("rps")
        for impl in ("fastapi", "django"):
            mine = (cell.get(impl) or {}).get("rps")
            r[f"{impl}_floor"] = mine / floor if mine is not None and floor else None
        ratio_table[name] = r
    results = {
        "title": "quick smoke run" if quick else f"{stack.settings.get('data_set')} data set",
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "repetitions": repetitions,
        "command": "python -m bench " + shlex.join(sys.argv[1:]),
        "machine": environment.machine(),
        "core_split": environment.core_split(gen, srv),
        "versions": {
            **environment.versions(),
            "postgresql": environment.postgres_version(stack.admin_database_url),
        },
        "settings": stack.settings,
        "targets": {n: t.configuration for n, t in stack.targets.items()},
        "commands": stack.commands,
        "scenarios": [
            {**asdict(s), "load": s.load_description(), "targets": list(s.targets())}
            for s in chosen
        ],
        "cells": summaries,
        "ratios": ratio_table,
    }
    results["charts"] = charts.all_charts(summaries, out)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    report.write(results, out)
    return results


@app.command()
def plan(
    quick: bool = typer.Option(False, help="The --quick plan."),
    repetitions: int = typer.Option(None, min=1),
    size: str = typer.Option(None),
) -> None:
    """Print the scenarios, their load and the estimated duration, without running."""
    size = size or ("tiny" if quick else "small")
    repetitions = repetitions or (1 if quick else 3)
    chosen = scenarios.quick() if quick else scenarios.FULL
    for s in chosen:
        console.print(f"{s.name:<26} {s.load_description():<40} {', '.join(s.targets())}")
    estimate = estimate_seconds(chosen, ("fastapi", "django", "floor"), repetitions, size)
    console.print(f"estimated duration: {estimate / 60:.0f} min ({estimate:.0f} s)")


@app.command()
def cost(
    out: Path = typer.Option(Path("docs/benchmark/cost-to-own"), help="Output directory."),
    repeats: int = typer.Option(5, min=1, help="Start-ups measured per service and count."),
    services: str = typer.Option(
        "auth,resources,files,admin,worker", help="Images to measure (comma-separated)."
    ),
    processes: str = typer.Option("1,2", help="WEB_CONCURRENCY values to measure."),
    images: bool = typer.Option(
        True, help="Measure the images (sizes, dependencies, start-up); off: code only."
    ),
) -> None:
    """Cost to own: code per feature, dependencies, image size, cold start, idle memory."""
    chosen = tuple(s.strip() for s in services.split(",") if s.strip())
    counts = tuple(int(p) for p in processes.split(",") if p.strip())
    results = run_cost(out, chosen, repeats, counts, images, lambda m: console.log(m))
    console.print(f"report: {out / 'report.md'}")
    for line in cost_report.headline(results):
        console.print(f"- {line}")


@app.command("cost-report")
def cost_report_again(
    out: Path = typer.Option(Path("docs/benchmark/cost-to-own"), help="Output directory."),
) -> None:
    """Rewrite report.md from results.json, the change-cost patches recounted."""
    from bench.cost import changes

    path = out / "results.json"
    results = json.loads(path.read_text())
    results["changes"] = changes.count_all()
    path.write_text(json.dumps(results, indent=2))
    console.print(f"report: {cost_report.write(results, out)}")


@app.command("cost-change")
def cost_change(
    revision: str = typer.Argument(..., help="The commit that makes the change (its diff is saved)."),
    name: str = typer.Argument(..., help="File name of the patch, without .patch."),
    out: Path = typer.Option(Path("docs/benchmark/cost-to-own/changes"), help="Where patches go."),
) -> None:
    """Save one change-cost exercise's diff under changes/ and print its count."""
    from bench.cost import changes

    patch = changes.save(revision, out / f"{name}.patch")
    summary = changes.summarise(changes.parse(patch.read_text()))["by_side"]
    for side, c in summary.items():
        if c["files"]:
            console.print(f"{side}: {c['files']} files ({c['new_files']} new), "
                          f"+{c['added']}/-{c['removed']}")


@app.command()
def variants(
    size: str = typer.Option("small", help="Data set: tiny, small or large."),
    only: str = typer.Option(None, help="Only these variants (comma-separated names)."),
    out: Path = typer.Option(None, help="Output directory (default bench-results/variants-<ts>)."),
    duration: float = typer.Option(20, help="Seconds of each saturation run."),
    warmup: float = typer.Option(5, help="Warm-up seconds per variant and route (not counted)."),
    vus: int = typer.Option(64, help="Virtual users of the saturation (closed model) runs."),
    capacity: bool = typer.Option(True, help="Probe the rate held at p99 < 100 ms."),
    capacity_duration: float = typer.Option(15, help="Seconds of each capacity probe."),
    profile: bool = typer.Option(True, help="Profile each variant by layer (py-spy)."),
    profile_duration: float = typer.Option(10, help="Seconds py-spy samples per profile."),
    profile_gil: bool = typer.Option(True, help="Sample only the GIL holder (py-spy --gil)."),
    c1000: str = typer.Option(
        "django_async,drf_tuned", help="Variants that also run concurrency_1000."
    ),
    c1000_duration: float = typer.Option(60, help="Seconds of each concurrency_1000 run."),
    vcpu_hour_usd: float = typer.Option(0.04, help="Price of a vCPU-hour, for the cost table."),
    workers: int = typer.Option(None, help="Worker processes per server (default: server cores)."),
    pool_size: int = typer.Option(10, help="Database pool per worker process."),
    seed: int = typer.Option(42, help="Random seed of the data set."),
    keep: bool = typer.Option(False, help="Keep the work directory (database, server logs)."),
) -> None:
    """Each framework idiomatic and tuned (bench.variants) on the two hot reads: saturation,
    the rate held at the latency target, CPU by layer, capacity and cost."""
    from bench.variants import registry
    from bench.variants import report as variants_report
    from bench.variants.capacity import Pricing
    from bench.variants.run import Plan, VariantRunner, save

    chosen = list(registry().values())
    if only:
        names = [n.strip() for n in only.split(",") if n.strip()]
        unknown = sorted(set(names) - {v.name for v in chosen})
        if unknown:
            raise typer.BadParameter(f"unknown variant(s) {unknown}")
        chosen = [v for v in chosen if v.name in names]
    gen, srv = environment.default_split(os.cpu_count() or 1)
    workers = workers or (len(srv) if srv else os.cpu_count() or 1)
    plan = Plan(vus=vus, duration=duration, warmup=warmup, capacity_duration=capacity_duration,
                profile_duration=profile_duration, capacity=capacity, profile=profile,
                profile_gil=profile_gil,
                c1000=tuple(n.strip() for n in c1000.split(",") if n.strip()),
                c1000_duration=c1000_duration)
    per_route = warmup + duration + 4 * K6_OVERHEAD
    per_route += (capacity_duration + K6_OVERHEAD) * 2 if capacity else 0  # two probes, typically
    per_route += profile_duration + 7 + K6_OVERHEAD if profile else 0
    estimate = (SEED_SECONDS[size] + STARTUP_SECONDS + len(chosen) * (2 * per_route + 15)
                + len([v for v in chosen if v.name in plan.c1000]) * (c1000_duration + 20))
    started_at = datetime.now(UTC)
    out = (out or Path("bench-results") / f"variants-{started_at:%Y%m%dT%H%M%SZ}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    console.print(f"[bold]bench variants[/]: {', '.join(v.name for v in chosen)}; data set "
                  f"{size}; estimated duration [bold]{estimate / 60:.0f} min[/]. Output: {out}")
    work = Path(tempfile.mkdtemp(prefix="bench-variants-", dir=os.environ.get("BENCH_WORK_DIR")))
    options = StackOptions(size=size, seed=seed, workers=workers, pool_size=pool_size,
                           server_cpus=srv)
    started = time.monotonic()
    results = []
    try:
        with local_stack(options, work, console.log, ()) as stack:
            runner = VariantRunner(stack, plan, out, work, gen, srv, workers, console.log)
            for variant in chosen:
                results.append(runner.run(variant))
            seed_seconds, users, posts = stack.seed_seconds, stack.users, stack.posts
            postgres = environment.postgres_version(stack.admin_database_url)
    finally:
        if keep:
            console.print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    split = environment.core_split(gen, srv)
    meta = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": time.monotonic() - started,
        "machine": f"{environment.cpu_model()}, {os.cpu_count()} logical cores",
        "machine_details": environment.machine(),
        "versions": environment.versions(),
        "postgres": postgres,
        "data_set": size, "users": users, "posts": posts, "seed_seconds": seed_seconds or 0.0,
        "core_split": f"k6 on {split['generator']}; servers on {split['servers']}",
        "server_cores": len(srv) if srv else os.cpu_count() or 1,
        "workers": workers, "pool_size": pool_size, "plan": asdict(plan),
        "command": "python -m bench variants " + shlex.join(sys.argv[2:]),
    }
    pricing = Pricing(vcpu_hour_usd=vcpu_hour_usd)
    meta["pricing"] = asdict(pricing)
    save(results, meta, out)
    path = variants_report.write(results, meta, out, pricing)
    console.print(f"report: {path}")
    failed = [r.name for r in results if r.startup_failure or any(
        rr.failure for rr in r.routes.values())]
    if failed:
        console.print(f"[yellow]failures[/]: {', '.join(failed)} (see the report)")
    raise typer.Exit(1 if failed else 0)

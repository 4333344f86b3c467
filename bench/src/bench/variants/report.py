"""The variants run as a report: what each variant is, the two reads at saturation, the
rate each sustains at the latency target, where the CPU goes by layer, what it costs
to run, and ``concurrency_1000``. Every ratio is computed from this run's own numbers."""

from __future__ import annotations

from pathlib import Path

from bench.layer_report import LayerProfile, layer_chart, layer_table
from bench.variants.capacity import (
    DEMANDS,
    P99_TARGET_MS,
    Pricing,
    chart_pricing,
    mix_rate,
    plans,
)
from bench.variants.run import ROUTES, VariantResult

ROUTE_TITLES = {
    "simple_get": "`simple_get`: GET /users/{id}",
    "complex_query": "`complex_query`: GET /users/{id}/overview (10 posts x 5 comments)",
}
MIX = {"simple_get": 0.8, "complex_query": 0.2}  # the stated read mix of the capacity plan


def _num(value: float | None, fmt: str = "{:.0f}") -> str:
    return "–" if value is None else fmt.format(value)


def _ok(results: list[VariantResult]) -> list[VariantResult]:
    return [r for r in results if not r.startup_failure]


def saturation_table(results: list[VariantResult], route: str) -> str:
    floor_rps = _rps(results, "floor", route)
    lines = [
        "| variant | req/s | p50 ms | p99 ms | errors | CPU s per 1k req | SQL per req "
        f"| sustained at p99 < {P99_TARGET_MS:.0f} ms | share of the floor "
        "| probes: offered req/s → p99 ms |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |",
    ]
    for r in results:
        rr = r.routes.get(route)
        s = rr.saturation if rr else None
        if s is None:
            why = r.startup_failure or (rr.failure if rr else "not run")
            lines.append(f"| {r.label} | failed: {why[:120]} |||||||||")
            continue
        share = f"{s.rps / floor_rps:.2f}" if floor_rps else "–"
        assert rr is not None  # s came from it
        lines.append(
            f"| {r.label} | {s.rps:.0f} | {s.p50_ms:.1f} | {s.p99_ms:.1f} | {s.errors} / "
            f"{s.requests} | {_num(s.cpu_s_per_1k, '{:.2f}')} | "
            f"{_num(s.sql_per_request, '{:.2f}')} | {_num(rr.sustained_rps)} | {share} | "
            + ", ".join(f"{p.rate} → {p.p99_ms:.0f}" + ("" if p.errors == 0 else f" ({p.errors} errors)")
                        for p in rr.probes) + " |"
        )
    return "\n".join(lines) + "\n"


def _rps(results: list[VariantResult], name: str, route: str) -> float | None:
    r = next((r for r in results if r.name == name), None)
    measured = r.routes.get(route) if r else None
    return measured.saturation.rps if measured and measured.saturation else None


LADDER = (
    ("FastAPI: tuned / idiomatic", "fastapi_tuned", "fastapi_idiomatic"),
    ("DRF: tuned / idiomatic", "drf_tuned", "drf_idiomatic"),
    ("DRF shipped / DRF idiomatic", "django_shipped", "drf_idiomatic"),
    ("idiomatic: FastAPI / DRF", "fastapi_idiomatic", "drf_idiomatic"),
    ("tuned: FastAPI / DRF", "fastapi_tuned", "drf_tuned"),
    ("shipped: FastAPI / DRF", "fastapi_tuned", "django_shipped"),
    ("Django: async (ASGI) / DRF idiomatic", "django_async", "drf_idiomatic"),
    ("floor / FastAPI tuned", "floor", "fastapi_tuned"),
)


def ladder_table(results: list[VariantResult]) -> str:
    lines = ["| comparison (saturation req/s) | " + " | ".join(f"`{r}`" for r in ROUTES) + " |",
             "| --- |" + " --: |" * len(ROUTES)]
    for title, a, b in LADDER:
        cells = []
        for route in ROUTES:
            x, y = _rps(results, a, route), _rps(results, b, route)
            cells.append(f"{x / y:.2f}x" if x and y else "–")
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def profiles(results: list[VariantResult], route: str) -> list[LayerProfile]:
    out = []
    for r in results:
        rr = r.routes.get(route)
        if rr and rr.layers:
            out.append(LayerProfile(r.label, rr.layers, rr.profile_requests or None,
                                    rr.profile_cpu_seconds, rr.profile_sampled_seconds))
    return out


def _held_share(rr) -> float | None:
    """The sustained rate as a share of the saturation rate: about the CPU utilisation at
    which this server still met the latency target (it is CPU-bound at saturation)."""
    if rr is None or not rr.saturation or not rr.sustained_rps:
        return None
    return rr.sustained_rps / rr.saturation.rps


def capacity_section(results: list[VariantResult], vcpu_hour_usd: float, server_cores: int) -> str:
    mix = ", ".join(f"{share:.0%} `{route}`" for route, share in MIX.items())
    fastapi, django = chart_pricing("fastapi", vcpu_hour_usd), chart_pricing("django", vcpu_hour_usd)
    lines = [
        f"Read mix: {mix}. A variant's rate per core is the highest fixed offered rate "
        f"(open model; tried at 80%, 60%, 40% and 25% of the saturation rate, highest first) "
        f"at which p99 stayed under {P99_TARGET_MS:.0f} ms with no error and k6 dropped at "
        "most 1% of the iterations, "
        f"divided by the {server_cores} server core(s) it had (PostgreSQL shared them); "
        "the mix's rate is the weighted harmonic mean of the two routes'. Cores = demand "
        "/ that rate. A pod serves at most its CPU request x the held rate (the latency "
        "target) and at most its request x the HPA target x the saturation rate (the HPA "
        "adds pods past it); pods = demand / the smaller, rounded up "
        "(`bench/src/bench/variants/capacity.py`). Pods at the "
        "production chart's CPU request and HPA target (`helm/saas/values-prod.yaml`, read "
        f"when this report was written): FastAPI variants as the resources service "
        f"({fastapi.pod_cpu_request:g} CPU, {fastapi.hpa_target:.0%}), Django variants as the "
        f"admin service ({django.pod_cpu_request:g} CPU, {django.hpa_target:.0%}). "
        f"Cost = pods x request x ${vcpu_hour_usd:.3f} per vCPU-hour x 730 h (CPU only: "
        "memory, the database and the load balancer are left out, alike for every variant).",
        "",
        "`held` is the sustained rate as a share of the saturation rate: roughly the CPU "
        "utilisation at which the server still met the latency target, which is what an "
        "HPA's CPU target should stay under (the chart's production targets cite it).",
        "",
        "| variant | simple_get / core (held) | complex_query / core (held) | mix / core | "
        + " | ".join(f"{d // 1000}k req/s: cores, pods, $/month" for d in DEMANDS) + " |",
        "| --- | --: | --: | --: |" + " --- |" * len(DEMANDS),
    ]
    for r in results:
        pricing = django if r.framework == "django" else fastapi
        rates = {route: (r.routes[route].sustained_rps or 0) / server_cores
                 for route in ROUTES if route in r.routes}
        held = [_held_share(r.routes.get(route)) for route in ROUTES]
        saturation = {route: (_rps(results, r.name, route) or 0) / server_cores for route in ROUTES}
        cells = [f"{_num(rates.get(route) or None)} ({_num(h, '{:.0%}')})"
                 for route, h in zip(ROUTES, held, strict=True)]
        if len(rates) < len(ROUTES) or not all(rates.values()) or not all(saturation.values()):
            lines.append(f"| {r.label} | " + " | ".join(cells) + " | – |" + " – |" * len(DEMANDS))
            continue
        per_core = mix_rate(rates, MIX)
        saturated = mix_rate(saturation, MIX)
        plan_cells = [f"{p.cores:,.1f}, {p.pods:,}, ${p.monthly_usd:,.0f}"
                      for p in plans(per_core, saturated, pricing)]
        lines.append(f"| {r.label} | " + " | ".join(cells) + f" | {per_core:.0f} | "
                     + " | ".join(plan_cells) + " |")
    return "\n".join(lines) + "\n"


def c1000_table(results: list[VariantResult]) -> str:
    rows = [r for r in results if r.c1000 or r.c1000_failure]
    if not rows:
        return "Not run.\n"
    lines = ["| variant | req/s | p50 ms | p99 ms | errors / requests | CPU s per 1k req |",
             "| --- | --: | --: | --: | --- | --: |"]
    for r in rows:
        c = r.c1000
        if c is None:
            lines.append(f"| {r.label} | failed: {r.c1000_failure[:120]} |||||")
            continue
        lines.append(f"| {r.label} | {c.rps:.0f} | {c.p50_ms:.0f} | {c.p99_ms:.0f} | "
                     f"{c.errors} / {c.requests} | {_num(c.cpu_s_per_1k, '{:.2f}')} |")
    return "\n".join(lines) + "\n"


def write(results: list[VariantResult], meta: dict, out_dir: Path, pricing: Pricing) -> Path:
    ok = _ok(results)
    parts = [
        f"# The comparison by variant: {meta['data_set']} data set\n",
        f"Measured {meta['started_at']} on {meta['machine']}; {meta['duration_s'] / 60:.0f} "
        f"min in all. Data set `{meta['data_set']}` ({meta['users']:,} users, "
        f"{meta['posts']:,} posts; seeded in {meta['seed_seconds']:.0f} s). "
        f"{meta['core_split']}. Each server: {meta['workers']} worker process(es), database "
        f"pool {meta['pool_size']} per process. One repetition per cell, variants run one "
        f"after the other on the same stack: {meta['plan']}.\n",
        f"Command: `{meta['command']}`\n",
        "## The variants\n",
        "| variant | framework | what it does per request | server command |",
        "| --- | --- | --- | --- |",
        *(f"| {r.label} | {r.framework} | {r.description} | `{r.command}` |" for r in results),
        "",
    ]
    for r in results:
        if r.startup_failure:
            parts.append(f"**{r.label} did not start**: {r.startup_failure[:500]}\n")
    for route in ROUTES:
        parts += [f"## {ROUTE_TITLES[route]}\n", saturation_table(results, route)]
    parts += ["## The ladder\n",
              "Each ratio divides two rows of the tables above (saturation req/s).\n",
              ladder_table(ok)]
    parts.append("## Where the time goes\n")
    parts.append(
        "py-spy attached to each server's processes during a separate saturation run "
        "(so the profiler's cost is in no figure above), samples classified by layer "
        "(`bench/src/bench/layers.py` states the rules). Each cell: the layer's share of "
        "the samples and the CPU milliseconds per request it stands for (the measured CPU "
        "of the server's processes over the requests served while sampling, split by the "
        "shares). " + (
            "Only the thread holding the GIL was sampled (`py-spy --gil`): on this machine "
            "the server shares its core with its other worker and PostgreSQL, and plain "
            "sampling charged every wait for the core after a wake-up to the event loop's "
            "frame (a worker is runnable then, but holds no GIL); a worker preempted while "
            "working holds the GIL and is charged where it worked, so waits spread over "
            "the layers in proportion to the work. `sampled s / CPU s` above 1 is that "
            "waiting.\n" if meta["plan"].get("profile_gil") else
            "Every runnable thread was sampled: waits for a core are charged to the frame "
            "the thread waits in (`sampled s / CPU s` above 1).\n"))
    charts = out_dir / "charts"
    for route in ROUTES:
        profs = profiles(ok, route)
        if not profs:
            parts.append(f"`{route}`: no profile.\n")
            continue
        chart = layer_chart(profs, charts / f"layers-{route}.png")
        parts += [f"### `{route}`\n", f"![{route} by layer](charts/{chart.name})\n",
                  layer_table(profs)]
    parts += ["## What it costs to run\n",
              capacity_section(ok, pricing.vcpu_hour_usd, meta["server_cores"])]
    parts += ["## concurrency_1000\n",
              "1,000 VUs on `simple_get` (closed model), as in the main run.\n",
              c1000_table(ok)]
    path = out_dir / "report.md"
    path.write_text("\n".join(parts))
    return path


if __name__ == "__main__":
    import sys

    from bench.variants.run import load

    saved = Path(sys.argv[1])
    variants, meta = load(saved)
    print(write(variants, meta, saved.parent, Pricing(**meta.get("pricing", {}))))

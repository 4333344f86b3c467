"""``report.md``: the seed article's table filled in with measured numbers, the
FastAPI / Django ratios, the floor column, and everything needed to reproduce it."""

from __future__ import annotations

from pathlib import Path

from bench.k6run import GENERATOR_SATURATED

KINDS = ("http_4xx", "http_5xx", "timeout", "connection_error", "other_error")


def _n(value, fmt: str = "{:.0f}") -> str:
    return "–" if value is None else fmt.format(value)


def _errors(s: dict) -> str:
    parts = [f"{s['outcomes'][k]} {k}" for k in KINDS if s["outcomes"][k]]
    if s.get("lost"):
        parts.append(f"{s['lost']} cut off")
    if s.get("dropped_iterations"):
        parts.append(f"{s['dropped_iterations']} not sent (k6 out of VUs)")
    return ", ".join(parts) or "0"


def _row(s: dict, load: str) -> str:
    if s.get("rps") is None:
        return (
            f"| {s['scenario']} | {s['target']} | {load} | {s['reason'] or s['status']} |||||||||"
        )
    lat = s["latency_ms"]
    lo, hi = s["rps_spread"]
    valid = "yes" if s["valid"] else f"**INVALID** (k6 saturated in run {s['invalid_repetitions']})"
    return (
        f"| {s['scenario']} | {s['target']} | {load} | {s['rps']:.0f} ({lo:.0f}–{hi:.0f}) "
        f"| {lat['p(50)']:.1f} | {lat['p(90)']:.1f} | {lat['p(99)']:.1f} | {lat['max']:.0f} "
        f"| {_errors(s)} / {s['requests']} | {_n(s['cpu_seconds_per_1k'], '{:.2f}')} "
        f"| {_n(s['peak_rss_bytes'] and s['peak_rss_bytes'] / 2**20)} "
        f"| {_n(s['sql_per_request'], '{:.2f}')} | {valid} |"
    )


def _ratio(value) -> str:
    return "–" if value is None else f"{value:.2f}×"


def render(results: dict) -> str:
    lines = [f"# FastAPI vs Django REST Framework: {results['title']}", ""]
    m, split = results["machine"], results["core_split"]
    lines += [
        f"Measured {results['started_at']} on {m['cpu_model']}, "
        f"{m['logical_cores']} logical cores, "
        f"{m['ram_gib']} GiB RAM ({m['os']}). Data set `{results['settings'].get('data_set')}`; "
        f"{results['repetitions']} repetition(s) per cell"
        + (" (no warm-up)" if results["quick"] else " after an uncounted warm-up")
        + "; "
        "medians, with the min–max spread of the runs in brackets."
        + (
            " **Quick run: too short for conclusions; a smoke test of the harness.**"
            if results["quick"]
            else ""
        ),
        "",
        f"Core split (identical for every implementation): k6 on {split['generator']}; "
        f"{split['servers']}.",
        "",
        "## Results",
        "",
        "| scenario | implementation | load | req/s | p50 ms | p90 ms | p99 ms | max ms "
        "| errors by kind / requests | CPU s per 1k req | peak RSS MiB | SQL per req | valid |",
        "| --- | --- | --- | --: | --: | --: | --: | --: | --- | --: | --: | --: | --- |",
    ]
    for scenario in results["scenarios"]:
        for s in results["cells"][scenario["name"]]:
            lines.append(_row(s, scenario["load"]))
    lines += [
        "",
        "## FastAPI / Django",
        "",
        "Above 1 means FastAPI has more of it (req/s: better; latency, CPU, memory: worse). "
        "The floor columns compare each implementation's throughput with the framework-free "
        "floor app doing the same work.",
        "",
        "| scenario | req/s | p50 | p99 | CPU per 1k req | peak RSS "
        "| FastAPI / floor req/s | Django / floor req/s |",
        "| --- | --: | --: | --: | --: | --: | --: | --: |",
    ]
    for scenario in results["scenarios"]:
        r = results["ratios"][scenario["name"]]
        lines.append(
            f"| {scenario['name']} | {_ratio(r['rps'])} | {_ratio(r['p50'])} "
            f"| {_ratio(r['p99'])} | {_ratio(r['cpu_per_1k'])} | {_ratio(r['peak_rss'])} "
            f"| {_ratio(r.get('fastapi_floor'))} | {_ratio(r.get('django_floor'))} |"
        )
    lines += ["", "## Charts", ""]
    for name, path in results["charts"].items():
        lines.append(f"![{name}]({path})")
    lines += ["", "## Scenarios", ""]
    for scenario in results["scenarios"]:
        lines.append(
            f"- `{scenario['name']}` (`bench/k6/{scenario['script']}.js`, {scenario['load']}): "
            f"{scenario['question']}"
        )
    jobs = [s for s in results["cells"].get("job_trigger", []) if s.get("extra")]
    if jobs:
        lines += [
            "",
            "Job completion (POST /jobs to a poll that sees it finished), median of runs:",
            "",
        ]
        for s in jobs:
            e = s["extra"]
            c = e.get("job_completion_ms") or {}
            lines.append(
                f"- {s['target']}: p50 {_n(c.get('p(50)'))} ms, p99 {_n(c.get('p(99)'))} ms; "
                f"{e.get('jobs_succeeded', 0)} succeeded, {e.get('jobs_failed', 0)} failed, "
                f"{e.get('jobs_unfinished', 0)} unfinished within the deadline; "
                f"worker CPU {_n(s.get('worker_cpu_seconds'), '{:.2f}')} s per run"
            )
    lines += [
        "",
        "## How to read it",
        "",
        "- **req/s**: primary requests completed inside the load window, divided by its length. "
        "Open-model rows are offered a fixed rate, so their req/s shows whether the server kept "
        "up; the `_saturation` and `concurrency_1000` rows (closed model) show the most it serves.",
        "- **latency** is k6's full request time for the primary request (for job_trigger: the "
        "POST). Failed and timed-out requests are included, never dropped.",
        "- **errors by kind**: every request k6 made is counted in exactly one outcome (ok, "
        "4xx, 5xx, timeout, connection error, other); `cut off` = started but never finished "
        "(should be 0: the graceful stop outlasts the request timeout); `not sent` = the open "
        "model wanted to send it but every VU was busy (the server was too slow).",
        "- **CPU s per 1k req**: `process_cpu_seconds_total` of every service of the "
        "implementation (whole process tree: master and workers), from `/metrics`, over all "
        "the requests k6 sent it. The shared arq worker is reported apart.",
        "- **peak RSS**: the highest `process_resident_memory_bytes` (summed over the "
        "implementation's services) seen while polling `/metrics` every 0.5 s.",
        "- **SQL per req**: data statements (SELECT/INSERT/UPDATE/DELETE) executed by the "
        "implementation's own database role, from `pg_stat_statements`, per request; "
        "transaction control (BEGIN/COMMIT/SET) is in results.json as `sql_control_per_request`.",
        f"- **valid**: a run is INVALID when k6 used {GENERATOR_SATURATED:.0%} or more of its "
        "cores (median of one-second windows): the generator, not the server, may have been "
        "the limit. Its numbers are shown but must not be quoted.",
        "",
        "## Configuration",
        "",
    ]
    for name, target in results["targets"].items():
        lines.append(f"- **{name}**: {target}")
    lines += [
        "",
        "Settings: " + ", ".join(f"`{k}={v}`" for k, v in results["settings"].items()),
        "",
    ]
    if results.get("commands"):
        lines += ["Command lines:", "", "```"]
        lines += [f"{k}: {v}" for k, v in results["commands"].items()]
        lines += ["```", ""]
    lines += ["Versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items()), ""]
    lines.append(
        "Load generator: k6, median busy share of its cores per cell: "
        + ", ".join(
            f"{s['scenario']}/{s['target']} {s['generator_busy']:.0%}"
            for cells in results["cells"].values()
            for s in cells
            if s.get("generator_busy") is not None
        )
    )
    lines.append("")
    lines.append(f"Reproduce: `{results['command']}`")
    return "\n".join(lines) + "\n"


def write(results: dict, out_dir: Path) -> Path:
    path = out_dir / "report.md"
    path.write_text(render(results))
    return path

"""PNG charts: per scenario, latency percentiles and throughput, FastAPI beside Django
beside the floor."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"fastapi": "#059669", "django": "#0c4b33", "floor": "#9ca3af"}
PERCENTILES = ("p(50)", "p(90)", "p(99)")


def scenario_chart(scenario: str, summaries: list[dict], path: Path) -> Path | None:
    measured = [s for s in summaries if s.get("rps") is not None]
    if not measured:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.8 / len(measured)
    for i, s in enumerate(measured):
        xs = [j + i * width for j in range(len(PERCENTILES))]
        values = [s["latency_ms"][p] for p in PERCENTILES]
        label = s["target"] + ("" if s["valid"] else " (INVALID)")
        left.bar(xs, values, width, label=label, color=COLORS.get(s["target"]))
        low, high = zip(  # noqa: B905 - transposes pairs
            *[s["latency_ms_spread"][p] or (v, v) for p, v in zip(PERCENTILES, values, strict=True)]
        )
        left.errorbar(
            xs,
            values,
            yerr=[
                [v - lo for v, lo in zip(values, low, strict=True)],
                [hi - v for v, hi in zip(values, high, strict=True)],
            ],
            fmt="none",
            ecolor="black",
            capsize=3,
            linewidth=1,
        )
        right.bar(i, s["rps"], 0.6, color=COLORS.get(s["target"]))
        lo, hi = s["rps_spread"]
        right.errorbar(
            [i],
            [s["rps"]],
            yerr=[[s["rps"] - lo], [hi - s["rps"]]],
            fmt="none",
            ecolor="black",
            capsize=4,
        )
    left.set_xticks(
        [j + width * (len(measured) - 1) / 2 for j in range(len(PERCENTILES))],
        [p.replace("(", "").replace(")", "") for p in PERCENTILES],
    )
    left.set_ylabel("latency (ms), median of runs; bars: min..max")
    left.set_yscale("log")
    left.legend()
    left.set_title(f"{scenario}: latency")
    right.set_xticks(range(len(measured)), [s["target"] for s in measured])
    right.set_ylabel("requests/s")
    right.set_title(f"{scenario}: throughput")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def all_charts(by_scenario: dict[str, list[dict]], out_dir: Path) -> dict[str, str]:
    charts_dir = out_dir / "charts"
    charts_dir.mkdir(parents=True, exist_ok=True)
    made = {}
    for scenario, summaries in by_scenario.items():
        path = scenario_chart(scenario, summaries, charts_dir / f"{scenario}.png")
        if path:
            made[scenario] = str(path.relative_to(out_dir))
    return made

"""``python -m bench variants`` end to end, briefly: a real run (embedded PostgreSQL and
Redis, the seeded tiny data set, real servers, k6, py-spy) of two variants, then the
report and results it wrote. The figures of so short a run mean nothing; what is checked
is that every stage produced them: saturation numbers, capacity probes, a layer profile,
concurrency_1000, and a report with relative command lines only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.layers import LAYERS
from bench.stack import ROOT

LIMIT_SECONDS = 420
VARIANTS = ("floor", "fastapi_tuned")


def test_a_short_variants_run_measures_profiles_and_reports_every_stage(tmp_path):
    out = tmp_path / "variants"
    result = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bench", "variants", "--size", "tiny", "--only", ",".join(VARIANTS),
         "--duration", "3", "--warmup", "1", "--capacity-duration", "2",
         "--profile-duration", "2", "--c1000", "fastapi_tuned", "--c1000-duration", "3",
         "--out", str(out)],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=LIMIT_SECONDS,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    results = json.loads((out / "results.json").read_text())
    by_name = {v["name"]: v for v in results["variants"]}
    assert set(by_name) == set(VARIANTS)
    for name, variant in by_name.items():
        assert not variant["startup_failure"], name
        for route in ("simple_get", "complex_query"):
            measured = variant["routes"][route]
            assert not measured["failure"], (name, route, measured["failure"])
            saturation = measured["saturation"]
            assert saturation["rps"] > 0 and saturation["requests"] > 0
            assert saturation["cpu_s_per_1k"] > 0
            assert measured["probes"], (name, route)  # at least one fixed-rate probe
            assert set(measured["layers"]) <= set(LAYERS) and sum(measured["layers"].values()) > 0
    assert by_name["fastapi_tuned"]["c1000"]["requests"] > 0
    assert by_name["floor"]["c1000"] is None

    report = (out / "report.md").read_text()
    for heading in ("## The variants", "## The ladder", "## Where the time goes",
                    "## What it costs to run", "## concurrency_1000"):
        assert heading in report
    assert str(ROOT) not in report and str(Path(sys.executable).parent) not in report
    assert (out / "charts" / "layers-simple_get.png").stat().st_size > 0

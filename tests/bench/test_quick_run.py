"""The benchmark harness end to end: ``python -m bench run --quick`` as a real process
(embedded PostgreSQL and Redis, every server, k6), then the report it wrote is checked.

Every scenario must have numbers for both implementations (and the floor where it
applies): no cell may be left unmeasured (a missing service package stops the run
instead, see tests/devstack/test_packages.py). Every request k6 made must be counted in
exactly one outcome.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.k6run import OUTCOMES
from bench.scenarios import FLOOR_NOT_APPLICABLE, quick
from bench.stack import ROOT

LIMIT_SECONDS = 300


def _run_quick(out: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_RUNTIME_DIR": os.environ.get("XDG_RUNTIME_DIR", "/tmp")}  # noqa: S108
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bench", "run", "--quick", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=LIMIT_SECONDS,
    )


def test_quick_run_reports_every_scenario_for_every_implementation(tmp_path):
    out = tmp_path / "report"
    result = _run_quick(out)
    assert result.returncode == 0, result.stderr[-3000:]

    results = json.loads((out / "results.json").read_text())
    report = (out / "report.md").read_text()
    expected = {s.name: set(s.targets()) for s in quick()}
    assert set(results["cells"]) == set(expected)

    measured = 0
    for scenario, cells in results["cells"].items():
        by_target = {c["target"]: c for c in cells}
        assert set(by_target) == {"fastapi", "django", "floor"}
        assert scenario in report
        for target, cell in by_target.items():
            if target == "floor" and "floor" not in expected[scenario]:
                assert cell["status"] == "not_applicable"
                assert cell["reason"] == FLOOR_NOT_APPLICABLE
                continue
            assert cell["status"] == "ok", (scenario, target, cell["reason"])
            measured += 1
            # rps counts completions inside the short window: a slow upload may have none.
            assert cell["rps"] is not None and cell["primary_requests"] > 0
            assert (
                0
                < cell["latency_ms"]["p(50)"]
                <= cell["latency_ms"]["p(99)"]
                <= cell["latency_ms"]["max"]
            )
            assert cell["cpu_seconds_per_1k"] is not None and cell["peak_rss_bytes"] > 0
            assert cell["sql_per_request"] is not None
            # No request lost: each one k6 started is in exactly one outcome.
            for rep in cell["raw"]:
                k6 = rep["k6"]
                assert sum(k6["outcomes"][k] for k in OUTCOMES) == k6["attempts"], (
                    scenario,
                    target,
                )
            assert cell["lost"] == 0
            assert sum(cell["outcomes"].values()) == cell["requests"]

    # simple_get and complex_query exist in all three; their numbers must be there.
    for scenario in ("simple_get", "complex_query"):
        assert all(c["status"] == "ok" for c in results["cells"][scenario]), scenario
    assert measured >= 6
    assert results["versions"]["postgresql"][0].isdigit()
    assert results["machine"]["logical_cores"] >= 1
    for chart in results["charts"].values():
        assert (out / chart).stat().st_size > 0

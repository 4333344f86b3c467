"""``python -m bench cost`` end to end in a quick mode (one start-up per service, one
process): a FastAPI service, the Django twin and the worker are started from their
images with podman, and every cell of the report is a number. The images come from
``make images``, which ``make test`` runs first."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench.cost.code import ROOT, SIDES
from saas_images.engine import Engine
from tests.images.containers import require_images

SERVICES = ("resources", "admin", "worker")
LIMIT_SECONDS = 240


@pytest.mark.slow
def test_quick_cost_run_fills_every_cell(tmp_path):
    require_images(Engine())
    out = tmp_path / "cost"
    env = {**os.environ, "XDG_RUNTIME_DIR": os.environ.get("XDG_RUNTIME_DIR", "/tmp")}  # noqa: S108
    result = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bench", "cost", "--out", str(out), "--repeats", "1",
         "--services", ",".join(SERVICES), "--processes", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=LIMIT_SECONDS,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    results = json.loads((out / "results.json").read_text())
    report = (out / "report.md").read_text()

    for feature in results["code"]["features"].values():
        assert all(isinstance(feature[s]["sloc"], int) and feature[s]["sloc"] >= 0 for s in SIDES)
        assert feature["name"] in report
    assert all(results["code"]["totals"][s]["sloc"] > 0 for s in SIDES)
    assert (out / results["charts"]["code_per_feature"]).stat().st_size > 0

    assert set(results["images"]) == set(SERVICES)
    for service, image in results["images"].items():
        assert 0 < image["service_layers_bytes"] < image["size_bytes"], service
        deps = image["distributions"]
        assert deps["direct"] > 0 and deps["transitive"] > 0, service
        assert deps["total"] == deps["direct"] + deps["transitive"] == len(
            deps["direct_names"] + deps["transitive_names"])
        assert f"`{image['image']}`" in report

    measured = results["startup"]["by_processes"]["1"]
    assert set(measured) == set(SERVICES)
    for service, m in measured.items():
        assert 0 < m["cold_start_in_container_s"]["median"] < m["cold_start_s"]["median"], service
        assert m["processes"] == len(m["idle_rss_bytes"]) >= 1
        assert all(rss > 0 for rss in m["idle_rss_bytes"]) and m["idle_pss_total_bytes"] > 0
        pss = m["idle_pss"]
        assert pss["low"] <= pss["median"] <= pss["high"] and pss["n"] == 1
        assert m["start_cpu_s"]["median"] > 0, service
        if service != "worker":
            assert m["cpu_per_request_ms"]["median"] >= 0, service
        extra = m["extra_pod_first_request_s"]
        if service == "worker":
            assert extra is None  # serves no requests: "n/a" in the report, with the reason
        else:
            assert extra["median"] > 0, service
        assert f"| {service} |" in report
    assert measured["admin"]["processes"] == 2  # gunicorn: the master and one worker
    load = results["startup"]["load_average_1m"]
    assert load["start"] >= 0 and load["end"] >= 0

    assert len(results["commit"]) == 40 and results["commit"].startswith(results["git"])
    assert results["comparison"] is None  # needs all four serving services
    assert len(results["changes"]) >= 3 and "Change cost" in report
    assert "None" not in report and "nan" not in report
    for text in (report, json.dumps(results)):  # committable: no path of this machine
        assert str(ROOT) not in text and str(tmp_path) not in text

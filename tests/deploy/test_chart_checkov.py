"""checkov --framework kubernetes over each render passes, but for the checks listed,
each with its reason, in checkov-skips.yaml; and every listed skip is still needed.

Each render is scanned once with no skip at all, so the same report shows both that
nothing outside the list fails and that nothing on the list has become stale.
"""

from __future__ import annotations

import pytest

from tests.deploy import chart


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    assert chart.CHECKOV.exists(), "checkov is missing: run `make checkov`"
    workdir = tmp_path_factory.mktemp("checkov")
    return {name: chart.run_checkov(render(), name, workdir, skips=()) for name, render in chart.VARIANTS.items()}


def failed_ids(report) -> set[str]:
    return {c["check_id"] for c in report["results"]["failed_checks"]}


@pytest.mark.parametrize("variant", list(chart.VARIANTS))
def test_checkov_passes_but_for_the_justified_skips(reports, variant):
    report = reports[variant]
    allowed = {e["id"] for e in chart.checkov_skips(variant)}
    unjustified = sorted(f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]
                         if c["check_id"] not in allowed)
    assert unjustified == []
    assert report["summary"]["passed"] > 100


def test_every_skip_is_justified():
    for entry in chart.checkov_skips("default") + chart.checkov_skips("prod"):
        assert entry["id"].startswith(("CKV_K8S_", "CKV2_K8S_")) and len(entry["why"]) > 40, entry


def test_every_skip_is_still_needed(reports):
    needed = set().union(*(failed_ids(r) for r in reports.values()))
    listed = {e["id"] for name in chart.VARIANTS for e in chart.checkov_skips(name)}
    assert listed <= needed, f"skips no longer needed: {sorted(listed - needed)}"

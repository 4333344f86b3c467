"""The Prometheus rules: ``promtool check rules`` accepts the plain rule files the chart
ships, ``promtool test rules`` passes, and that test has, for every alert, a case where
it fires and a case where it does not."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RULE_FILES = sorted((ROOT / "helm/saas/rules").glob("*.yaml"))
RULE_TESTS = sorted((Path(__file__).parent / "rules").glob("*_test.yaml"))


def promtool(*args: str) -> str:
    done = subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def alert_names() -> set[str]:
    return {rule["alert"] for path in RULE_FILES for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"] if "alert" in rule}


def test_rule_files_are_valid():
    assert RULE_FILES
    promtool("check", "rules", *map(str, RULE_FILES))


def test_rule_unit_tests_pass():
    assert RULE_TESTS
    assert "SUCCESS" in promtool("test", "rules", *map(str, RULE_TESTS))


def test_every_alert_is_tested_firing_and_not_firing():
    firing, quiet = set(), set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    expected = alert_names()
    assert expected == {"ErrorBudgetBurnFast", "ErrorBudgetBurnSlow", "ErrorBudgetBurnTicket", "LatencyP99High",
                        "FileTransferLatencyHigh", "JobQueueBacklogGrowing", "JobQueueOldestJobTooOld",
                        "WorkerAbsent", "PodsRestarting"}
    assert expected - firing == set(), "alerts never tested firing"
    assert expected - quiet == set(), "alerts never tested quiet"

"""Each e2e step's outcome, time and evidence, written to docs/deploy/e2e/.

Invariant: the summary names the commit it ran on and is written after every step, so an
interrupted run still leaves what it proved so far, and a failed step is recorded with
its error instead of stopping the steps that do not depend on it.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from saas_cluster.layout import ROOT, versions

OUT = ROOT / "docs" / "deploy" / "e2e"


@dataclass
class StepResult:
    number: int
    name: str
    status: str = "not run"
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass
class Run:
    steps: list[StepResult]
    started: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    commit: str = field(default_factory=lambda: _commit())
    out: Path = OUT

    def step(self, number: int, fn: Callable[[dict[str, Any]], None], log: Callable[[str], None]) -> bool:
        result = next(s for s in self.steps if s.number == number)
        log(f"step {number}: {result.name}")
        started = time.monotonic()
        try:
            fn(result.details)
            result.status = "pass"
        except Exception as exc:  # noqa: BLE001 - recorded, and the run goes on
            result.status = "fail"
            result.error = f"{type(exc).__name__}: {exc}"[:2000]
            log(traceback.format_exc())
        result.seconds = round(time.monotonic() - started, 1)
        log(f"step {number}: {result.status} in {result.seconds:.0f} s")
        self.write()
        return result.status == "pass"

    def write(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        data = {"commit": self.commit, "started": self.started,
                "kubernetes": versions()["kubernetes"]["version"],
                "steps": [asdict(s) for s in self.steps]}
        (self.out / "summary.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
        (self.out / "summary.md").write_text(render(data))


def _commit() -> str:
    out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def render(data: dict[str, Any]) -> str:
    lines = ["# The chart on a real Kubernetes: the last `make e2e`", "",
             f"Commit `{data['commit']}`, started {data['started']}, Kubernetes "
             f"{data['kubernetes']} built here (tools/cluster/versions.toml). Written by "
             "`make e2e`; `summary.json` has the same with every detail.", "",
             "| step | what | result | time |", "| --- | --- | --- | --- |"]
    for s in data["steps"]:
        lines.append(f"| {s['number']} | {s['name']} | {s['status']} | {s['seconds']:.0f} s |")
    for s in data["steps"]:
        lines += ["", f"## {s['number']}. {s['name']}: {s['status']}", ""]
        if s["error"]:
            lines += ["```", s["error"], "```", ""]
        for key, value in s["details"].items():
            if isinstance(value, (dict, list)):
                lines += [f"- {key}:", "", "```json", json.dumps(value, indent=1, default=str)[:4000],
                          "```"]
            else:
                lines.append(f"- {key}: {value}")
    return "\n".join(lines) + "\n"

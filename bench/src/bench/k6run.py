"""One k6 run: the scenario's script with its load settings, pinned to the generator
cores, its own CPU use measured with psutil, its end-of-test summary read back."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.processes import pinned_argv
from bench.scenarios import Scenario

K6 = str(Path(sys.executable).parent / "k6")
# The outcome counters of bench/k6/lib/outcomes.js: every request lands in exactly one.
OUTCOMES = ("ok", "http_4xx", "http_5xx", "timeout", "connection_error", "other_error")
# Above this share of its cores the generator, not the server, may be the bottleneck.
GENERATOR_SATURATED = 0.90


class K6Failed(RuntimeError):
    pass


@dataclass
class K6Result:
    attempts: int
    outcomes: dict[str, int]
    primary: int
    primary_in_window: int
    duration: float
    dropped_iterations: int
    latency_ms: dict[str, float]  # avg, p(50), p(90), p(99), max over primary requests
    extra: dict[str, object] = field(default_factory=dict)
    generator_cpu_seconds: float = 0.0
    # Share of its cores the generator used: median and peak over one-second windows
    # (the median ignores the start-up spike of creating VUs and the idle tail).
    generator_busy: float = 0.0
    generator_peak: float = 0.0
    generator_cores: int = 1

    @property
    def lost(self) -> int:
        """Requests started but never counted with an outcome (cut off by the end)."""
        return self.attempts - sum(self.outcomes.values())

    @property
    def rps(self) -> float:
        return self.primary_in_window / self.duration if self.duration else 0.0

    @property
    def generator_saturated(self) -> bool:
        return self.generator_busy >= GENERATOR_SATURATED


def _busy_windows(samples: list[tuple[float, float]], cores: int) -> list[float]:
    windows, start = [], 0
    for i, (t, cpu) in enumerate(samples):
        t0, cpu0 = samples[start]
        if t - t0 >= 1.0:
            windows.append((cpu - cpu0) / ((t - t0) * cores))
            start = i
    return windows


def _count(metrics: dict, name: str) -> int:
    return int(metrics.get(name, {}).get("count", 0))


def k6_env(
    scenario: Scenario, duration: float, target_env: dict[str, str], data_env: dict[str, str]
) -> dict[str, str]:
    env = {
        "MODEL": scenario.model,
        "VUS": str(scenario.vus),
        "DURATION": f"{duration:g}s",
        "TIMEOUT": f"{scenario.timeout:g}s",
        **target_env,
        **data_env,
        **scenario.extra_env,
    }
    if scenario.model == "open":
        env["RATE"] = str(scenario.rate)
        env["MAX_VUS"] = str(scenario.max_vus or scenario.vus * 4)
    return env


def run_k6(
    scenario: Scenario,
    duration: float,
    env: dict[str, str],
    out_dir: Path,
    label: str,
    cpus: tuple[int, ...] | None,
) -> K6Result:
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = out_dir / f"{label}.summary.json"
    summary.unlink(missing_ok=True)
    argv = [
        K6,
        "run",
        "--no-usage-report",
        "--quiet",
        "--no-color",
        f"--summary-export={summary}",
        str(scenario.path),
    ]
    argv, preexec = pinned_argv(argv, cpus)
    full_env = {**os.environ, **env, "K6_NO_USAGE_REPORT": "true"}
    log_path = out_dir / f"{label}.k6.log"
    deadline = duration + scenario.timeout + 5 + 120  # load + graceful stop + start-up
    started = time.monotonic()
    with open(log_path, "wb") as log:
        proc = psutil.Popen(
            argv, env=full_env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=preexec
        )
        cpu = 0.0
        samples: list[tuple[float, float]] = []
        try:
            while proc.poll() is None:
                if time.monotonic() - started > deadline:
                    proc.kill()
                    raise K6Failed(f"k6 did not finish within {deadline:.0f}s")
                try:
                    times = proc.cpu_times()
                    cpu = times.user + times.system
                    samples.append((time.monotonic(), cpu))
                except psutil.Error:
                    pass
                time.sleep(0.2)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
    wall = time.monotonic() - started
    if proc.returncode != 0 or not summary.exists():
        tail = log_path.read_text(errors="replace")[-1500:]
        raise K6Failed(f"k6 exited with {proc.returncode}: {tail}")
    # An exception in the script (level=error) means some counters were never updated:
    # the numbers of this run cannot be trusted. (Failed requests log level=warning.)
    with open(log_path, errors="replace") as log:
        script_errors = [line for line in log if "level=error" in line]
    if script_errors:
        raise K6Failed(f"{len(script_errors)} script errors in {log_path}, first: {script_errors[0][:500]}")
    metrics = json.loads(summary.read_text())["metrics"]
    cores = len(cpus) if cpus else (os.cpu_count() or 1)
    windows = _busy_windows(samples, cores)
    latency = metrics.get("bench_latency", {})
    extra: dict[str, object] = {}
    if "bench_job_completion" in metrics:
        extra["job_completion_ms"] = {
            k: metrics["bench_job_completion"].get(k) for k in ("p(50)", "p(90)", "p(99)", "max")
        }
    for name in ("bench_jobs_succeeded", "bench_jobs_failed", "bench_jobs_unfinished"):
        if name in metrics or "bench_job_completion" in metrics or scenario.script == "job_trigger":
            extra[name.removeprefix("bench_")] = _count(metrics, name)
    return K6Result(
        attempts=_count(metrics, "bench_attempts"),
        outcomes={k: _count(metrics, f"bench_{k}") for k in OUTCOMES},
        primary=_count(metrics, "bench_primary"),
        primary_in_window=_count(metrics, "bench_primary_in_window"),
        duration=duration,
        dropped_iterations=_count(metrics, "dropped_iterations"),
        latency_ms={
            k: float(latency.get(k, 0.0)) for k in ("avg", "p(50)", "p(90)", "p(99)", "max")
        },
        extra=extra,
        generator_cpu_seconds=cpu,
        generator_busy=statistics.median(windows) if windows else cpu / (wall * cores),
        generator_peak=max(windows, default=0.0),
        generator_cores=cores,
    )

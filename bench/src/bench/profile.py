"""CPU profiles of running servers by layer: py-spy attached to the server processes
while load runs, its samples charged to layers (``bench.layers``), printed as a table.

``record(pids, duration, out_dir)`` runs one ``py-spy record --format raw --nonblocking
--subprocesses`` per process tree (a uvicorn or gunicorn master: its workers are followed
through ``--subprocesses``; a pid given together with one of its ancestors is dropped, or
its samples would count twice). ``--nonblocking`` reads the processes' memory without
stopping them, so the servers run at their own speed while measured (a few samples may be
torn: py-spy counts them as errors, reported). It also measures the CPU seconds the same
process trees used from before py-spy starts to after it ends (``psutil``), which is what
per-request figures are built from (``bench.layer_report``). py-spy needs ptrace on the
targets: root, or ``CAP_SYS_PTRACE``, or ``kernel.yama.ptrace_scope`` 0 for the same user.

Samples are of runnable threads (``bench.layers``: running or queued for a core), so the
profile is a CPU profile only when the servers had their cores: ``Recording`` keeps the
sampled seconds beside the measured CPU seconds, and a ratio well above 1 says the
machine was oversubscribed and the event-loop share is inflated by waits for a core.
``gil_only`` (py-spy ``--gil``) keeps only the thread holding the GIL, which drops those
waits but also the server's GIL-free C work (libuv's and the socket module's system
calls), so it is offered, not the default.

    python -m bench.profile --marker bench.floor:create_app --seconds 10
    python -m bench.profile --pid 1234 --pid 1300 --seconds 10 --requests 25000
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import psutil
import typer

from bench.layer_report import LayerProfile, layer_table
from bench.layers import LAYERS, aggregate, parse_collapsed, top_frames

PY_SPY = str(Path(sys.executable).parent / "py-spy")
DEFAULT_RATE = 100  # samples per second and process: 10 ms between samples
_SUMMARY = re.compile(r"Samples: (\d+) Errors: (\d+)")


class ProfileError(RuntimeError):
    pass


@dataclass
class Recording:
    """What ``record`` returns: the collapsed stacks of every process tree (stack ->
    samples), and the CPU seconds those trees used over the wall-clock window."""

    stacks: Counter[str]
    cpu_seconds: float
    started: float  # time.monotonic() before py-spy started
    ended: float  # ... and after the last py-spy ended
    rate: int
    pids: list[int]
    errors: int = 0  # samples py-spy could not read (torn by --nonblocking)
    # Seconds the trees' threads spent runnable but queued for a core (schedstat): what
    # the samples hold beyond cpu_seconds on an oversubscribed machine.
    queued_seconds: float = 0.0
    outputs: list[Path] = field(default_factory=list)

    @property
    def samples(self) -> int:
        return sum(self.stacks.values())

    @property
    def sampled_seconds(self) -> float:
        """The thread time the samples stand for (samples / rate), to compare with the
        measured ``cpu_seconds``: above it, threads were sampled while queued for a core
        (an oversubscribed machine); far below it, py-spy missed much of the work."""
        return self.samples / self.rate


def roots(pids: list[int]) -> list[int]:
    """The pids whose ancestors are not also given (``--subprocesses`` covers those)."""
    given = set(pids)
    kept = []
    for pid in dict.fromkeys(pids):
        try:
            ancestors = {p.pid for p in psutil.Process(pid).parents()}
        except psutil.NoSuchProcess as exc:
            raise ProfileError(f"no process {pid}") from exc
        if not ancestors & given:
            kept.append(pid)
    return kept


def _tree(pids: list[int]) -> dict[int, psutil.Process]:
    """The processes and all their descendants, each once."""
    procs: dict[int, psutil.Process] = {}
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(pid)
            procs.update({p.pid: p for p in (root, *root.children(recursive=True))})
    return procs


def tree_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU so far of the processes and all their descendants."""
    total = 0.0
    for proc in _tree(pids).values():
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def tree_queued_seconds(pids: list[int]) -> float:
    """Seconds so far the live threads of the trees waited in a run queue for a core
    (the second field of Linux's ``/proc/PID/task/TID/schedstat``; 0 where absent)."""
    total = 0
    for pid in _tree(pids):
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError, IndexError, ValueError):
                    with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                        total += int(stat.read().split()[1])
    return total / 1e9


def find_pids(marker: str, within: int | None = None) -> list[int]:
    """Process-tree roots whose command line contains ``marker`` (a word of the server's
    command line, as ``bench.ratio.SERVER_MARKERS``); only descendants of ``within`` when
    given. This process and its ancestors (whose command lines name the marker) are not
    servers. On a shared machine other sessions run the same servers: pass ``within``
    (the harness's own pid) or a marker with the port in it, or their processes are
    profiled and their CPU counted too."""
    mine = {os.getpid(), *(p.pid for p in psutil.Process().parents())}
    candidates = (psutil.Process(within).children(recursive=True) if within
                  else psutil.process_iter())
    found = []
    for proc in candidates:
        with contextlib.suppress(psutil.Error):
            if proc.pid not in mine and marker in " ".join(proc.cmdline()):
                found.append(proc.pid)
    return roots(found) if found else []


def record(pids: list[int], duration: int, out_dir: Path, rate: int = DEFAULT_RATE,
           subprocesses: bool = True, gil_only: bool = False) -> Recording:
    """Sample the processes (and, with ``subprocesses``, their children) for ``duration``
    seconds at ``rate`` samples per second each; the raw py-spy outputs are left in
    ``out_dir``. Idle threads are not sampled (no ``--idle``): the stacks are of runnable
    threads (``bench.layers``)."""
    if duration < 1:
        raise ValueError("py-spy samples for whole seconds: duration >= 1")
    targets = roots(pids) if subprocesses else list(dict.fromkeys(pids))
    if not targets:
        raise ProfileError("no processes to profile")
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = []
    cpu_before, queued_before = tree_cpu_seconds(targets), tree_queued_seconds(targets)
    started = time.monotonic()
    for pid in targets:
        output = out_dir / f"pyspy-{pid}.txt"
        argv = [PY_SPY, "record", "--format", "raw", "--nonblocking", "--rate", str(rate),
                "--duration", str(duration), "--pid", str(pid), "--output", str(output),
                *(["--subprocesses"] if subprocesses else []),
                *(["--gil"] if gil_only else [])]
        runs.append((output, subprocess.Popen(  # noqa: S603 - argv built here
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
    stacks: Counter[str] = Counter()
    errors = 0
    failures = []
    for output, proc in runs:
        try:
            log, _ = proc.communicate(timeout=duration + 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            log, _ = proc.communicate()
            failures.append(f"py-spy on {output.stem} did not finish: {log[-500:]}")
            continue
        if proc.returncode != 0 or not output.exists():
            failures.append(f"py-spy on {output.stem} exited {proc.returncode}: {log[-1000:]}")
            continue
        stacks.update(parse_collapsed(output.read_text(errors="replace")))
        errors += sum(int(m[2]) for m in _SUMMARY.finditer(log))
    ended = time.monotonic()
    cpu_seconds = tree_cpu_seconds(targets) - cpu_before
    queued_seconds = max(0.0, tree_queued_seconds(targets) - queued_before)
    if failures:
        raise ProfileError("; ".join(failures) + (
            " (py-spy needs ptrace on the targets: root, CAP_SYS_PTRACE, or "
            "kernel.yama.ptrace_scope=0)" if any("ermission" in f for f in failures) else ""))
    return Recording(stacks, cpu_seconds, started, ended, rate, targets, errors,
                     queued_seconds, [output for output, _ in runs])


app = typer.Typer(add_completion=False, help=(__doc__ or "").split("\n\n")[0])


@app.command()
def main(
    pid: Annotated[list[int] | None, typer.Option(help="a server process (repeatable)")] = None,
    marker: Annotated[str | None, typer.Option(help="profile processes whose command line "
                                               "contains this, e.g. bench.floor:create_app")] = None,
    seconds: Annotated[int, typer.Option(help="how long to sample")] = 10,
    rate: Annotated[int, typer.Option(help="samples per second per process")] = DEFAULT_RATE,
    requests: Annotated[int | None, typer.Option(
        help="requests the server answered while sampled, for CPU ms per request")] = None,
    label: Annotated[str, typer.Option(help="the column's name")] = "server",
    top: Annotated[int, typer.Option(help="the frames deciding most samples, per layer")] = 3,
    within: Annotated[int | None, typer.Option(
        help="with --marker: only descendants of this pid (the harness that started them)")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="keep py-spy's raw output here")] = None,
    gil: Annotated[bool, typer.Option(help="only the thread holding the GIL (py-spy --gil)")
                   ] = False,
) -> None:
    """Profile running servers for --seconds and print where their CPU went, by layer."""
    pids = list(pid or [])
    if marker:
        pids += find_pids(marker, within)
    if not pids:
        raise typer.BadParameter("no process: give --pid or a --marker that matches one")
    out_dir = out or Path(tempfile.mkdtemp(prefix="bench-profile-"))
    recording = record(pids, seconds, out_dir, rate, gil_only=gil)
    profile = LayerProfile(label, aggregate(recording.stacks), requests, recording.cpu_seconds,
                           recording.sampled_seconds)
    for root in recording.pids:
        with contextlib.suppress(psutil.Error):
            print(f"{root}: {' '.join(psutil.Process(root).cmdline())[:160]}")
    print(f"{recording.samples} samples "
          f"({recording.sampled_seconds:.2f} s of runnable threads at {rate}/s; {recording.errors} "
          f"unreadable); measured over {recording.ended - recording.started:.1f} s: "
          f"{recording.cpu_seconds:.2f} CPU s, {recording.queued_seconds:.2f} s queued for a "
          f"core; raw stacks in {out_dir}\n")
    print(layer_table([profile]))
    for layer, name in LAYERS.items():
        frames = top_frames(recording.stacks, layer, top)
        if frames:
            print(f"{name}: " + "; ".join(f"{frame} {n}" for frame, n in frames))


if __name__ == "__main__":
    app()

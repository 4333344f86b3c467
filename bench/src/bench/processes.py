"""Server processes for the benchmark: started on free loopback ports, pinned to the
server cores (the same ``sched_setaffinity`` call ``taskset -c`` makes), stopped cleanly."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from devstack.net import wait_http


def cpu_list(cpus: tuple[int, ...]) -> str:
    return ",".join(str(c) for c in cpus)


def pinned_argv(argv: list[str], cpus: tuple[int, ...] | None) -> tuple[list[str], Callable[[], None] | None]:
    """``argv`` pinned to ``cpus`` (the child and all it forks): ``taskset -c`` when
    installed, else the same ``sched_setaffinity`` call made before exec."""
    if not cpus:
        return argv, None
    if shutil.which("taskset"):
        return ["taskset", "-c", cpu_list(cpus), *argv], None

    def pin() -> None:
        os.sched_setaffinity(0, cpus)

    return argv, pin


@dataclass
class Server:
    """One server process: a name, its command line, where it answers."""

    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    health_path: str = "/healthz"
    cwd: Path | None = None
    cpus: tuple[int, ...] | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child owns it
        argv, preexec = pinned_argv(self.argv, self.cpus)
        self.process = subprocess.Popen(  # noqa: S603 - argv built here
            argv,
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=preexec,
        )
        log.close()
        try:
            wait_http(self.url + self.health_path, timeout, self.process)
        except Exception as exc:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            self.stop()
            raise RuntimeError(
                f"{self.name} did not start: {exc}\n--- {self.log_path} ---\n{tail}"
            ) from exc

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # The whole session: uvicorn/gunicorn masters and their workers.
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

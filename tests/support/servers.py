"""Real HTTP servers for tests: uvicorn in a thread (fast, one per test) or a real
process (for suites that need the production process model). Both bind to loopback on a
free port and are up before the fixture yields."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from devstack.net import free_port, wait_http


@contextmanager
def threaded_server(app, port: int | None = None, timeout: float = 20.0) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a background thread; yields its base URL."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("server thread died during startup")
        if time.monotonic() > deadline:
            raise TimeoutError("server did not start")
        time.sleep(0.01)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout)


@contextmanager
def process_server(
    command: list[str], env: dict[str, str], health_path: str = "/healthz",
    port: int | None = None, cwd: Path | None = None, log_path: Path | None = None,
    timeout: float = 60.0,
) -> Iterator[str]:
    """Run a server as a real process. ``{port}`` in the command is replaced."""
    port = port or free_port()
    argv = [part.replace("{port}", str(port)) for part in command]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        argv, env={**os.environ, **env}, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + health_path, timeout, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

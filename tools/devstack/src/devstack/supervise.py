"""The dev stack's process supervisor: supervisord, from a config written here.

honcho stopped every process when one exited, so a Redis that died took the whole
stack down with it. supervisord instead restarts whatever exits (PostgreSQL and Redis
included), retrying a program that fails to start with a growing delay, and logs each
exit and restart (``exited: redis (terminated by SIGKILL; not expected)``, then
``spawned``, then ``success: redis entered RUNNING state``) to the console and to
``logs/supervisord.log``. The services start only once the database is migrated
(``autostart=false``, started as the ``services`` group); Ctrl-C stops every program.

Every program inherits supervisord's environment (the stack's ``APP_*`` settings).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path

SERVICES_GROUP = "services"


def parse_procfile(text: str) -> dict[str, str]:
    """``name: command`` lines, in order (the Procfile format; ``#`` starts a comment)."""
    processes = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        processes[name.strip()] = command.strip()
    return processes


def _value(text: str) -> str:
    return text.replace("%", "%%")  # supervisord expands %(name)s in values


def _exec(command: str) -> str:
    """The server replaces the shell (``exec``), so a signal to the program reaches it."""
    return command if "exec " in command else f"exec {command}"


def _program(name: str, command: list[str], **options: object) -> str:
    lines = [f"[program:{name}]", f"command={_value(shlex.join(command))}"]
    lines += [f"{key}={_value(str(value))}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


def config(
    data_dir: Path,
    root: Path,
    procfile: Mapping[str, str],
    servers: Mapping[str, tuple[list[str], dict[str, object]]],
) -> str:
    """supervisord's config: ``servers`` (name -> (argv, extra options)) start with
    supervisord; the Procfile's processes wait to be started as one group."""
    logs = data_dir / "logs"
    socket = data_dir / "supervisor.sock"
    main = ["[supervisord]", "nodaemon=true", f"logfile={logs / 'supervisord.log'}",
            f"pidfile={data_dir / 'supervisord.pid'}", f"childlogdir={logs}"]
    if os.geteuid() == 0:
        main.append("user=root")  # said explicitly: supervisord warns otherwise
    parts = [
        "\n".join(main) + "\n",
        f"[unix_http_server]\nfile={socket}\nchmod=0700\n",
        "[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n",
        f"[supervisorctl]\nserverurl=unix://{socket}\n",
    ]
    restart = {"autorestart": "true", "startsecs": 1, "startretries": 1000}
    for name, (argv, extra) in servers.items():
        parts.append(_program(name, argv, priority=10, redirect_stderr="true", **restart, **extra))
    for name, command in procfile.items():
        parts.append(_program(
            name, ["/bin/sh", "-c", _exec(command)], autostart="false", directory=root, priority=100,
            stopasgroup="true", killasgroup="true", stopwaitsecs=15, redirect_stderr="true",
            stdout_logfile="/dev/stdout", stdout_logfile_maxbytes=0, **restart,
        ))
    parts.append(f"[group:{SERVICES_GROUP}]\nprograms={','.join(procfile)}\n")
    return "\n".join(parts)


"""``devstack``: the embedded development stack's command line."""

from __future__ import annotations

from pathlib import Path

import typer

from devstack import stack
from saaskit.security.keys import ensure_key_dir

app = typer.Typer(help="The embedded development stack.", no_args_is_help=True)

ROOT = Path.cwd()
DATA = Path(".data")


@app.command()
def up(
    data_dir: Path = typer.Option(DATA, help="Where data lives (ignored by git)."),
    pg_port: int = typer.Option(stack.PG_PORT, help="The embedded PostgreSQL's port."),
    redis_port: int = typer.Option(stack.REDIS_PORT, help="The embedded Redis's port."),
    procfile: Path | None = typer.Option(None, help="Another Procfile (default: ./Procfile)."),
) -> None:
    """Start PostgreSQL, Redis and every service of the Procfile under supervisord, which
    restarts whatever crashes; Ctrl-C stops all."""
    raise typer.Exit(stack.up(ROOT, data_dir.resolve(), pg_port, redis_port, procfile))


@app.command()
def smoke() -> None:
    """Walk the running stack (`make up`) end to end over HTTP, as a user would."""
    from devstack.smoke import run

    run()


@app.command()
def keys(directory: Path = typer.Option(DATA / "keys", help="Key directory.")) -> None:
    """Create a development signing key if the directory has none."""
    ensure_key_dir(directory)
    typer.echo(f"signing keys in {directory}")


if __name__ == "__main__":
    app()

"""One PostgreSQL URL in the settings; each driver gets its own dialect spelling."""

from __future__ import annotations

from sqlalchemy.engine import make_url


def _with_driver(url: str, driver: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername=f"postgresql+{driver}").render_as_string(hide_password=False)


def asyncpg_url(url: str) -> str:
    """For SQLAlchemy's async engine."""
    return _with_driver(url, "asyncpg")


def psycopg_url(url: str) -> str:
    """For SQLAlchemy's sync engine (Alembic, scripts)."""
    return _with_driver(url, "psycopg")


def libpq_url(url: str) -> str:
    """Plain ``postgresql://`` for asyncpg.connect, psycopg.connect and Django."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

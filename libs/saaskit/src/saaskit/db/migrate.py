"""Apply the Alembic migrations programmatically (``python -m saaskit.db.migrate``)."""

from __future__ import annotations

import sys

from alembic import command
from alembic.config import Config

from saaskit.db.urls import psycopg_url
from saaskit.settings import get_settings


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "saaskit:migrations")
    config.set_main_option("sqlalchemy.url", psycopg_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    revision = args[1] if len(args) > 1 else "head"
    action = args[0] if args else "upgrade"
    config = alembic_config(get_settings().database_url)
    if action == "upgrade":
        command.upgrade(config, revision)
    elif action == "downgrade":
        command.downgrade(config, revision)
    elif action == "revision":
        command.revision(config, message=revision, autogenerate=True)
    else:
        raise SystemExit(f"unknown action {action!r}: upgrade | downgrade | revision")


if __name__ == "__main__":
    main()

"""The Django models map the Alembic-owned tables: same tables, columns, types, nullability."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql

from saaskit.db.schema import metadata

# The FastAPI admin's staff: the Django admin keeps its own in Django's ``auth_user``.
FASTAPI_ONLY = {"staff_accounts"}
TWIN_TABLES = {name: table for name, table in metadata.tables.items() if name not in FASTAPI_ONLY}


def _django_tables() -> dict:
    from django.apps import apps

    return {m._meta.db_table: m for m in apps.get_models() if not m._meta.managed}


def _alembic_columns(table) -> dict[str, tuple[str, bool]]:
    dialect = postgresql.dialect()
    return {
        c.name: (c.type.compile(dialect=dialect).lower(), bool(c.nullable)) for c in table.columns
    }


def _django_columns(model) -> dict[str, tuple[str, bool]]:
    from django.db import connection

    return {f.column: (f.db_type(connection).lower(), f.null) for f in model._meta.concrete_fields}


def test_every_table_has_an_unmanaged_model_and_no_more(django_setup):
    assert set(_django_tables()) == set(TWIN_TABLES)


def test_columns_types_and_nullability_match(django_setup):
    models = _django_tables()
    drift = {
        name: {"alembic": _alembic_columns(table), "django": _django_columns(models[name])}
        for name, table in TWIN_TABLES.items()
        if _alembic_columns(table) != _django_columns(models[name])
    }
    assert not drift


def test_primary_keys_match(django_setup):
    models = _django_tables()
    for name, table in TWIN_TABLES.items():
        assert [c.name for c in table.primary_key] == [models[name]._meta.pk.column]

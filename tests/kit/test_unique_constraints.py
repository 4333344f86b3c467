"""saaskit.db.constraints and saaskit.accounts.problems.already_taken_by: a lost registration
race is told apart by the unique index PostgreSQL names, read off each driver's real
error (asyncpg under SQLAlchemy, as FastAPI sees it; psycopg, as Django sees it), and
never by the error's text."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from saaskit.accounts.problems import already_taken_by
from saaskit.db.constraints import USERS_EMAIL_UNIQUE, USERS_USERNAME_UNIQUE, violated_constraint
from saaskit.db.schema import users
from saaskit.db.urls import asyncpg_url, libpq_url

ADA = {"email": "ada@example.com", "username": "ada", "password_hash": "x"}
# Each clashes with ADA on one index only, in another case (the indexes are on lower()).
SAME_EMAIL = {"email": "ADA@example.com", "username": "other", "password_hash": "x"}
SAME_USERNAME = {"email": "other@example.com", "username": "ADA", "password_hash": "x"}
CLASHES = [(SAME_EMAIL, USERS_EMAIL_UNIQUE), (SAME_USERNAME, USERS_USERNAME_UNIQUE)]


@pytest.mark.parametrize(("clash", "index"), CLASHES)
async def test_asyncpg_under_sqlalchemy_reports_the_index(database_url, clash, index):
    engine = create_async_engine(asyncpg_url(database_url))
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(users).values(**ADA))
        async with engine.connect() as conn:
            with pytest.raises(IntegrityError) as caught:
                await conn.execute(insert(users).values(**clash))
    finally:
        await engine.dispose()
    assert violated_constraint(caught.value) == index


@pytest.mark.parametrize(("clash", "index"), CLASHES)
def test_psycopg_reports_the_index_also_wrapped_as_django_wraps_it(database_url, clash, index):
    sql = "INSERT INTO users (email, username, password_hash) VALUES (%(email)s, %(username)s, %(password_hash)s)"
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(sql, ADA)
        with pytest.raises(psycopg.errors.UniqueViolation) as caught:
            conn.execute(sql, clash)
    assert violated_constraint(caught.value) == index
    try:  # Django's IntegrityError is raised "from" the driver's error
        raise RuntimeError("wrapped") from caught.value
    except RuntimeError as wrapped:
        assert violated_constraint(wrapped) == index


def test_an_error_without_a_constraint_names_none():
    assert violated_constraint(ValueError("uq_users_email_lower")) is None  # text is not read
    looping = RuntimeError("a cause chain that loops")
    looping.__cause__ = RuntimeError("back")
    looping.__cause__.__cause__ = looping
    assert violated_constraint(looping) is None


def test_the_index_decides_which_field_the_409_names():
    email, username = already_taken_by(USERS_EMAIL_UNIQUE), already_taken_by(USERS_USERNAME_UNIQUE)
    assert email is not None and username is not None
    assert (email.status, email.detail) == (409, "this email is already registered")
    assert (username.status, username.detail) == (409, "this username is already registered")


@pytest.mark.parametrize("other", [None, "refresh_tokens_token_hash_key", "uq_email_outbox_job_id"])
def test_any_other_constraint_is_not_a_taken_name(other):
    assert already_taken_by(other) is None

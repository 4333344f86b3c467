"""The post search's statement uses the trigram index on both stacks, also after many
executions (issue 26, item 8; ``saaskit.content.search``).

A seeded table (``ROWS`` posts with random titles, analysed), then each stack's own code
runs a search for a term that matches nothing, ``RUNS`` times: the FastAPI service's
``list_posts`` on a SQLAlchemy/asyncpg connection (prepared statements, where PostgreSQL
may switch to a generic plan after five executions), and the Django selector on Django's
connection. ``auto_explain`` reports the plan PostgreSQL actually executed for each
statement, as a NOTICE to the client; every one must read ``ix_posts_title_trgm``.
Before the fix the FastAPI statement's sixth run onwards walked ``ix_posts_created_at``
(or the primary key) filtering every row.
"""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from saaskit.db.urls import asyncpg_url

ROWS = 100_000
RUNS = 8
TERM = "zqzq"  # never in an md5 hex title: matches nothing, the worst case for a scan
INDEX = "ix_posts_title_trgm"
AUTO_EXPLAIN = (
    "LOAD 'auto_explain'",
    "SET auto_explain.log_min_duration = 0",
    "SET auto_explain.log_level = 'notice'",
)


@pytest.fixture(scope="module")
def seeded(django_setup):
    from django.db import connection

    url = connection.settings_dict  # the admin suite's own database
    dsn = (f"postgresql://{url['USER']}@{url['HOST']}:{url['PORT']}/{url['NAME']}")
    with psycopg.connect(dsn, autocommit=True) as conn:
        author = conn.execute(
            "INSERT INTO users (email, username, password_hash) "
            "VALUES ('plan@example.com', 'plan_author', 'x') RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO posts (author_id, title, created_at) "
            "SELECT %s, 'post ' || md5(i::text), now() - i * interval '1 second' "
            "FROM generate_series(1, %s) AS i",
            (author, ROWS),
        )
        conn.execute("ANALYZE posts")
    yield dsn
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM users WHERE id = %s", (author,))


def plans_of(notices: list[str]) -> list[str]:
    return [n for n in notices if "Query Text" in n and "posts" in n]


def test_fastapi_search_uses_the_trigram_index_after_many_executions(seeded):
    from sqlalchemy.ext.asyncio import create_async_engine

    from resources_service.posts import service
    from saaskit.content.search import search_term
    from saaskit.web.params import PageParams

    async def run() -> list[str]:
        engine = create_async_engine(asyncpg_url(seeded), pool_size=1, max_overflow=0)
        notices: list[str] = []
        try:
            async with engine.connect() as conn:
                raw = (await conn.get_raw_connection()).driver_connection
                assert raw is not None
                raw.add_log_listener(lambda _c, message: notices.append(str(message)))
                for statement in AUTO_EXPLAIN:
                    await conn.exec_driver_sql(statement)
                await conn.commit()
                for _ in range(RUNS):
                    # As a request runs it: its own transaction on the pooled connection.
                    body = await service.list_posts(
                        conn, PageParams(limit=20, cursor=None), None, search_term(TERM)
                    )
                    assert body["items"] == []
                    await conn.rollback()
        finally:
            await engine.dispose()
        return plans_of(notices)

    plans = asyncio.run(run())
    assert len(plans) == RUNS, plans
    for number, plan in enumerate(plans, 1):
        assert INDEX in plan, f"execution {number}:\n{plan}"


def test_django_search_uses_the_trigram_index(seeded):
    from django.db import connection

    from admin_service.content import selectors
    from saaskit.content.search import search_term

    notices: list[str] = []
    with connection.cursor() as cursor:
        connection.connection.add_notice_handler(  # type: ignore[union-attr]
            lambda diag: notices.append(f"{diag.message_primary}")
        )
        for statement in AUTO_EXPLAIN:
            cursor.execute(statement)
    for _ in range(RUNS):
        items, _cursor = selectors.list_posts(limit=20, cursor=None, q=search_term(TERM))
        assert list(items) == []
    plans = plans_of(notices)
    assert len(plans) == RUNS, notices
    for number, plan in enumerate(plans, 1):
        assert INDEX in plan, f"execution {number}:\n{plan}"

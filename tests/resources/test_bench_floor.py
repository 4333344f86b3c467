"""The benchmark's seed data and the floor app: the floor must do the same work as the
resources service (same answers), or the ratio between them means nothing."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from bench.floor import create_app as create_floor
from bench.seed import SEED_PASSWORD, seed
from saaskit.db.urls import libpq_url
from saaskit.security.passwords import PasswordService
from tests.support.api import login
from tests.support.servers import threaded_server


def _fingerprint(database_url: str) -> tuple:
    with psycopg.connect(libpq_url(database_url)) as conn:
        return tuple(conn.execute(query).fetchone() for query in (
            "SELECT count(*), md5(string_agg(username || coalesce(full_name, '') || created_at,"
            " ',' ORDER BY id)) FROM users",
            "SELECT count(*), md5(string_agg(author_id || title || comment_count || created_at,"
            " ',' ORDER BY id)) FROM posts",
            "SELECT count(*), md5(string_agg(post_id || ':' || author_id || body || created_at,"
            " ',' ORDER BY id)) FROM comments",
        ))


@pytest.fixture
def seeded(database_url: str, settings) -> str:
    # The settings' cheap argon2 parameters keep logging in fast in tests.
    seed(database_url, "tiny", password_hash=PasswordService.from_settings(settings).hash(
        SEED_PASSWORD))
    return database_url


def test_seeding_is_deterministic_and_consistent(seeded: str):
    first = _fingerprint(seeded)
    assert [row[0] for row in first] == [1_000, 10_000, 50_000]
    seed(seeded, "tiny", password_hash="not-a-login-hash")  # noqa: S106
    assert _fingerprint(seeded) == first
    with psycopg.connect(libpq_url(seeded)) as conn:
        wrong = conn.execute(
            "SELECT count(*) FROM posts p WHERE comment_count <> "
            "(SELECT count(*) FROM comments c WHERE c.post_id = p.id)").fetchone()[0]
        early = conn.execute(
            "SELECT count(*) FROM comments c JOIN posts p ON p.id = c.post_id "
            "WHERE c.created_at < p.created_at").fetchone()[0]
        next_id = conn.execute("SELECT nextval(pg_get_serial_sequence('posts', 'id'))").fetchone()
    assert wrong == 0 and early == 0 and next_id[0] == 10_001


def test_floor_answers_like_the_resources_service(seeded, settings, auth_url, resources_url):
    token = login(auth_url, "user7", SEED_PASSWORD)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with psycopg.connect(libpq_url(seeded)) as conn:
        busiest = conn.execute("SELECT author_id FROM posts GROUP BY author_id "
                               "ORDER BY count(*) DESC, author_id LIMIT 1").fetchone()[0]
    with threaded_server(create_floor(settings)) as floor_url:
        for path in ("/users/7", f"/users/{busiest}/overview",
                     f"/users/{busiest}/overview?posts_limit=3&comments_limit=2"):
            ours = httpx.get(resources_url + path, headers=headers)
            floors = httpx.get(floor_url + path, headers=headers)
            assert ours.status_code == floors.status_code == 200, path
            assert ours.content == floors.content, path  # the same bytes
        assert httpx.get(floor_url + "/users/999999", headers=headers).status_code == 404
        # Past BIGINT: 422, as the resources service answers (tests/bench/test_variants.py).
        assert httpx.get(floor_url + f"/users/{2**63}", headers=headers).status_code == 422
        assert httpx.get(floor_url + "/users/7").status_code == 401
        assert httpx.get(floor_url + "/healthz").json() == {"status": "ok"}
        assert "process_cpu_seconds_total" in httpx.get(floor_url + "/metrics").text

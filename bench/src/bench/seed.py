"""Deterministic bulk seeding of the benchmark data set with PostgreSQL ``COPY``.

``seed(database_url, size, seed=42)`` empties the application tables of an already
migrated database and fills them with the same users, posts and comments every time
for the same ``size`` and ``seed`` (timestamps are anchored to a fixed instant, not to
"now"). Every seeded user can log in as ``user<N>`` (or ``user<N>@bench.example.com``)
with the password ``SEED_PASSWORD``; all share one argon2 hash, computed once.

    python -m bench.seed --size small [--seed 42] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import LiteralString

import psycopg

from saaskit.db.urls import libpq_url
from saaskit.security.passwords import PasswordService
from saaskit.settings import Settings
from saaskit.timeutil import rfc3339

SEED_PASSWORD = "bench password 1"  # noqa: S105 - a documented benchmark credential
ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
POSTS_SPAN = timedelta(days=365)
USERS_SPAN = timedelta(days=30)  # users sign up in the month before the posts start
CHUNK_ROWS = 20_000


@dataclass(frozen=True)
class Size:
    users: int
    posts: int
    comments: int


SIZES = {
    "tiny": Size(1_000, 10_000, 50_000),
    "small": Size(10_000, 100_000, 500_000),
    "large": Size(100_000, 1_000_000, 5_000_000),
}

_WORDS = (
    "python django fastapi postgres redis queue async worker cache index query latency "
    "throughput benchmark deploy review schema migration token cursor page request "
    "response service cluster metric trace error retry backoff stream upload export"
).split()

APP_TABLES = ("email_outbox", "jobs", "files", "comments", "posts", "refresh_tokens", "users")


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(_WORDS, k=rng.randint(low, high)))


def _stamp(base: datetime, seconds: float) -> str:
    return rfc3339(base + timedelta(seconds=seconds))


def _chunks(lines: Iterator[str]) -> Iterator[str]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= CHUNK_ROWS:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def _copy(conn: psycopg.Connection, table: LiteralString, columns: LiteralString,
          lines: Iterator[str]) -> None:
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for chunk in _chunks(lines):
            copy.write(chunk)


def _user_lines(size: Size, password_hash: str, rng: random.Random) -> Iterator[str]:
    start = ANCHOR - POSTS_SPAN - USERS_SPAN
    span = USERS_SPAN.total_seconds()
    for uid in range(1, size.users + 1):
        created = _stamp(start, span * uid / size.users)
        full_name = f"Bench User {uid}" if rng.random() < 0.8 else "\\N"
        yield (f"{uid}\tuser{uid}@bench.example.com\tuser{uid}\t{password_hash}\t{full_name}"
               f"\tt\t{created}\t{created}\n")


def seed(database_url: str, size: str, seed: int = 42, password_hash: str | None = None) -> Size:
    """Replace the application data with the ``size`` data set; returns the row counts."""
    counts = SIZES[size]
    rng = random.Random(seed)
    if password_hash is None:
        password_hash = PasswordService.from_settings(Settings()).hash(SEED_PASSWORD)
    posts_start = ANCHOR - POSTS_SPAN
    span = POSTS_SPAN.total_seconds()
    # Draw every post's time and every comment's post first: the posts' comment_count
    # must be known when the posts are copied.
    post_offsets = sorted(rng.uniform(0, span) for _ in range(counts.posts))
    comment_posts = [rng.randint(1, counts.posts) for _ in range(counts.comments)]
    comment_counts = [0] * (counts.posts + 1)
    for post_id in comment_posts:
        comment_counts[post_id] += 1

    def post_lines() -> Iterator[str]:
        for pid in range(1, counts.posts + 1):
            created = _stamp(posts_start, post_offsets[pid - 1])
            author = rng.randint(1, counts.users)
            yield (f"{pid}\t{author}\t{_text(rng, 3, 9)}\t{_text(rng, 20, 80)}"
                   f"\t{comment_counts[pid]}\t{created}\t{created}\n")

    def comment_lines() -> Iterator[str]:
        for cid, post_id in enumerate(comment_posts, start=1):
            after = rng.uniform(0, span - post_offsets[post_id - 1])
            created = _stamp(posts_start, post_offsets[post_id - 1] + after)
            author = rng.randint(1, counts.users)
            yield f"{cid}\t{post_id}\t{author}\t{_text(rng, 2, 30)}\t{created}\n"

    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute(f"TRUNCATE {', '.join(APP_TABLES)} RESTART IDENTITY CASCADE")
        _copy(conn, "users", "id, email, username, password_hash, full_name, is_active, "
              "created_at, updated_at", _user_lines(counts, password_hash, rng))
        _copy(conn, "posts", "id, author_id, title, body, comment_count, created_at, updated_at",
              post_lines())
        _copy(conn, "comments", "id, post_id, author_id, body, created_at", comment_lines())
        for table in ("users", "posts", "comments"):
            # Table names are the constants above, never input.
            sql = (f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                   f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
            conn.execute(sql)
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE users, posts, comments")
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database-url", default=None, help="default: APP_DATABASE_URL")
    args = parser.parse_args(argv)
    url = args.database_url or Settings().database_url
    started = time.monotonic()
    counts = seed(url, args.size, args.seed)
    print(f"seeded {args.size}: {counts.users} users, {counts.posts} posts, "
          f"{counts.comments} comments in {time.monotonic() - started:.1f}s "
          f"(password for every user: {SEED_PASSWORD!r})")


if __name__ == "__main__":
    main()

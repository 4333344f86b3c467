"""Every variant of the comparison answers the two hot reads exactly as the shipped
resources service does: the same status, the same content type and the same JSON, for
good requests (several users, the overview at its default, usual, smallest and largest
limits) and bad ones (a missing user, ids that are not a BIGINT >= 1, limits out of
range, missing or refused tokens). A variant that answered differently would be measured
doing different work, and the comparison would not survive review.

One session: a database seeded with the benchmark's ``tiny`` data set, the shipped auth
service (the JWKS every variant fetches, and the login), the shipped resources service
as the reference, and each variant started once, as a real process from its own command
line, in the benchmark's production configuration, one worker.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import psycopg
import pytest

from bench.seed import SEED_PASSWORD, seed
from bench.stack import uvicorn_argv
from bench.variants import Variant, registry
from devstack.net import free_port
from saaskit.db.urls import libpq_url
from saaskit.security.keys import ALGORITHM, KeySet, SigningKey, generate_private_pem
from saaskit.security.tokens import AccessTokenIssuer
from tests.support.servers import process_server

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = registry()
BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # placeholders: {first} {last} {middle} {busiest} {bare_post} {missing}
    token: str = "valid"  # a key of the ``tokens`` fixture, or "none"


def _cases() -> list[Case]:
    cases: list[Case] = []
    for who in ("first", "last", "middle", "busiest", "bare_post"):
        cases.append(Case(f"user-{who}", f"/users/{{{who}}}"))
        cases.append(Case(f"overview-{who}", f"/users/{{{who}}}/overview"))
    for who in ("first", "busiest", "bare_post"):
        for posts, comments in ((10, 5), (1, 1), (50, 20), (3, 20), (50, 1)):
            cases.append(Case(
                f"overview-{who}-{posts}-{comments}",
                f"/users/{{{who}}}/overview?posts_limit={posts}&comments_limit={comments}",
            ))
    cases.append(Case("overview-only-posts-limit", "/users/{busiest}/overview?posts_limit=2"))
    cases.append(Case("overview-only-comments-limit", "/users/{busiest}/overview?comments_limit=1"))
    for route in ("", "/overview"):
        cases.append(Case(f"missing{route}", f"/users/{{missing}}{route}"))
        cases.append(Case(f"missing-bigint-max{route}", f"/users/{BIGINT_MAX}{route}"))
        cases.append(Case(f"odd-but-valid-id-plus{route}", f"/users/+7{route}"))
        cases.append(Case(f"odd-but-valid-id-zeros{route}", f"/users/007{route}"))
        for bad in ("abc", "0", "-1", str(BIGINT_MAX + 1), "1.5"):
            cases.append(Case(f"bad-id-{bad}{route}", f"/users/{bad}{route}"))
        for token in ("none", "garbage", "basic", "expired", "forged", "wrong_audience"):
            cases.append(Case(f"token-{token}{route}", f"/users/{{first}}{route}", token))
        # Which answer wins when the token and the id are both wrong.
        cases.append(Case(f"bad-id-and-no-token{route}", f"/users/abc{route}", "none"))
    for query in ("posts_limit=0", "posts_limit=51", "posts_limit=abc", "posts_limit=",
                  "comments_limit=0", "comments_limit=21", "comments_limit=-1",
                  "posts_limit=0&comments_limit=21"):
        cases.append(Case(f"bad-limits-{query}", f"/users/{{first}}/overview?{query}"))
    cases.append(Case("bad-limits-missing-user", "/users/{missing}/overview?posts_limit=0"))
    cases.append(Case("bad-limits-and-bad-id", "/users/0/overview?posts_limit=51"))
    return cases


CASES = _cases()


@pytest.fixture(scope="session")
def variants_database(pg) -> dict[str, int]:
    """The seeded database's URL, and the user ids the cases name."""
    url = pg.create_database("variants", template="app_template")  # migrated
    counts = seed(url, "tiny", 42)
    with psycopg.connect(libpq_url(url)) as conn:
        busiest = conn.execute(
            "SELECT author_id FROM posts GROUP BY author_id ORDER BY count(*) DESC, author_id"
            " LIMIT 1").fetchone()[0]
        # Has a post without comments: an overview with an empty "comments" list.
        bare_post = conn.execute(
            "SELECT author_id FROM posts WHERE comment_count = 0 ORDER BY author_id LIMIT 1"
        ).fetchone()[0]
    return {"url": url, "first": 1, "last": counts.users, "middle": counts.users // 2,
            "busiest": busiest, "bare_post": bare_post, "missing": counts.users + 1}


@pytest.fixture(scope="session")
def issuer_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def bench_env(
    variants_database, redis_server, keys_dir, issuer_port, tmp_path_factory
) -> dict[str, str]:
    """The APP_* environment of ``bench.stack.local_stack``'s servers."""
    return {
        "APP_ENVIRONMENT": "production",
        "APP_SECRET_KEY": secrets.token_urlsafe(32),
        "APP_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "APP_CSRF_TRUSTED_ORIGINS": "http://127.0.0.1,http://localhost",
        "APP_DATABASE_URL": variants_database["url"],
        "APP_REDIS_URL": redis_server.url(7),
        "APP_DATABASE_POOL_SIZE": "4",
        "APP_JWT_KEYS_DIR": str(keys_dir),
        "APP_JWKS_URL": f"http://127.0.0.1:{issuer_port}/.well-known/jwks.json",
        "APP_STORAGE_LOCAL_DIR": str(tmp_path_factory.mktemp("variants-storage")),
        "APP_LOG_LEVEL": "WARNING",
        "APP_LOG_JSON": "true",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="session")
def servers(bench_env, tmp_path_factory) -> Iterator[Callable[..., str]]:
    """``start(name, argv, env, port)`` -> base URL; each server starts once per session."""
    logs = tmp_path_factory.mktemp("variants-logs")
    started: dict[str, str] = {}
    with ExitStack() as stack:
        def start(name: str, argv: list[str], env: dict[str, str], port: int) -> str:
            if name not in started:
                started[name] = stack.enter_context(process_server(
                    argv, {**bench_env, "APP_SERVICE_NAME": name, **env}, port=port,
                    cwd=ROOT, log_path=logs / f"{name}.log",
                ))
            return started[name]

        yield start


@pytest.fixture(scope="session")
def issuer_url(servers, issuer_port) -> str:
    """The shipped auth service: the JWKS every server fetches, and the login."""
    argv = uvicorn_argv("auth_service.main:create_app", issuer_port, 1)
    return servers("auth", argv, {}, issuer_port)


@pytest.fixture(scope="session")
def reference_url(servers, issuer_url) -> str:
    """The shipped resources service, as deployed."""
    port = free_port()
    return servers("reference", uvicorn_argv("resources_service.main:create_app", port, 1), {}, port)


@pytest.fixture(scope="session")
def tokens(issuer_url, keys_dir) -> dict[str, str | None]:
    """The Authorization header of each token kind ("none": no header)."""
    login = httpx.post(
        f"{issuer_url}/auth/token", data={"username": "user1", "password": SEED_PASSWORD}
    )
    assert login.status_code == 200, login.text
    access = login.json()["access_token"]
    # The issuer and audience the services use, as the auth service wrote them.
    claims = jwt.decode(access, options={"verify_signature": False})
    issuer, audience = claims["iss"], claims["aud"]
    real = KeySet.from_dir(keys_dir)
    stranger = SigningKey.from_pem(generate_private_pem())

    def issued(ttl: int = 300, to: str = audience) -> str:
        return AccessTokenIssuer(real, issuer, to, ttl).issue(1)

    now = int(time.time())
    forged = jwt.encode(  # the real key's kid, another key's signature
        {"sub": "1", "iss": issuer, "aud": audience, "iat": now,
         "exp": now + 300, "jti": secrets.token_hex(16)},
        stranger.private_key, algorithm=ALGORITHM, headers={"kid": real.current.kid},
    )
    return {
        "valid": f"Bearer {access}",
        "none": None,
        "garbage": "Bearer not.a.token",
        "basic": "Basic dXNlcjE6cGFzc3dvcmQ=",
        "expired": f"Bearer {issued(ttl=-60)}",
        "forged": f"Bearer {forged}",
        "wrong_audience": f"Bearer {issued(to='another-api')}",
    }


def _setup(variant: Variant, env: dict[str, str], log: Path) -> None:
    for command in variant.setup_commands:
        with open(log, "ab") as out:
            subprocess.run(  # noqa: S603 - the variant's own fixed command
                list(command), env={**os.environ, **env}, cwd=ROOT, stdout=out,
                stderr=subprocess.STDOUT, check=True, timeout=180,
            )


@pytest.fixture(scope="session")
def variant_urls(servers, bench_env, issuer_url, tmp_path_factory) -> Callable[[str], str]:
    log = tmp_path_factory.mktemp("variants-setup") / "setup.log"
    prepared: set[str] = set()

    def url(name: str) -> str:
        variant = VARIANTS[name]
        env = {**bench_env, "APP_SERVICE_NAME": name, **variant.env}
        if name not in prepared:
            _setup(variant, env, log)
            prepared.add(name)
        port = free_port()
        return servers(name, variant.argv(port, 1), dict(variant.env), port)

    return url


@pytest.fixture(scope="session")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=15.0) as c:
        yield c


def _answer(response: httpx.Response) -> tuple[int, str | None, object]:
    # No body here carries a per-request field (no instance, no trace id): the whole
    # parsed JSON is compared. A body that is not JSON is kept as text, so a server's
    # plain "Not Found" shows in the failure instead of a decoding error.
    content_type = response.headers.get("content-type")
    is_json = (content_type or "").split(";")[0].strip().endswith("json")
    return response.status_code, content_type, response.json() if is_json else response.text


@pytest.mark.parametrize("name", list(VARIANTS))
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_variant_answers_like_the_shipped_service(
    name, case, variant_urls, reference_url, variants_database, tokens, client
):
    path = case.path.format(**variants_database)
    header = tokens[case.token]
    headers = {"Authorization": header} if header else {}
    expected = client.get(reference_url + path, headers=headers)
    got = client.get(variant_urls(name) + path, headers=headers)
    assert _answer(got) == _answer(expected), path
    if expected.status_code == 401:
        assert got.headers.get("www-authenticate") == expected.headers["www-authenticate"] == "Bearer"


def test_the_cases_cover_every_answer(reference_url, variants_database, tokens, client):
    """The reference gives each kind of answer the cases mean to compare, so none of
    them compares two identical errors by accident (a limits case that 404s, a user case
    that 401s), and the overviews compared do exercise both limits and an empty list."""
    seen: dict[str, httpx.Response] = {}
    for case in CASES:
        header = tokens[case.token]
        seen[case.name] = client.get(
            reference_url + case.path.format(**variants_database),
            headers={"Authorization": header} if header else {},
        )
    for name, response in seen.items():
        expected = (401 if name.startswith(("token-", "bad-id-and-no-token")) else
                    404 if name.startswith("missing") else
                    422 if name.startswith(("bad-id", "bad-limits")) else 200)
        assert response.status_code == expected, name
    default = seen["overview-busiest"].json()["posts"]
    assert len(default) == 10 < len(seen["overview-busiest-50-20"].json()["posts"])
    # The per-post limit cut somewhere: a post with more comments than the five shown.
    assert any(p["comment_count"] > len(p["comments"]) == 5 for p in default)
    assert any(p["comments"] == [] for p in seen["overview-bare_post-50-20"].json()["posts"])


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_is_healthy(name, variant_urls, client):
    variant = VARIANTS[name]
    assert client.get(variant_urls(name) + variant.health_path).status_code == 200

"""Contract: Auth (/auth/*, /.well-known/jwks.json), on both stacks."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.contract.shapes import ME, TOKEN_PAIR, assert_invalid, assert_problem, assert_shape
from tests.support.api import PASSWORD, login, new_account, register, unique_username


def test_register_answers_me(stack):
    username = unique_username("reg")
    response = stack.post(
        "/auth/register",
        json={
            "email": f"{username.upper()}@Example.com",
            "username": username,
            "password": PASSWORD,
            "full_name": "Ada",
        },
    )
    assert response.status_code == 201, response.text
    me = response.json()
    assert_shape(me, ME)
    assert (me["username"], me["email"], me["full_name"], me["is_active"]) == (
        username,
        f"{username}@example.com",
        "Ada",
        True,
    )


def test_register_twice_is_409_for_email_or_username_in_any_case(stack):
    username = unique_username("dup")
    register(stack.auth, username)
    same_name = stack.post(
        "/auth/register",
        json={
            "email": f"other_{username}@example.com",
            "username": username.upper(),
            "password": PASSWORD,
        },
    )
    same_email = stack.post(
        "/auth/register",
        json={"email": f"{username}@EXAMPLE.com", "username": f"x{username}", "password": PASSWORD},
    )
    assert assert_problem(same_name, 409)["detail"] == "this username is already registered"
    assert assert_problem(same_email, 409)["detail"] == "this email is already registered"


RACERS = 6


async def _register_at_once(stack, bodies: list[dict]) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=len(bodies))) as client:
        return await asyncio.gather(*(client.post(stack.url("/auth/register"), json=b) for b in bodies))


def _racer(name: str, field: str, i: int) -> dict:
    """Racer ``i`` shares ``field`` with the others (in either case) and nothing else."""
    shared = name if i % 2 else name.upper()
    if field == "email":
        return {"email": f"{shared}@example.com", "username": f"{name}_{i}", "password": PASSWORD}
    return {"email": f"{name}_{i}@example.com", "username": shared, "password": PASSWORD}


@pytest.mark.parametrize("field", ["email", "username"])
def test_racing_registrations_of_one_name_are_one_201_and_409s_naming_it(stack, field):
    """Registrations racing past the "is it taken?" check meet the unique index, and the
    index, not the error's text, says which field the 409 names: these usernames have
    "email" in them, which the error's text repeats (Django's text search named the
    email for a username race)."""
    name = unique_username("email_race")
    bodies = [_racer(name, field, i) for i in range(RACERS)]
    responses = asyncio.run(_register_at_once(stack, bodies))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (RACERS - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert assert_problem(response, 409)["detail"] == f"this {field} is already registered"


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"password": "short1"}, ["body", "password"]),
        ({"password": "no digits here"}, ["body", "password"]),
        ({"password": "12345678901"}, ["body", "password"]),
        ({"email": "not-an-email"}, ["body", "email"]),
        ({"username": "a b"}, ["body", "username"]),
        ({"username": "ab"}, ["body", "username"]),
        ({"is_admin": True}, ["body", "is_admin"]),
        ({"full_name": "x" * 201}, ["body", "full_name"]),
    ],
)
def test_register_refuses_bad_input_with_422(stack, change, loc):
    username = unique_username("bad")
    body = {
        "email": f"{username}@example.com",
        "username": username,
        "password": PASSWORD,
        **change,
    }
    assert_invalid(stack.post("/auth/register", json=body), loc)


def test_register_without_body_is_422_and_with_bad_json_400(stack):
    assert_problem(
        stack.post(
            "/auth/register", content=b"{not json", headers={"content-type": "application/json"}
        ),
        400,
    )
    missing = assert_problem(stack.post("/auth/register", json={}), 422)
    assert {tuple(e["loc"]) for e in missing["errors"]} == {
        ("body", "email"),
        ("body", "username"),
        ("body", "password"),
    }


def test_login_with_username_or_email_answers_a_token_pair(stack):
    me = register(stack.auth)
    by_name = login(stack.auth, me["username"].upper())
    by_email = login(stack.auth, me["email"])
    for pair in (by_name, by_email):
        assert_shape(pair, TOKEN_PAIR)
        assert pair["token_type"] == "bearer"  # noqa: S105
    assert (
        stack.get(
            "/auth/me", headers={"Authorization": f"Bearer {by_email['access_token']}"}
        ).json()
        == me
    )


def test_login_failures_are_one_401(stack):
    me = register(stack.auth)
    wrong = stack.post("/auth/token", data={"username": me["username"], "password": "wrong pass 1"})
    unknown = stack.post(
        "/auth/token", data={"username": unique_username("nobody"), "password": PASSWORD}
    )
    assert assert_problem(wrong, 401) == assert_problem(unknown, 401)


def test_login_without_form_fields_is_422(stack):
    assert_invalid(stack.post("/auth/token", data={"username": "x"}), ["body", "password"])


def test_refresh_rotates_and_reuse_revokes_the_family(stack):
    account = new_account(stack.auth)
    first = stack.post("/auth/refresh", json={"refresh_token": account.refresh_token})
    assert first.status_code == 200, first.text
    assert_shape(first.json(), TOKEN_PAIR)
    rotated = first.json()["refresh_token"]
    assert rotated != account.refresh_token
    assert_problem(stack.post("/auth/refresh", json={"refresh_token": account.refresh_token}), 401)
    # The reuse revoked the whole family, the rotated token included.
    assert_problem(stack.post("/auth/refresh", json={"refresh_token": rotated}), 401)


def test_refresh_with_unknown_token_is_401_and_bad_body_422(stack):
    assert_problem(stack.post("/auth/refresh", json={"refresh_token": "nope"}), 401)
    assert_invalid(
        stack.post("/auth/refresh", json={"refresh_token": ""}), ["body", "refresh_token"]
    )
    assert_invalid(
        stack.post("/auth/refresh", json={"refresh_token": "x", "extra": 1}), ["body", "extra"]
    )


def test_logout_revokes_the_family_and_ignores_other_peoples_tokens(stack):
    alice, bob = new_account(stack.auth), new_account(stack.auth)
    other = stack.post(
        "/auth/logout", json={"refresh_token": bob.refresh_token}, headers=alice.headers
    )
    assert other.status_code == 204
    assert stack.post("/auth/refresh", json={"refresh_token": bob.refresh_token}).status_code == 200
    own = stack.post(
        "/auth/logout", json={"refresh_token": alice.refresh_token}, headers=alice.headers
    )
    assert own.status_code == 204 and own.content == b""
    assert_problem(stack.post("/auth/refresh", json={"refresh_token": alice.refresh_token}), 401)


def test_logout_and_me_need_a_token(stack):
    assert_problem(stack.post("/auth/logout", json={"refresh_token": "x"}), 401)
    assert_problem(stack.get("/auth/me"), 401)
    assert_problem(stack.get("/auth/me", headers={"Authorization": "Bearer not.a.jwt"}), 401)
    assert_problem(stack.get("/auth/me", headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401)


def test_jwks_publishes_the_signing_keys(stack):
    response = stack.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys and all({"kty", "crv", "x", "kid", "alg", "use"} <= set(k) for k in keys)

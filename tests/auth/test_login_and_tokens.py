"""Login, /auth/me, refresh rotation with reuse detection, logout."""

import httpx
import jwt
import psycopg

from saaskit.settings import Settings
from tests.support.api import PASSWORD, login, new_account, register, unique_username
from tests.support.problems import assert_problem
from tests.support.servers import threaded_server


def test_round_trip_register_login_me(auth_url):
    me = register(auth_url)
    tokens = login(auth_url, me["username"])
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900
    response = httpx.get(f"{auth_url}/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 200
    assert response.json() == me


def test_login_by_email_too(auth_url):
    me = register(auth_url)
    assert login(auth_url, me["email"].upper())["access_token"]


def test_access_token_claims(auth_url, settings):
    me = register(auth_url)
    token = login(auth_url, me["username"])["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["kid"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == str(me["id"])
    assert claims["iss"] == settings.jwt_issuer and claims["aud"] == settings.jwt_audience
    assert claims["exp"] - claims["iat"] == settings.access_token_ttl_seconds
    assert {"jti"} <= set(claims)


def test_wrong_password_unknown_user_and_inactive_user_get_the_same_401(auth_url, database_url):
    me = register(auth_url)
    inactive = register(auth_url)
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE users SET is_active = false WHERE id = %s", (inactive["id"],))
    answers = [
        httpx.post(f"{auth_url}/auth/token", data={"username": me["username"], "password": "wrong pass 1"}),
        httpx.post(f"{auth_url}/auth/token", data={"username": unique_username(), "password": PASSWORD}),
        httpx.post(f"{auth_url}/auth/token", data={"username": inactive["username"], "password": PASSWORD}),
    ]
    assert {r.status_code for r in answers} == {401}
    assert len({r.content for r in answers}) == 1
    assert all(r.headers["www-authenticate"] == "Bearer" for r in answers)
    assert_problem(answers[0], 401)


def test_login_without_password_field_is_422(auth_url):
    response = httpx.post(f"{auth_url}/auth/token", data={"username": "someone"})
    assert response.status_code == 422


def test_refresh_rotates(auth_url):
    account = new_account(auth_url)
    response = httpx.post(f"{auth_url}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert response.status_code == 200
    pair = response.json()
    assert pair["refresh_token"] != account.refresh_token
    me = httpx.get(f"{auth_url}/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.json()["id"] == account.id
    # The new token rotates in its turn.
    again = httpx.post(f"{auth_url}/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 200


def test_refresh_token_reuse_revokes_the_whole_family(auth_url, database_url):
    account = new_account(auth_url)
    other_login = login(auth_url, account.username)  # a second, unrelated family
    first = httpx.post(f"{auth_url}/auth/refresh", json={"refresh_token": account.refresh_token}).json()
    reuse = httpx.post(f"{auth_url}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert reuse.status_code == 401
    # The legitimate successor is dead too: the family is revoked.
    successor = httpx.post(f"{auth_url}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert successor.status_code == 401
    # Another login of the same user is untouched.
    other = httpx.post(f"{auth_url}/auth/refresh", json={"refresh_token": other_login["refresh_token"]})
    assert other.status_code == 200
    with psycopg.connect(database_url) as conn:
        families = conn.execute(
            "SELECT family_id, bool_and(revoked_at IS NOT NULL) FROM refresh_tokens "
            "WHERE user_id = %s GROUP BY family_id", (account.id,),
        ).fetchall()
    assert sorted(revoked for _, revoked in families) == [False, True]


def test_refresh_tokens_are_stored_only_as_hashes(auth_url, database_url):
    account = new_account(auth_url)
    with psycopg.connect(database_url) as conn:
        stored = [r[0] for r in conn.execute("SELECT token_hash FROM refresh_tokens").fetchall()]
    assert account.refresh_token not in stored and len(stored[0]) == 64


def test_unknown_and_expired_refresh_tokens_are_401(auth_url, database_url):
    account = new_account(auth_url)
    assert httpx.post(f"{auth_url}/auth/refresh", json={"refresh_token": "nope"}).status_code == 401
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
    response = httpx.post(f"{auth_url}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert response.status_code == 401


def test_refresh_rejects_unknown_fields(auth_url):
    response = httpx.post(f"{auth_url}/auth/refresh", json={"refresh_token": "x", "extra": 1})
    assert response.status_code == 422


def test_logout_revokes_the_family(auth_url):
    account = new_account(auth_url)
    response = httpx.post(
        f"{auth_url}/auth/logout", json={"refresh_token": account.refresh_token}, headers=account.headers
    )
    assert response.status_code == 204 and response.content == b""
    after = httpx.post(f"{auth_url}/auth/refresh", json={"refresh_token": account.refresh_token})
    assert after.status_code == 401


def test_logout_needs_a_token_and_cannot_touch_other_users_tokens(auth_url):
    victim = new_account(auth_url)
    attacker = new_account(auth_url)
    anonymous = httpx.post(f"{auth_url}/auth/logout", json={"refresh_token": victim.refresh_token})
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    response = httpx.post(
        f"{auth_url}/auth/logout", json={"refresh_token": victim.refresh_token}, headers=attacker.headers
    )
    assert response.status_code == 204
    still = httpx.post(f"{auth_url}/auth/refresh", json={"refresh_token": victim.refresh_token})
    assert still.status_code == 200


def test_login_rehashes_when_argon2_parameters_change(settings, auth_socket, database_url):
    from auth_service.main import create_app

    with threaded_server(create_app(settings), sock=auth_socket) as url:
        me = register(url)
    with psycopg.connect(database_url) as conn:
        before = conn.execute("SELECT password_hash FROM users WHERE id = %s", (me["id"],)).fetchone()[0]
    stronger = Settings(**{**settings.model_dump(), "argon2_time_cost": 2})
    with threaded_server(create_app(stronger)) as url:
        login(url, me["username"])
    with psycopg.connect(database_url) as conn:
        after = conn.execute("SELECT password_hash FROM users WHERE id = %s", (me["id"],)).fetchone()[0]
    assert before != after
    assert "t=1" in before and "t=2" in after

"""Signing-key rotation: the auth service starts signing with a new key, and the
resources service (not restarted) accepts the new ``kid`` by refetching the JWKS, while
tokens signed with the old key stay valid as long as the old key is published."""

from __future__ import annotations

import shutil

import httpx

from auth_service.main import create_app as create_auth
from resources_service.main import create_app as create_resources
from saaskit.security.keys import KeySet, generate_private_pem
from tests.support.api import login, register
from tests.support.servers import threaded_server


def test_a_new_signing_key_is_accepted_without_restarting_the_verifier(settings, auth_socket, auth_port, tmp_path):
    keys_dir = tmp_path / "keys"
    shutil.copytree(settings.jwt_keys_dir, keys_dir)
    settings = settings.model_copy(update={"jwt_keys_dir": keys_dir})
    old_kid = KeySet.from_dir(keys_dir).current.kid

    with threaded_server(create_resources(settings)) as resources:
        with threaded_server(create_auth(settings), sock=auth_socket) as auth:
            me = register(auth)
            old_token = login(auth, me["username"])["access_token"]
            assert httpx.get(f"{resources}/users/{me['id']}",
                             headers={"Authorization": f"Bearer {old_token}"}).status_code == 200

        # Rotation: a newer key file signs from the next start of the issuer on; the old
        # one stays in the directory (and the JWKS) until the old tokens have expired.
        (keys_dir / "9999.pem").write_bytes(generate_private_pem())
        # The issuer restarts where the verifier's JWKS URL points: the same port again.
        with threaded_server(create_auth(settings), port=auth_port) as auth:
            published = {k["kid"] for k in httpx.get(f"{auth}/.well-known/jwks.json").json()["keys"]}
            new_token = login(auth, me["username"])["access_token"]
            new_kid = KeySet.from_dir(keys_dir).current.kid
            assert new_kid != old_kid and published == {old_kid, new_kid}
            for token in (new_token, old_token):
                response = httpx.get(f"{resources}/users/{me['id']}",
                                     headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200, response.text

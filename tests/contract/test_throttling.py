"""Contract: login throttling ("Conventions"), on both stacks, and the Django admin's
login on the same limiter.

Both stacks run here a second time with small limits and windows of a few seconds
(the session's stacks keep the defaults). Each test speaks from its own loopback
addresses (127.0.0.0/8 is all local on Linux), so each starts with fresh address
budgets and none waits for another's window.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.contract.stacks import BIN, ROOT, Stack, django_stack, fastapi_stack
from tests.support.api import PASSWORD, unique_username
from tests.support.problems import assert_problem

ADDRESS_LIMIT = 8
ACCOUNT_LIMIT = 3
WINDOW = 6  # seconds, both quotas: short to wait out, long enough for a loaded machine
_hosts = itertools.count(10)


def _address() -> str:
    """A loopback address of its own (127.0.1.10, 127.0.1.11, ...)."""
    return f"127.0.1.{next(_hosts)}"


_opened: list[Stack] = []


def _from(stack: Stack, address: str) -> Stack:
    """The same stack, spoken to from ``address`` (its client closed after the test)."""
    transport = httpx.HTTPTransport(local_address=address)
    speaker = Stack(stack.name, stack.urls, httpx.Client(timeout=15.0, transport=transport))
    _opened.append(speaker)
    return speaker


@pytest.fixture(autouse=True)
def _close_speakers() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().client.close()


@pytest.fixture(scope="module")
def throttled_env(contract_env) -> dict[str, str]:
    return {
        **contract_env,
        "APP_LOGIN_RATE_ADDRESS_LIMIT": str(ADDRESS_LIMIT),
        "APP_LOGIN_RATE_ADDRESS_WINDOW_SECONDS": str(WINDOW),
        "APP_LOGIN_RATE_ACCOUNT_LIMIT": str(ACCOUNT_LIMIT),
        "APP_LOGIN_RATE_ACCOUNT_WINDOW_SECONDS": str(WINDOW),
        # The proxy on loopback is believed; every other address speaks for itself.
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "APP_TRUSTED_PROXIES": "127.0.0.1",
    }


@pytest.fixture(scope="module")
def throttled_fastapi(throttled_env, tmp_path_factory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("throttled-fastapi")
    with fastapi_stack(throttled_env, logs) as stack:
        yield stack


@pytest.fixture(scope="module")
def throttled_django(throttled_env, tmp_path_factory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("throttled-django")
    with django_stack(throttled_env, logs, tmp_path_factory.mktemp("throttled-metrics")) as stack:
        yield stack


@pytest.fixture(params=["fastapi", "django"])
def tstack(request) -> Stack:
    return request.getfixturevalue(f"throttled_{request.param}")


def _login(stack: Stack, username: str, password: str, **kwargs) -> httpx.Response:
    return stack.post("/auth/token", data={"username": username, "password": password}, **kwargs)


def _assert_throttled(response: httpx.Response, kind: str, limit: int) -> dict:
    body = assert_problem(response, 429)
    assert body["title"] == "Too Many Requests"
    retry = int(response.headers["retry-after"])
    assert 1 <= retry <= WINDOW
    assert response.headers["ratelimit-policy"] == f'"{kind}";q={limit};w={WINDOW}'
    assert response.headers["ratelimit"] == f'"{kind}";r=0;t={retry}'
    return body


def _account(stack: Stack) -> str:
    """A fresh account, registered from an address of its own (``register`` would speak
    from 127.0.0.1, the trusted proxy, whose budget every such call would spend)."""
    username = unique_username("thr")
    response = _from(stack, _address()).post(
        "/auth/register", json={"email": f"{username}@example.com", "username": username, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    return username


def test_an_address_over_its_budget_gets_429_on_every_login_route(tstack):
    attacker, other = _from(tstack, _address()), _from(tstack, _address())
    for _ in range(ADDRESS_LIMIT):  # a different account each time: only the address counts up
        assert _login(attacker, unique_username("nobody"), "wrong pass 1").status_code == 401
    body = _assert_throttled(_login(attacker, unique_username("nobody"), PASSWORD), "address", ADDRESS_LIMIT)
    assert body["detail"] == "too many attempts from this address, try again later"
    _assert_throttled(attacker.post("/auth/refresh", json={"refresh_token": "x" * 40}), "address", ADDRESS_LIMIT)
    username = unique_username("reg")
    refused = attacker.post(
        "/auth/register", json={"email": f"{username}@example.com", "username": username, "password": PASSWORD}
    )
    _assert_throttled(refused, "address", ADDRESS_LIMIT)
    # Another address is not affected.
    assert _login(other, unique_username("nobody"), "wrong pass 1").status_code == 401
    assert other.post("/auth/refresh", json={"refresh_token": "x" * 40}).status_code == 401


def test_a_throttled_account_refuses_the_right_password_from_anywhere(tstack):
    username = _account(tstack)
    attacker = _from(tstack, _address())
    for _ in range(ACCOUNT_LIMIT):
        assert _login(attacker, username, "wrong pass 1").status_code == 401
    body = _assert_throttled(_login(attacker, username, PASSWORD), "account", ACCOUNT_LIMIT)
    assert body["detail"] == "too many failed logins for this account, try again later"
    owner = _from(tstack, _address())
    _assert_throttled(_login(owner, username.upper(), PASSWORD), "account", ACCOUNT_LIMIT)
    # Its neighbour logs in.
    assert _login(owner, _account(tstack), PASSWORD).status_code == 200


def test_one_budget_per_account_whichever_name_is_typed(tstack):
    """Issue 26.7: the username and the email are one account, one budget; failures
    under either spend it, and once spent neither name logs in."""
    username = _account(tstack)
    email = f"{username}@example.com"
    attacker = _from(tstack, _address())
    for login in [username, email.upper(), username.upper()][:ACCOUNT_LIMIT]:
        assert _login(attacker, login, "wrong pass 1").status_code == 401
    owner = _from(tstack, _address())
    _assert_throttled(_login(owner, email, PASSWORD), "account", ACCOUNT_LIMIT)
    _assert_throttled(_login(owner, username, PASSWORD), "account", ACCOUNT_LIMIT)


def test_an_unknown_name_is_throttled_as_an_account_is(tstack):
    """No enumeration: a name with no account answers as a registered one does, 401s and
    then the same 429."""
    nobody = unique_username("nobody")
    attacker = _from(tstack, _address())
    for _ in range(ACCOUNT_LIMIT):
        assert _login(attacker, nobody, "wrong pass 1").status_code == 401
    _assert_throttled(_login(_from(tstack, _address()), nobody.upper(), PASSWORD), "account", ACCOUNT_LIMIT)


def test_a_wrong_current_password_is_throttled_like_a_login(tstack):
    """Issue 26.7: ``/auth/password/change`` with a wrong current password spends the
    account's failure budget (the one logins spend); once spent, the right current
    password is refused with the 429 too, and so is a login."""
    username = _account(tstack)
    pair = _login(_from(tstack, _address()), username, PASSWORD).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    guesser = _from(tstack, _address())

    def change(current: str) -> httpx.Response:
        return guesser.post("/auth/password/change", headers=headers,
                            json={"current_password": current, "new_password": "another horse 7"})

    for _ in range(ACCOUNT_LIMIT):
        assert_problem(change("wrong pass 1"), 400)
    _assert_throttled(change(PASSWORD), "account", ACCOUNT_LIMIT)
    _assert_throttled(_login(_from(tstack, _address()), username, PASSWORD), "account", ACCOUNT_LIMIT)


def test_the_account_logs_in_again_once_its_window_passes(tstack):
    username = _account(tstack)
    client = _from(tstack, _address())
    for _ in range(ACCOUNT_LIMIT):
        _login(client, username, "wrong pass 1")
    refused = _login(client, username, PASSWORD)
    _assert_throttled(refused, "account", ACCOUNT_LIMIT)
    time.sleep(int(refused.headers["retry-after"]) + 1)
    assert _login(client, username, PASSWORD).status_code == 200


def test_one_budget_across_both_stacks(throttled_fastapi, throttled_django):
    address = _address()
    fastapi, django = _from(throttled_fastapi, address), _from(throttled_django, address)
    username = _account(throttled_fastapi)
    assert _login(fastapi, username, "wrong pass 1").status_code == 401
    assert _login(django, username, "wrong pass 1").status_code == 401
    assert _login(fastapi, username, "wrong pass 1").status_code == 401
    _assert_throttled(_login(django, username, PASSWORD), "account", ACCOUNT_LIMIT)
    _assert_throttled(_login(fastapi, username, PASSWORD), "account", ACCOUNT_LIMIT)
    # The address has spent 5 of its 8 on the two stacks: 3 more, then refused on either.
    for stack in (django, fastapi, django):
        assert _login(stack, unique_username("nobody"), "wrong pass 1").status_code == 401
    _assert_throttled(_login(fastapi, unique_username("nobody"), PASSWORD), "address", ADDRESS_LIMIT)
    _assert_throttled(_login(django, unique_username("nobody"), PASSWORD), "address", ADDRESS_LIMIT)


def test_forwarded_addresses_are_believed_only_from_a_trusted_proxy(tstack):
    proxy, spoofer = _from(tstack, "127.0.0.1"), _from(tstack, _address())
    # Addresses of this test alone: the budgets are shared with the other stack's run.
    client, neighbour, forged_client = (f"203.0.113.{next(_hosts)}" for _ in range(3))

    def via_proxy(forwarded_for: str) -> httpx.Response:
        return _login(proxy, unique_username("nobody"), "wrong pass 1", headers={"X-Forwarded-For": forwarded_for})

    # Whatever a client puts left of the proxy's own entry is not believed.
    for _ in range(ADDRESS_LIMIT):
        assert via_proxy(f"198.51.100.{next(_hosts)}, {client}").status_code == 401
    _assert_throttled(via_proxy(client), "address", ADDRESS_LIMIT)
    assert via_proxy(neighbour).status_code == 401  # the proxy's other clients go on
    # From an address that is no proxy, the header is ignored: the spoofer spends its own.
    forged = _login(spoofer, unique_username("nobody"), "wrong pass 1", headers={"X-Forwarded-For": forged_client})
    assert forged.status_code == 401
    for _ in range(ADDRESS_LIMIT):
        assert via_proxy(forged_client).status_code == 401


def test_the_mail_routes_spend_the_address_budget_and_one_per_account(tstack):
    """``/auth/password-reset/request`` per address and per email, and
    ``/auth/verify-email/request`` per account: every request counts."""
    email = f"{unique_username('reset')}@example.com"  # no account: throttled all the same
    for _ in range(ACCOUNT_LIMIT):
        response = _from(tstack, _address()).post("/auth/password-reset/request", json={"email": email})
        assert response.status_code == 202
    refused = _from(tstack, _address()).post("/auth/password-reset/request", json={"email": email.upper()})
    body = _assert_throttled(refused, "account", ACCOUNT_LIMIT)
    assert body["detail"] == "too many emails requested for this account, try again later"

    username = _account(tstack)
    pair = _login(_from(tstack, _address()), username, PASSWORD).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    for _ in range(ACCOUNT_LIMIT):
        assert _from(tstack, _address()).post("/auth/verify-email/request", headers=headers).status_code == 202
    _assert_throttled(_from(tstack, _address()).post("/auth/verify-email/request", headers=headers),
                      "account", ACCOUNT_LIMIT)

    spender = _from(tstack, _address())
    for _ in range(ADDRESS_LIMIT):
        other = f"{unique_username('reset')}@example.com"
        assert spender.post("/auth/password-reset/request", json={"email": other}).status_code == 202
    _assert_throttled(spender.post("/auth/password-reset/request", json={"email": email}), "address", ADDRESS_LIMIT)
    _assert_throttled(spender.post("/auth/verify-email/request", headers=headers), "address", ADDRESS_LIMIT)


# The Django admin's own login page, on the same limiter.


def _staff(env: dict[str, str], count: int) -> list[str]:
    """``count`` superusers with the test password, made by Django's own manager."""
    names = [unique_username("staff") for _ in range(count)]
    code = (
        "from django.contrib.auth import get_user_model\n"
        f"for name in {names!r}:\n"
        f"    get_user_model().objects.create_superuser(name, name + '@example.com', {PASSWORD!r})\n"
    )
    subprocess.run(
        [str(BIN / "python"), "-m", "admin_service.manage", "shell", "-c", code],
        env={**os.environ, **env}, cwd=ROOT, check=True, timeout=60, capture_output=True,
    )
    return names


def _admin_login(stack: Stack, username: str, password: str) -> httpx.Response:
    client = stack.client
    page = client.get(stack.url("/admin/login/"))
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return client.post(
        stack.url("/admin/login/?next=/admin/"),
        data={"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"},
    )


def test_the_admin_login_is_throttled_and_staff_who_log_in_are_not(throttled_django, throttled_env):
    staff, target = _staff(throttled_env, 2)
    ok = _admin_login(_from(throttled_django, _address()), staff, PASSWORD)
    assert ok.status_code == 302 and ok.headers["location"] == "/admin/"
    assert _from(throttled_django, _address()).client.get(throttled_django.url("/admin/")).status_code == 302

    attacker = _from(throttled_django, _address())
    for _ in range(ACCOUNT_LIMIT):
        failed = _admin_login(attacker, target, "wrong pass 1")
        assert failed.status_code == 200 and "Please enter the correct username and password" in failed.text
    refused = _admin_login(attacker, target, PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert re.search(r"Too many login attempts\. Try again in \d+ seconds\.", refused.text)
    assert 'name="csrfmiddlewaretoken"' in refused.text  # the admin's own login page
    assert refused.headers["ratelimit-policy"] == f'"account";q={ACCOUNT_LIMIT};w={WINDOW}'
    assert "sessionid" not in attacker.client.cookies
    # Other staff, from other addresses, still log in.
    again = _admin_login(_from(throttled_django, _address()), staff, PASSWORD)
    assert again.status_code == 302

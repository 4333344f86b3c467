"""Small client helpers for what every suite does: register, log in, call with a token."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

import httpx

PASSWORD = "correct horse 9"
_counter = itertools.count(1)


def unique_username(prefix: str = "user") -> str:
    return f"{prefix}_{next(_counter)}_{uuid.uuid4().hex[:6]}"


@dataclass
class Account:
    id: int
    username: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def register(auth_url: str, username: str | None = None, password: str = PASSWORD, **extra) -> dict:
    username = username or unique_username()
    body = {"email": f"{username}@example.com", "username": username, "password": password, **extra}
    response = httpx.post(f"{auth_url}/auth/register", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def login(auth_url: str, username: str, password: str = PASSWORD) -> dict:
    response = httpx.post(f"{auth_url}/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def new_account(auth_url: str, username: str | None = None) -> Account:
    me = register(auth_url, username)
    tokens = login(auth_url, me["username"])
    return Account(
        id=me["id"], username=me["username"], email=me["email"], password=PASSWORD,
        access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
    )

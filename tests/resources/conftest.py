"""The resources service over real HTTP (uvicorn in a thread), beside the real auth
service that issues the tokens and serves the JWKS at ``settings.jwks_url``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest

from resources_service.main import create_app
from saaskit.db.urls import libpq_url
from saaskit.settings import Settings
from tests.support.api import Account, new_account
from tests.support.servers import threaded_server


@dataclass
class Service:
    url: str
    app: object  # the FastAPI app, for its engine (statement counting)

    def client(self, account: Account | None = None) -> httpx.Client:
        headers = account.headers if account else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)


@pytest.fixture
def resources(settings: Settings, auth_url: str) -> Iterator[Service]:
    app = create_app(settings)
    with threaded_server(app) as url:
        yield Service(url, app)


@pytest.fixture
def resources_url(resources: Service) -> str:
    return resources.url


@pytest.fixture
def alice(auth_url: str) -> Account:
    return new_account(auth_url)


@pytest.fixture
def bob(auth_url: str) -> Account:
    return new_account(auth_url)


@pytest.fixture
def as_alice(resources: Service, alice: Account) -> Iterator[httpx.Client]:
    with resources.client(alice) as client:
        yield client


@pytest.fixture
def as_bob(resources: Service, bob: Account) -> Iterator[httpx.Client]:
    with resources.client(bob) as client:
        yield client


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection]:
    """A direct connection, to set up what the API cannot and to check what it wrote."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        yield conn


"""The browser suite: both stacks as real processes (``tests.support.fixtures.stacks``), a
staff account for the Django admin, and one headless Chromium for the session."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.browser.driver import Browser
from tests.contract.stacks import BIN, ROOT
from tests.support.api import unique_username

STAFF_PASSWORD = "staff-browser-pw-1"


@pytest.fixture(scope="session")
def browser(fastapi, django) -> Iterator[Browser]:
    """Started after both stacks so it quits before them: its open keep-alive
    connections would hold up their graceful stop."""
    chromium = Browser()
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Browser]:
    """The session's browser, with the logs of earlier tests drained: each test is judged
    by its own pages only."""
    browser.driver.delete_all_cookies()
    browser.drain()
    yield browser


@pytest.fixture(scope="session")
def staff(django, contract_env) -> tuple[str, str]:
    """A Django superuser in the contract database, made the way an operator makes one."""
    username = unique_username("staff")
    env = {
        **os.environ,
        **contract_env,
        "DJANGO_SUPERUSER_USERNAME": username,
        "DJANGO_SUPERUSER_PASSWORD": STAFF_PASSWORD,
        "DJANGO_SUPERUSER_EMAIL": f"{username}@example.com",
    }
    subprocess.run(
        [str(BIN / "python"), "-m", "admin_service.manage", "createsuperuser", "--noinput"],
        env=env, cwd=ROOT, check=True, capture_output=True, timeout=60,
    )
    return username, STAFF_PASSWORD

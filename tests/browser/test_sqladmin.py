"""The FastAPI side's admin (SQLAdmin at /sqladmin on the resources service), as staff
use it in Chromium that can reach 127.0.0.1 only, as ``test_admin.py`` does for Django's:
log in, find a user with the search box, open their page, deactivate them with the
action (confirm, and the row and the database change), list the files. On every page
each static asset loads from the service itself and the console stays free of errors
(``Browser.check``)."""

from __future__ import annotations

import os
import subprocess

import pytest
from selenium.webdriver.common.keys import Keys

from tests.browser.driver import Browser
from tests.browser.test_admin import FILE_NAMES, is_active, upload_files
from tests.contract.stacks import BIN, ROOT
from tests.support.api import Account, new_account, unique_username

STAFF_PASSWORD = "sqladmin-browser-pw-1"


@pytest.fixture(scope="session")
def sqladmin_staff(fastapi, contract_env) -> tuple[str, str]:
    """A staff account, made the way an operator makes one (``make staff``)."""
    username = unique_username("staff")
    subprocess.run(
        [str(BIN / "python"), "-m", "resources_service.admin.staff", username],
        env={**os.environ, **contract_env, "STAFF_PASSWORD": STAFF_PASSWORD},
        cwd=ROOT, check=True, capture_output=True, timeout=60,
    )
    return username, STAFF_PASSWORD


def log_in(page: Browser, base: str, staff: tuple[str, str]) -> None:
    username, password = staff
    page.get(f"{base}/sqladmin/login")
    page.find("input[name=username]").send_keys(username)
    page.find("input[name=password]").send_keys(password)
    page.click("form [type=submit]")
    page.find("a[href$='/sqladmin/logout']")
    requested = page.check()
    assert any(url.endswith("/sqladmin/statics/css/tabler.min.css") for url in requested), requested


def search_users(page: Browser, base: str, text: str) -> list[str]:
    page.get(f"{base}/sqladmin/user/list")
    page.find("#search-input").send_keys(text + Keys.ENTER)
    page.wait(lambda d: "search=" in d.current_url)
    return [row.text for row in page.find_all("table tbody tr")]


def test_staff_find_open_and_deactivate_a_user(page, fastapi, sqladmin_staff, contract_env):
    base = fastapi.urls["resources"]
    account: Account = new_account(fastapi.urls["auth"])
    new_account(fastapi.urls["auth"])  # another user, whom the search must leave out
    log_in(page, base, sqladmin_staff)

    rows = search_users(page, base, account.username)
    assert len(rows) == 1 and account.username in rows[0]
    page.check()

    page.click(f"table tbody tr a[href$='/sqladmin/user/details/{account.id}']")
    details = page.find("table").text
    assert account.username in details and account.email in details
    page.check()
    page.screenshot("sqladmin-user")

    search_users(page, base, account.username)
    page.click("table tbody tr input.select-box")
    page.click("#dropdownMenuButton")
    page.click("#action-custom-deactivate")
    assert page.find("#action-summary").text.startswith("1 users selected")
    page.check()
    page.click("#action-confirm")
    toast = page.find(".toast-body")
    assert page.wait(lambda _d: toast.text) == "1 user(s) deactivated."  # shown once the page loads
    page.screenshot("sqladmin-users")  # while the message is up (it hides after 3 s)
    assert is_active(contract_env["APP_DATABASE_URL"], account.id) is False
    page.check()


def test_staff_list_files(page, fastapi, sqladmin_staff):
    owner = new_account(fastapi.urls["auth"])
    upload_files(fastapi.urls["files"], owner)
    base = fastapi.urls["resources"]
    log_in(page, base, sqladmin_staff)

    page.get(f"{base}/sqladmin/file/list?search={owner.username}")
    rows = [row.text for row in page.find_all("table tbody tr")]
    assert len(rows) == 2
    for name in FILE_NAMES:
        assert any(name in row and owner.username in row for row in rows), rows
    page.check()
    page.screenshot("sqladmin-files")

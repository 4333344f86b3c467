"""The Django admin, as staff use it in Chromium that can reach 127.0.0.1 only: log in,
find a user with the search box, open their page, deactivate them with the action (the
row, and the database, change), and list the files. On every page each static asset
loads and the console stays free of errors (``Browser.check``)."""

from __future__ import annotations

import httpx
import psycopg
from selenium.webdriver.support.ui import Select

from saaskit.db.urls import libpq_url
from tests.browser.driver import Browser
from tests.support.api import Account, new_account


def log_in(page: Browser, base: str, staff: tuple[str, str]) -> None:
    username, password = staff
    page.get(f"{base}/admin/login/?next=/admin/")
    page.find("#id_username").send_keys(username)
    page.find("#id_password").send_keys(password)
    page.click("#login-form [type=submit]")
    assert username.upper() in page.find("#user-tools").text.upper()
    requested = page.check()
    assert any(url.endswith("/static/admin/css/base.css") for url in requested), requested


def search_users(page: Browser, base: str, text: str) -> list[str]:
    page.get(f"{base}/admin/accounts/user/")
    page.find("#searchbar").send_keys(text)
    page.click("#changelist-search [type=submit]")
    page.wait(lambda d: "q=" in d.current_url)
    return [row.text for row in page.find_all("#result_list tbody tr")]


def is_active(database_url: str, user_id: int) -> bool:
    with psycopg.connect(libpq_url(database_url), connect_timeout=5) as conn:
        return conn.execute("SELECT is_active FROM users WHERE id = %s", (user_id,)).fetchone()[0]


def test_staff_find_open_and_deactivate_a_user(page, django, staff, contract_env):
    base = django.urls["auth"]
    account: Account = new_account(base)
    new_account(base)  # another user, whom the search must leave out
    log_in(page, base, staff)

    rows = search_users(page, base, account.username)
    assert len(rows) == 1 and account.username in rows[0]
    page.check()

    page.click("#result_list tbody tr th a")
    assert page.find("#id_username").get_attribute("value") == account.username
    assert page.find("#id_email").get_attribute("value") == account.email
    page.check()
    page.screenshot("admin-user")

    search_users(page, base, account.username)
    page.click("#result_list tbody tr input.action-select")
    Select(page.find("select[name=action]")).select_by_value("deactivate")
    page.click("#changelist-form button[name=index]")
    assert page.find(".messagelist .success").text == "1 user(s) deactivated."
    row = page.find("#result_list tbody tr")
    assert account.username in row.text
    assert page.find("td.field-is_active img", row).get_attribute("alt") == "False"
    assert is_active(contract_env["APP_DATABASE_URL"], account.id) is False
    page.check()
    page.screenshot("admin-users")


FILE_NAMES = ("quarterly-report.txt", "team-photo.png")


def upload_files(files_url: str, owner: Account) -> None:
    """``FILE_NAMES``, a text file and a PNG, uploaded by ``owner`` through the API."""
    for name, content in zip(FILE_NAMES, (b"numbers\n", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), strict=True):
        response = httpx.post(
            f"{files_url}/files", files={"file": (name, content, "application/octet-stream")},
            headers=owner.headers, timeout=10,
        )
        assert response.status_code == 201, response.text


def test_staff_list_files(page, django, staff):
    base = django.urls["auth"]
    owner = new_account(base)
    upload_files(base, owner)
    log_in(page, base, staff)

    page.get(f"{base}/admin/files/file/?q={owner.username}")
    rows = [row.text for row in page.find_all("#result_list tbody tr")]
    assert len(rows) == 2
    for name in FILE_NAMES:
        assert any(name in row and owner.username in row for row in rows), rows
    page.check()
    page.get(f"{base}/admin/files/file/")
    page.find("#result_list")
    page.check()
    page.screenshot("admin-files")

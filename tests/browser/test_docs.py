"""Each /docs page, as a person sees it in Chromium that can reach 127.0.0.1 only: it
renders every operation of its OpenAPI document, and "Authorize" with a token from a
real login, then "Try it out" on GET /auth/me, shows the 200 answer."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.driver import LOOPBACK, Browser
from tests.support.api import new_account

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
RENDERED = """return Array.from(document.querySelectorAll('.opblock')).map(b => [
    b.querySelector('.opblock-summary-method').textContent.trim().toLowerCase(),
    b.querySelector('.opblock-summary-path').getAttribute('data-path'),
]);"""


def documented(base: str) -> set[tuple[str, str]]:
    document = httpx.get(f"{base}/openapi.json", timeout=10).raise_for_status().json()
    return {(m, path) for path, item in document["paths"].items() for m in item if m in METHODS}


def open_docs(page: Browser, base: str) -> set[tuple[str, str]]:
    """Open /docs and return the operations Swagger UI rendered, once it has."""
    page.get(f"{base}/docs")
    page.find(".information-container")
    page.wait(lambda d: d.execute_script("return document.querySelectorAll('.opblock').length") > 0)
    rendered = page.driver.execute_script(RENDERED)
    return {(method, path) for method, path in rendered}


def assert_every_operation_rendered(page: Browser, base: str) -> None:
    expected = documented(base)
    assert expected, "the document has operations"
    assert open_docs(page, base) == expected
    requested = page.check()
    # Swagger UI itself came from this server, not from a CDN.
    assert any(url.startswith(base) and url.endswith(".js") for url in requested), requested


def authorize_and_try_me(page: Browser, base: str, shot: str) -> None:
    account = new_account(base)
    open_docs(page, base)
    page.click(".scheme-container .btn.authorize")
    modal = page.find(".modal-ux")
    page.find(".auth-container input", modal).send_keys(account.access_token)
    page.click(".auth-btn-wrapper .btn.authorize", modal)
    page.find(".auth-btn-wrapper .btn-done", modal)  # shown once authorized
    page.click(".auth-btn-wrapper .btn-done", modal)

    me = page.find('.opblock-get:has(.opblock-summary-path[data-path="/auth/me"])')
    page.click(".opblock-summary-control", me)
    page.click(".try-out__btn", me)
    page.click(".btn.execute", me)
    status = page.find(".live-responses-table .response .response-col_status", me)
    assert status.text.strip() == "200"
    body = page.find(".live-responses-table .response-col_description pre", me).text
    assert f'"username": "{account.username}"' in body
    page.check()
    page.screenshot(shot, me)


@pytest.mark.parametrize("service", ["auth", "resources", "files"])
def test_fastapi_docs_render_every_operation(page, fastapi, service):
    base = fastapi.urls[service]
    assert base.startswith(f"http://{LOOPBACK}:")
    assert_every_operation_rendered(page, base)
    if service == "resources":
        page.screenshot("fastapi-docs")


def test_django_docs_render_every_operation(page, django):
    assert_every_operation_rendered(page, django.urls["auth"])


def test_fastapi_docs_authorize_and_try_me(page, fastapi):
    authorize_and_try_me(page, fastapi.urls["auth"], "fastapi-docs-try-me")


def test_django_docs_authorize_and_try_me(page, django):
    authorize_and_try_me(page, django.urls["auth"], "django-docs-try-me")

"""Headless Chromium (Debian's package) driven by Selenium, that can reach 127.0.0.1 only.

Every other host is resolved to "not found" inside the browser, so a page that still
references a CDN fails to load it; ``check()`` then fails the test on any request to
another host, any 4xx/5xx answer or failed load, and any console error, read from
Chromium's own logs (the DevTools network events and the console).

Selenium is given the driver and the browser binary, so Selenium Manager never tries to
download either (and ``SE_OFFLINE`` forbids it to).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
LOOPBACK = "127.0.0.1"
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "devtools"}
WAIT_SECONDS = 15.0
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

T = TypeVar("T")


def chromium_options(profile: Path) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",  # we run as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--window-size=1280,1000",
        f"--user-data-dir={profile}",
        # Any host but loopback is unreachable: a stray CDN reference fails to load.
        f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOOPBACK}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return options


class Browser:
    """One Chromium for the session; ``check()`` after each page."""

    def __init__(self) -> None:
        os.environ["SE_OFFLINE"] = "true"
        self._profile = Path(tempfile.mkdtemp(prefix="saas-chromium-"))
        self.driver = webdriver.Chrome(
            options=chromium_options(self._profile), service=Service(executable_path=CHROMEDRIVER)
        )
        self.driver.set_page_load_timeout(WAIT_SECONDS)
        self.requested: list[str] = []  # every URL the browser asked for, for the test to read
        # Chromium opens its new-tab page first, which tries a remote page (unreachable
        # here) and falls back to a local one: its own doing, not a page of ours. Leave it
        # for a blank page and let its events arrive before any test reads the logs.
        self.driver.get("about:blank")
        self.drain()

    def drain(self, quiet_seconds: float = 0.5, timeout: float = WAIT_SECONDS) -> None:
        """Discard the logs until no new entry arrives for a moment."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(quiet_seconds)
            if not self.driver.get_log("performance") + self.driver.get_log("browser"):
                return

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self._profile, ignore_errors=True)

    def get(self, url: str) -> None:
        self.driver.get(url)

    def wait(self, condition: Callable[[webdriver.Chrome], T], timeout: float = WAIT_SECONDS) -> T:
        return WebDriverWait(self.driver, timeout).until(condition)

    def find(self, css: str, within: WebElement | None = None) -> WebElement:
        return self.wait(lambda d: (within or d).find_element(By.CSS_SELECTOR, css))

    def find_all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def click(self, css: str, within: WebElement | None = None) -> None:
        element = self.find(css, within)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def settle(self, quiet_seconds: float = 0.5, timeout: float = WAIT_SECONDS) -> None:
        """Wait until the document is loaded and no request has started for a moment, so
        ``check()`` sees every request the page makes by itself."""
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete")
        deadline = time.monotonic() + timeout
        seen = -1
        while time.monotonic() < deadline:
            count = self.driver.execute_script("return performance.getEntriesByType('resource').length")
            if count == seen:
                return
            seen = count
            time.sleep(quiet_seconds)

    def check(self) -> list[str]:
        """Fail on any console error, request to another host, failed load or 4xx/5xx
        answer since the last check; returns the URLs requested in that time."""
        self.settle()
        problems: list[str] = []
        for entry in self.driver.get_log("browser"):
            if entry["level"] == "SEVERE":
                problems.append(f"console error: {entry['message']}")
        urls: dict[str, str] = {}
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message["method"], message.get("params", {})
            if method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                urls[params["requestId"]] = url
                parts = urlsplit(url)
                if parts.scheme not in LOCAL_SCHEMES and parts.hostname != LOOPBACK:
                    problems.append(f"request to another host: {url}")
            elif method == "Network.responseReceived":
                status = params["response"]["status"]
                if status >= 400:
                    problems.append(f"{status} for {params['response']['url']}")
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                url = urls.get(params["requestId"], params["requestId"])
                problems.append(f"load failed ({params.get('errorText')}): {url}")
        assert not problems, "\n".join(problems)
        requested = list(urls.values())
        self.requested.extend(requested)
        return requested

    def screenshot(self, name: str, element: WebElement | None = None) -> None:
        """The page's top, or the whole of ``element``, kept under docs/screenshots/ only
        when asked (SAAS_UPDATE_SCREENSHOTS=1), so a test run never changes the work tree."""
        if os.environ.get("SAAS_UPDATE_SCREENSHOTS") != "1":
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = str(SCREENSHOTS / f"{name}.png")
        if element is None:
            self.driver.execute_script("window.scrollTo(0, 0)")
            assert self.driver.save_screenshot(path)
            return
        size = self.driver.get_window_size()
        self.driver.set_window_size(size["width"], 2400)  # tall enough for the whole element
        try:
            assert element.screenshot(path)
        finally:
            self.driver.set_window_size(size["width"], size["height"])

"""Debian's chromium, headless, driven through Debian's chromedriver by Selenium.

Nothing is downloaded: the driver's path is given, so Selenium Manager (which would fetch a driver or a
browser) never runs, and `offline()` makes sure of it. Chromium's own background fetches are switched off.
Screenshots go to $CONSOLE_SCREENSHOTS when it is set (docs/console is made that way), at 1280x800.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.selenium_manager import SeleniumManager

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
T = TypeVar("T")


class SeleniumManagerCalled(AssertionError):
    """Selenium was about to look up (and maybe download) a driver or a browser."""


def _refuse(*_args: object, **_kw: object) -> dict[str, str]:
    raise SeleniumManagerCalled("Selenium Manager ran: the system chromedriver must be used, nothing fetched")


def start(downloads: Path) -> webdriver.Chrome:
    for needed in (CHROMIUM, CHROMEDRIVER):
        assert needed.is_file(), f"{needed} is missing: installer/system-packages.sh --test installs it"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--window-size=1280,800", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--no-default-browser-check", "--lang=en-US"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False,
                                              "safebrowsing.enabled": False})
    original = SeleniumManager.binary_paths
    SeleniumManager.binary_paths = _refuse  # type: ignore[method-assign,assignment]
    try:
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    finally:
        SeleniumManager.binary_paths = original  # type: ignore[method-assign]
    # the page itself 1280x800 (the window size counts the browser's own frame)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    return driver


def wait(what: Callable[[], T | None], timeout: float = 10.0, step: float = 0.1) -> T:
    deadline = time.monotonic() + timeout
    while True:
        got = what()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout} s: {what}")
        time.sleep(step)


def download_to(driver: webdriver.Chrome, folder: Path) -> Path:
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    return folder


def downloaded(folder: Path, suffix: str, timeout: float = 15.0) -> Path:
    """The finished download with `suffix` in `folder` (chromium writes .crdownload until done)."""
    def done() -> Path | None:
        files = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        return files[0] if files and not any(folder.glob("*.crdownload")) else None
    return wait(done, timeout)


def shot(driver: webdriver.Chrome, name: str) -> None:
    folder = os.environ.get("CONSOLE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))

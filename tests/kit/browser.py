"""Headless Chromium for browser tests: Debian's `chromium` (installed here when missing and
possible), driven by Playwright, which never downloads browsers of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def _install_chromium() -> str | None:
    """Make sure Debian's chromium is there; the reason to skip when it cannot be."""
    if CHROMIUM.exists():
        return None
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=600", "chromium"]
    result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=600)
        result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0 or not CHROMIUM.exists():
        return f"apt-get install chromium failed: {result.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="session")
def chromium() -> Path:
    reason = _install_chromium()
    if reason:
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture
async def browser_page(chromium: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        # Playwright's own browser builds are never downloaded: Debian's chromium is used.
        browser = await playwright.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            page = await browser.new_page()
            yield page
        finally:
            await browser.close()

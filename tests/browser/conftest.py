"""A real browser for these tests: Debian's Chromium driven by Playwright, never a download.

Without /usr/bin/chromium (or Playwright) every test here skips and says how to get it.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.demo import DemoStack

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SKIP_REASON = "Chromium not installed: run `make browser` (apt-get install chromium)"


def chromium_path() -> Path | None:
    """Debian's Chromium, where the `chromium` package puts it (or wherever PATH finds it)."""
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip(SKIP_REASON)
    playwright = pytest.importorskip(
        "playwright.async_api", reason="Playwright not installed: `make test` installs it"
    )
    async with playwright.async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=str(executable))
        yield launched
        await launched.close()


@pytest.fixture
async def demo() -> AsyncIterator[DemoStack]:
    async with DemoStack(seed_logs=200) as stack:
        await stack.serve_page("127.0.0.1", 0)
        yield stack


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

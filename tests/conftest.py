"""Fixtures shared by the test modules: an isolated data cache, the system Chromium."""

from __future__ import annotations

import os

import pytest

from apphelpers import CHROMIUM_ARGS, chromium_path


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Point the on-disk data cache at a fresh folder, so tests never see a user's cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("RNNLAB_CACHE_DIR", str(tmp_path_factory.mktemp("rnnlab-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The system chromium. Missing: a skip with the reason, but a failure under CI=true."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI=true but no chromium is installed: .ci/run must install it")
        pytest.skip("no chromium installed (apt-get install chromium) — browser tests need it")
    return path


@pytest.fixture(scope="module")
def chromium(chromium_executable):
    """One headless Chromium (Playwright, never a downloaded browser) for a test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()

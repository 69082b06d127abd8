"""Fixtures shared by the test modules: an isolated data cache for every test session."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Point the on-disk data cache at a fresh folder, so tests never see a user's cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("RNNLAB_CACHE_DIR", str(tmp_path_factory.mktemp("rnnlab-cache")))
    yield
    mp.undo()

"""Shared fixtures: the offline SNLI files beside the checkout and a temporary outputs root."""
from __future__ import annotations

import pytest

from nbutils.paths import SHARED_DATA_DIR


@pytest.fixture
def shared_data():
    assert SHARED_DATA_DIR.exists(), f"{SHARED_DATA_DIR} is missing: the tests read the offline SNLI files from ../shared/data"
    return SHARED_DATA_DIR


@pytest.fixture
def outputs(tmp_path, monkeypatch):
    """Runs write under a temporary outputs root (nbutils.paths honours NBUTILS_OUTPUTS)."""
    monkeypatch.setenv("NBUTILS_OUTPUTS", str(tmp_path / "outputs"))
    return tmp_path / "outputs"

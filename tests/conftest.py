"""Shared fixtures: the offline SNLI files beside the checkout and a temporary outputs root."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nbutils.paths import PROJECT_ROOT, SHARED_DATA_DIR


@pytest.fixture
def shared_data():
    assert SHARED_DATA_DIR.exists(), f"{SHARED_DATA_DIR} is missing: the tests read the offline SNLI files from ../shared/data"
    return SHARED_DATA_DIR


@pytest.fixture
def outputs(tmp_path, monkeypatch):
    """Runs write under a temporary outputs root (nbutils.paths honours NBUTILS_OUTPUTS)."""
    monkeypatch.setenv("NBUTILS_OUTPUTS", str(tmp_path / "outputs"))
    return tmp_path / "outputs"


def runner(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbutils", "run", "--profile", "demo", "--run-name", "ci", *args],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900, env=env)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The demo pipeline, once per session: a run that fails in notebook 04, then --resume finishes it."""
    out = tmp_path_factory.mktemp("outputs")
    env = {**os.environ, "NBUTILS_OUTPUTS": str(out)}
    failed = runner("-p", "retrain_size=100000", env=env)
    first_manifest = json.loads((out / "ci" / "manifest.json").read_text())
    resumed = runner("--resume", env=env)
    return out / "ci", failed, first_manifest, resumed

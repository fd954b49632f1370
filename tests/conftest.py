"""Shared fixtures: the offline SNLI files beside the checkout and a temporary outputs root."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nbutils.paths import PROJECT_ROOT, SHARED_DATA_DIR

# Under pytest-xdist (make test runs on every core: see the Makefile), two torch processes that each take every
# core slow each other up to tenfold, so each worker and every process it starts (runner, kernels, torchrun) computes on
# one thread.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


# The real SNLI files the tests read (../shared/data; NBUTILS_SHARED_DATA names another folder). A clone with nothing
# beside it skips the tests that need them, under one line at the end; where the folder exists they must all run.
SHARED_FILES = ("snli_validation/snli_validation.jsonl.gz", "snli_test/snli_test.jsonl.gz",
                "snli_train_subset/snli_train_subset.jsonl.gz", "counterfactual_snli/dev.jsonl")
NEEDS_SHARED = "needs the offline SNLI files"
HOW_TO_GET = ("they are SNLI 1.0 validation, test and a 40,242-pair train subset, and counterfactual SNLI dev (Kaushik et al., "
              "2020), each one JSON object a line (id, premise, hypothesis, label). Put them in ../shared/data/<folder>/ or point "
              "NBUTILS_SHARED_DATA at a folder that holds them; docs/usage.md says how to run the real-data profiles from the hub instead")


def shared_file_problem(folder) -> str:
    """'' when every file the tests read is there and reads as JSON Lines, else one line naming the first file that is not."""
    import gzip
    for rel in SHARED_FILES:
        path = folder / rel
        if not path.exists():
            return f"{path} is missing"
        n = 0
        try:
            with (gzip.open(path, "rt", encoding="utf-8") if rel.endswith(".gz") else open(path, encoding="utf-8")) as f:
                for n, line in enumerate(f, 1):
                    if line.strip() and not isinstance(json.loads(line), dict):
                        return f"{path}, line {n}: not a JSON object"
        except json.JSONDecodeError as err:
            return f"{path}, line {n} is corrupted (not JSON: {err.msg})"
        except (OSError, EOFError, UnicodeDecodeError) as err:
            return f"{path} is corrupted after line {n} ({type(err).__name__}: {err})"
    return ""


@pytest.hookimpl(tryfirst=True)   # before xdist's own hook, which reads xdist_group marks into the test ids
def pytest_collection_modifyitems(config, items):
    """A test that needs the demo pipeline's run is slow: make test-fast (-m "not slow") leaves it out. Under xdist
    (--dist loadgroup) every such test goes to one worker, so the run is made once, not once per worker."""
    for item in items:
        if "demo_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group("demo_run"))


def pytest_configure(config):
    if SHARED_DATA_DIR.exists():
        problem = shared_file_problem(SHARED_DATA_DIR)
        if problem:
            raise pytest.UsageError(f"{problem}. The tests read the offline SNLI files from {SHARED_DATA_DIR}: restore that "
                                    "file (or move the folder away to skip the tests that need it).")


@pytest.fixture(scope="session")
def shared_data():
    if not SHARED_DATA_DIR.exists():
        pytest.skip(f"{NEEDS_SHARED} in {SHARED_DATA_DIR}")
    return SHARED_DATA_DIR


def _shared_skips(terminalreporter) -> int:
    return sum(NEEDS_SHARED in str(r.longrepr) for r in terminalreporter.stats.get("skipped", []))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    n = _shared_skips(terminalreporter)
    if n:
        terminalreporter.write_line(f"{n} tests skipped: they need the offline SNLI files in {SHARED_DATA_DIR}, which is not there; {HOW_TO_GET}.",
                                    yellow=True, bold=True)
    if n and SHARED_DATA_DIR.exists():
        terminalreporter.write_line(f"FAILED: {n} tests that need {SHARED_DATA_DIR} were skipped though it exists.", red=True)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and SHARED_DATA_DIR.exists() and _shared_skips(reporter):
        session.exitstatus = 1


@pytest.fixture
def outputs(tmp_path, monkeypatch):
    """Runs write under a temporary outputs root (nbutils.paths honours NBUTILS_OUTPUTS)."""
    monkeypatch.setenv("NBUTILS_OUTPUTS", str(tmp_path / "outputs"))
    return tmp_path / "outputs"


@pytest.fixture
def entry_point(capsys, monkeypatch):
    """`python -m nbutils ARGS` through its entry point in this process: the same messages and exit code, without an
    interpreter start (3 s). Logging starts as in a fresh process; an exception main() lets through fails the test."""
    import logging

    from nbutils.run.cli import main
    log = logging.getLogger("papermill")   # an earlier in-process run installed its line handler
    for name, fresh in (("handlers", []), ("propagate", True), ("level", logging.NOTSET)):
        monkeypatch.setattr(log, name, fresh)

    def call(*args: str, outputs=None) -> subprocess.CompletedProcess:
        if outputs is not None:
            monkeypatch.setenv("NBUTILS_OUTPUTS", str(outputs))
        try:
            code = main(list(args))
        except SystemExit as exit:   # argparse's own usage errors
            code = exit.code
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, captured.out, captured.err)
    return call


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

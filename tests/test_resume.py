"""A training process killed with SIGKILL mid-epoch and resumed ends with exactly one record per example per point."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from nbutils.train import dynamics as dyn
from nbutils.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow   # runs the pipeline, training processes or a browser: make test-fast leaves it out

ARGS = ["-m", "nbutils", "train", "--profile", "demo", "-p", "demo_train_size=2000", "-p", "epochs=3", "-p", "batch_size=16"]


def train(env, name, *extra, wait=True):
    cmd = [sys.executable, *ARGS, "--run-name", name, *extra]
    if wait:
        p = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr[-3000:]
        return p
    return subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_kill_mid_epoch_then_resume_matches_an_uninterrupted_run(tmp_path):
    env = {**os.environ, "NBUTILS_OUTPUTS": str(tmp_path)}
    train(env, "full")
    proc = train(env, "killed", wait=False)
    second_point = tmp_path / "killed" / "dynamics" / "point_0001.rank0.parquet"
    ckpts = tmp_path / "killed" / "checkpoints" / "model"
    deadline = time.time() + 300
    while not (second_point.exists() and len(list(ckpts.glob("checkpoint-*/trainer_state.json"))) >= 2) and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the run finished before it could be killed"
    assert not (tmp_path / "killed" / "dynamics" / "point_0002.rank0.parquet").exists()
    resumed = train(env, "killed", "-p", "resume=true")
    full, killed = dyn.read_records(tmp_path / "full" / "dynamics"), dyn.read_records(tmp_path / "killed" / "dynamics")
    raw = pd.concat(pd.read_parquet(f) for f in (tmp_path / "killed" / "dynamics").glob("point_*.parquet"))
    assert len(raw) == 3 * 1500 and not raw.duplicated(["example_id", "point"]).any(), "the files themselves, read raw"
    a = full.sort_values(["point", "example_id"]).reset_index(drop=True)
    b = killed.sort_values(["point", "example_id"]).reset_index(drop=True)
    assert (a["example_id"] == b["example_id"]).all()
    assert np.allclose(a["gold_prob"], b["gold_prob"], atol=1e-4), "same dynamics as the uninterrupted run"
    s_full = json.loads((tmp_path / "full" / "train_summary.json").read_text())
    s_killed = json.loads((tmp_path / "killed" / "train_summary.json").read_text())
    assert s_killed["resumed_from"] and s_killed["best_selection_accuracy"] == pytest.approx(s_full["best_selection_accuracy"], abs=1e-6)
    assert [round(e["epoch"]) for e in s_killed["epochs"]] == [1, 2, 3], "the summary keeps the epochs before the resume"
    assert [e["selection_accuracy"] for e in s_killed["epochs"]] == pytest.approx([e["selection_accuracy"] for e in s_full["epochs"]], abs=1e-6)
    assert resumed.returncode == 0


SMALL = [sys.executable, "-m", "nbutils", "train", "--profile", "demo", "-p", "demo_train_size=300", "-p", "selection_pairs=100",
         "-p", "epochs=2", "--run-name", "r"]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """One finished 300-pair, 2-epoch run; each refusal test resumes its own copy with other settings."""
    out = tmp_path_factory.mktemp("outputs")
    p = subprocess.run(SMALL, cwd=PROJECT_ROOT, env={**os.environ, "NBUTILS_OUTPUTS": str(out)}, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return out / "r"


def _copy(run, tmp_path) -> tuple[dict, list[str]]:
    import shutil
    shutil.copytree(run, tmp_path / "r")
    return {**os.environ, "NBUTILS_OUTPUTS": str(tmp_path)}, SMALL


def test_resume_refuses_another_runs_checkpoints(small_run, tmp_path):
    env, base = _copy(small_run, tmp_path)
    p = subprocess.run([*base, "-p", "resume=true", "-p", "max_length=32"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 2 and "cannot resume from" in p.stderr and "max_length" in p.stderr


def test_changed_training_settings_refuse_to_resume(small_run, tmp_path):
    """A resume with another learning rate or number of epochs would train something else under the same name."""
    env, base = _copy(small_run, tmp_path)
    p = subprocess.run([*base, "-p", "resume=true", "-p", "learning_rate=0.01"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 2 and "cannot resume from" in p.stderr and "learning_rate" in p.stderr


def test_run_resume_hands_notebook_02_its_checkpoint(outputs, capsys):
    from nbutils import paths
    from nbutils.run.pipeline import notebook_parameters
    declared = {"run_name": {}, "epochs": {}, "resume": {}}
    params = {"run_name": "r2", "epochs": 3.0, "retrain_size": 5}
    assert notebook_parameters(params, declared, "02_train_dynamics", resume=True) == {"run_name": "r2", "epochs": 3.0}
    (paths.checkpoints_dir("r2") / "checkpoint-12").mkdir()
    assert "resume" not in notebook_parameters(params, declared, "02_train_dynamics", resume=True), "a partial checkpoint"
    (paths.checkpoints_dir("r2") / "checkpoint-12" / "trainer_state.json").write_text("{}")
    assert notebook_parameters(params, declared, "02_train_dynamics", resume=True)["resume"] is True
    assert "resumes training from its newest checkpoint" in capsys.readouterr().err
    assert "resume" not in notebook_parameters(params, declared, "02_train_dynamics", resume=False)

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
    while not (second_point.exists() and len(list(ckpts.glob("checkpoint-*"))) >= 2) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.8)  # into the third epoch
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
    assert resumed.returncode == 0


def test_resume_refuses_another_runs_checkpoints(tmp_path):
    env = {**os.environ, "NBUTILS_OUTPUTS": str(tmp_path)}
    base = [sys.executable, "-m", "nbutils", "train", "--profile", "demo", "-p", "demo_train_size=300", "-p", "selection_pairs=100", "-p", "epochs=2",
            "--run-name", "r"]
    assert subprocess.run(base, cwd=PROJECT_ROOT, env=env, capture_output=True, timeout=600).returncode == 0
    p = subprocess.run([*base, "-p", "resume=true", "-p", "max_length=32"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 2 and "cannot resume from" in p.stderr and "max_length" in p.stderr

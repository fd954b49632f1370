"""A demo run killed with SIGKILL (runner and kernel) at each point of tests/support/killpoints, then one --resume:
it finishes, keeps what was done, and ends with the same results as a run never killed. Slow: about a minute a point.

The first point kills a run started from nothing. Each later point's run starts where the uninterrupted run stood when
the point's notebook began (its earlier notebooks' files and manifest entries: support.kills.as_it_started) and goes
on with --resume, so the notebooks before the kill are not run again for every point; the kill, the state it leaves
and the one --resume after it are the same as in a run from the start."""
from __future__ import annotations

import filecmp
import json
import signal
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support.kills import POINTS, as_it_started, manifest, redone_seconds, run  # noqa: E402

from nbutils.retrain.arms import WEIGHT_FILES  # noqa: E402

pytestmark = pytest.mark.slow   # runs the pipeline, training processes or a browser: make test-fast leaves it out

RESULTS = ("comparison.csv", "contrasts.csv", "consistency.csv", "flips.csv")


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """The same small demo, never killed."""
    out = tmp_path_factory.mktemp("outputs")
    p = run(out, "whole")
    assert p.returncode == 0, p.stderr[-3000:]
    return out


def _complete_model(folder: Path) -> bool:
    return any((folder / w).exists() for w in WEIGHT_FILES) and (folder / "model_choice.json").exists() and (folder / "config.json").exists()


@pytest.mark.xdist_group("kill_resume")   # one worker: the uninterrupted run is made once
@pytest.mark.parametrize("point", POINTS)
def test_a_kill_at_any_point_is_finished_by_one_resume(whole, point, tmp_path):
    out = tmp_path
    out.mkdir(exist_ok=True)
    if point == POINTS[0]:
        killed = run(out, "killed", kill_at=point)
    else:
        as_it_started(whole, "whole", out, "killed", point)
        killed = run(out, "killed", "--resume", kill_at=point)
    assert killed.returncode == -signal.SIGKILL, f"the runner was not killed at {point}: {killed.stderr[-2000:]}"
    assert (out / "killed.killed").read_text() == point
    before = manifest(out, "killed")
    assert before["status"] == "running", "nothing recorded the kill: it was a real SIGKILL"
    ckpts = out / "killed" / "checkpoints" / "model"
    if point == "02-checkpoint-save":
        partial = sorted(ckpts.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))[-1]
        assert not (partial / "trainer_state.json").exists() and any(partial.iterdir()), "killed inside the save"

    resumed = run(out, "killed", "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "stopped without finishing (killed?)" in resumed.stderr
    after = manifest(out, "killed")
    assert after["status"] == "ok" and {e["status"] for e in after["notebooks"].values()} == {"ok"}
    if point in ("02-between-checkpoints", "02-checkpoint-save"):
        assert "resumes training from its newest checkpoint" in resumed.stderr
        summary = json.loads((out / "killed" / "train_summary.json").read_text())
        assert summary["resumed_from"].endswith("checkpoint-" + str(summary["resumed_from"].split("-")[-1]))
        assert [round(e["epoch"]) for e in summary["epochs"]] == [1, 2, 3, 4], "the epochs before the checkpoint are kept"
    if point[:2] in ("03", "04", "05"):
        assert "[02_train_dynamics] done earlier, skipped (--resume)" in resumed.stderr, "notebook 02 is not trained again"

    raw = pd.concat(pd.read_parquet(f) for f in (out / "killed" / "dynamics").glob("point_*.parquet"))
    whole_raw = pd.concat(pd.read_parquet(f) for f in (whole / "whole" / "dynamics").glob("point_*.parquet"))
    assert not raw.duplicated(["example_id", "point"]).any() and len(raw) == len(whole_raw), "one record per (example, point)"
    assert _complete_model(out / "killed" / "model")
    arms = json.loads((out / "killed" / "retrain_summary.json").read_text())
    for arm in arms["arms"]:
        assert _complete_model(out / "killed" / "arms" / arm) and (out / "killed" / "arms" / arm / "arm_record.json").exists()
    reused = after["notebooks"]["04_retrain"]["reused_arms"]
    assert reused == (["selected"] if point == "04-between-arms" else []) == arms["reused_arms"]
    for name in RESULTS:
        assert filecmp.cmp(out / "killed" / name, whole / "whole" / name, shallow=False), f"{name} differs from the run never killed"
    print(redone_seconds(out, "killed", whole, "whole", point, before))


def test_sigterm_during_training_stops_with_one_line(tmp_path):
    """SIGTERM to the runner interrupts the cell first: exit 130, one line, no kernel traceback; --resume finishes."""
    import os
    import subprocess
    import time

    from support.kills import ROOT, SMALL
    env = {**os.environ, "NBUTILS_OUTPUTS": str(tmp_path)}
    cmd = [sys.executable, "-m", "nbutils", "run", "--profile", "demo", "--run-name", "term", *SMALL]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    training = tmp_path / "term" / "checkpoints" / "model"
    deadline = time.time() + 300
    while not training.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
    time.sleep(2)   # into the training cell
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    tail = err[err.index("[02_train_dynamics] running"):]
    assert "interrupted: nothing finished after this point was saved" in tail
    for noise in ("Traceback", "ZMQError", "ERROR", "Kernel died", "Task exception"):
        assert noise not in tail, tail
    record = manifest(tmp_path, "term")
    assert record["status"] == "interrupted" and record["notebooks"]["02_train_dynamics"]["status"] == "interrupted"
    assert "KeyboardInterrupt" in (tmp_path / "term" / "notebooks" / "02_train_dynamics.ipynb").read_text(), "the cell was interrupted"


def test_ctrl_c_at_any_moment_of_the_first_notebooks_start_is_one_line_and_resumable(tmp_path):
    """SIGINT from the moment notebook 01 is announced until its kernel runs (a kernel still starting dies of it):
    every try exits 130 with the one interrupted line and no traceback, and --resume then runs notebook 01 again."""
    import os
    import subprocess
    import time

    from support.kills import ROOT, SMALL
    env = {**os.environ, "NBUTILS_OUTPUTS": str(tmp_path)}
    cmd = [sys.executable, "-m", "nbutils", "run", "--profile", "demo", "--run-name", "early", *SMALL]

    def interrupted_after(delay: float, *extra: str, when: str = "[01_load_data] running") -> str:
        proc = subprocess.Popen([*cmd, *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = []
        for line in proc.stderr:   # the runner announces each notebook on stderr as it starts it
            seen.append(line)
            if when in line:
                break
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        said = "".join(seen) + err
        assert proc.returncode == 130, (delay, said[-3000:])
        assert said.rstrip().splitlines()[-1].startswith("interrupted: nothing finished after this point was saved"), said[-2000:]
        for noise in ("Traceback", "Kernel died", "could not be executed", "NotJSONError"):
            assert noise not in said, (delay, said[-3000:])
        return said

    for delay in (0.0, 0.1, 0.15, 0.2, 0.4):   # before the kernel, while it starts (it dies of a SIGINT then), once it runs
        interrupted_after(delay)
        record = manifest(tmp_path, "early")
        assert record["status"] == "interrupted" and record["notebooks"]["01_load_data"]["status"] == "interrupted", delay
    said = interrupted_after(0.5, "--resume", when="[01_load_data] ok")   # 01 ran whole again; stopped early in 02
    assert "[01_load_data] running" in said
    assert manifest(tmp_path, "early")["notebooks"]["01_load_data"]["status"] == "ok"

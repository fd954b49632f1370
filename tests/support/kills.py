"""Kill a demo run at a chosen point (tests/support/killpoints), resume it, and measure what the resume did again.

Shared by tests/test_kill_resume.py and bench/bench_resume.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KILLPOINTS = Path(__file__).resolve().parent / "killpoints"
POINTS = ("02-first-epoch", "02-between-checkpoints", "02-checkpoint-save", "03", "04-between-arms", "05")
NOTEBOOK = {"02": "02_train_dynamics", "03": "03_data_map", "04": "04_retrain", "05": "05_compare"}
NOTEBOOK_ORDER = ("01_load_data", *NOTEBOOK.values())
# A small demo with every arm, two rounds and four epochs (save_total_limit=2 then deletes the checkpoint a resume began from)
SMALL = ["-p", "demo_train_size=1500", "-p", "selection_pairs=300", "-p", "epochs=4", "-p", "retrain_size=200",
         "-p", "held_back_per_region=50", "-p", "augment_count=20", "-p", "bootstrap_samples=200", "-p", "sample_points=2000"]


def run(outputs: Path, name: str, *extra: str, kill_at: str = "", timeout: int = 900) -> subprocess.CompletedProcess:
    """`python -m nbutils run --profile demo` with SMALL; with kill_at, the kernel kills itself and the runner there."""
    env = {**os.environ, "NBUTILS_OUTPUTS": str(outputs)}
    if kill_at:
        env.update(NBUTILS_KILL_AT=kill_at, NBUTILS_KILL_MARKER=str(outputs / f"{name}.killed"),
                   PYTHONPATH=os.pathsep.join([str(KILLPOINTS), env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    return subprocess.run([sys.executable, "-m", "nbutils", "run", "--profile", "demo", "--run-name", name, *SMALL, *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


# What each notebook leaves in its run folder, besides notebooks/<notebook>.ipynb and reports/<notebook>.html
WRITES = {"01_load_data": ("data",),
          "02_train_dynamics": ("dynamics", "model", "checkpoints/model", "train_summary.json"),
          "03_data_map": ("datamap.parquet", "map_source.json", "selection.parquet", "selection.yaml", "figures"),
          "04_retrain": ("arms", "checkpoints/arms", "retrain_set.parquet", "retrain_summary.json", "rounds"),
          "05_compare": ("comparison.csv", "contrasts.csv", "consistency.csv", "flips.csv", "predictions")}


def as_it_started(whole_outputs: Path, whole: str, outputs: Path, name: str, point: str) -> None:
    """outputs/<name>: the uninterrupted run as it stood when the point's notebook started (the earlier notebooks' files
    and manifest entries, the rest pending), so a kill there costs only that notebook and those after it."""
    import shutil
    order = list(NOTEBOOK_ORDER)
    earlier = order[:order.index(NOTEBOOK[point[:2]])]
    src, dst = whole_outputs / whole, outputs / name
    for stem in earlier:
        for rel in (*WRITES[stem], f"notebooks/{stem}.ipynb", f"reports/{stem}.html"):
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if (src / rel).is_dir() else shutil.copy2)(src / rel, dst / rel)
    record = manifest(whole_outputs, whole)
    record.update(run_name=name, status="interrupted")
    for stem in order:
        if stem in earlier:   # their recorded inputs name the run: the same parameters under this run's name
            record["notebooks"][stem]["inputs"]["parameters"]["run_name"] = name
        else:
            record["notebooks"][stem] = {"status": "pending"}
    (dst / "manifest.json").write_text(json.dumps(record, indent=1))


def manifest(outputs: Path, name: str) -> dict:
    return json.loads((outputs / name / "manifest.json").read_text())


def redone_seconds(outputs: Path, killed: str, whole_outputs: Path, whole: str, point: str, before_resume: dict) -> dict:
    """Seconds the killed notebook ran before the kill, its seconds on resume and in the uninterrupted run; redone is
    before + resumed - uninterrupted: the work lost to the kill (plus the restart's own cost)."""
    nb = NOTEBOOK[point[:2]]
    entry = before_resume["notebooks"][nb]
    kill_time = (outputs / f"{killed}.killed").stat().st_mtime
    before = kill_time - datetime.fromisoformat(entry["started"]).timestamp()
    resumed = manifest(outputs, killed)["notebooks"][nb]["seconds"]
    uninterrupted = manifest(whole_outputs, whole)["notebooks"][nb]["seconds"]
    return {"point": point, "notebook": nb, "before_kill_s": round(before, 1), "resumed_s": resumed,
            "uninterrupted_s": uninterrupted, "redone_s": round(before + resumed - uninterrupted, 1)}

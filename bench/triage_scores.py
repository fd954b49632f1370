"""Which score finds planted label flips best: every triage candidate on the `check` profile, several seeds.

Trains each seed's map with `python -m nbutils train` (what notebooks 01-02 do; the check profile flips 5% of the demo's
training labels) where it is missing, maps it as notebook 03 does, and prints ROC AUC and precision at k of every
score of the map (nbutils.map.noise_check) per seed and as the mean with its 95% t-interval.

    python bench/triage_scores.py --seeds 42,7,8
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from nbutils import paths  # noqa: E402
from nbutils.compare.replicates import t_summary  # noqa: E402
from nbutils.map import noise_check  # noqa: E402
from nbutils.map.regions import Thresholds  # noqa: E402
from nbutils.map.stage import run_stage  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="42,7,8")
    ap.add_argument("--profile", default="check")
    a = ap.parse_args()
    tables = {}
    for seed in a.seeds.split(","):
        run = f"triage-{a.profile}-s{seed}"
        if not (paths.outputs_root() / run / "dynamics").exists():
            subprocess.run([sys.executable, "-m", "nbutils", "train", "--profile", a.profile, "--run-name", run, "-p", f"seed={seed}"],
                           cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        table = run_stage(run, Thresholds()).table
        check = noise_check.check_table(table)
        tables[seed] = check.set_axis(["roc_auc", "precision_at_k"], axis=1)
        print(f"seed {seed}: {int(table['noise_flipped'].sum()):,} of {len(table):,} labels flipped")
    seeds = list(tables)
    print(f"\n| score | ROC AUC (seed {' / '.join(seeds)}) | mean [95% t] | precision at k | mean [95% t] |\n| --- | --- | ---: | --- | ---: |")
    for score in tables[seeds[0]].index:
        cells = []
        for measure in ("roc_auc", "precision_at_k"):
            values = np.array([t.loc[score, measure] for t in tables.values()])
            s = t_summary(values)
            cells += [" / ".join(f"{v:.3f}" for v in values), f"{s['mean_diff']:.3f} [{s['ci_low']:.3f}, {s['ci_high']:.3f}]"]
        print(f"| {score} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

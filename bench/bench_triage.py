"""Triage at full SNLI scale: its cost against the map's own, in one run (goal: at most 0.2× notebook 03's time).

A run folder of 549,367 demo-like pairs with 5 logging points (the package's own writers, logits drawn at random) is
mapped as notebook 03 does (nbutils.map.stage.run_stage: read the dynamics, every metric, regions, datamap.parquet),
then the triage parts are timed in the same process: importing cleanlab, confident learning alone (part of the
metrics, so taken off the map's time),
ranking the suspects and writing review/suspects.csv, and the review widget's start (the suspects' curves, the
corrections file). The map's time is only part of notebook 03 (which also draws the maps and writes datamap.html),
so the ratio printed is an upper bound on the triage's share of notebook 03.

    python bench/bench_triage.py [--pairs 549367]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=549_367)
    ap.add_argument("--points", type=int, default=5)
    ap.add_argument("--out", default="bench/results/bench_triage.json")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NBUTILS_OUTPUTS"] = tmp
        from nbutils import paths
        from nbutils.map.metrics import confident_learning
        import papermill
        from nbutils.train import dynamics as dyn
        from nbutils.train.dynamics import read_matrix
        rng = np.random.default_rng(0)
        ids = np.array([f"{3_000_000_000 + 7 * i}.jpg#{i % 5}r{i % 3}{'enc'[i % 3]}" for i in range(a.pairs)], dtype=object)
        gold = rng.integers(0, 3, a.pairs)
        train = pd.DataFrame({"example_id": ids, "premise": "A man is playing a guitar on stage.",
                              "hypothesis": "A person plays music.", "gold_label": gold})
        train.to_parquet(paths.run_data_dir("big") / "train.parquet", index=False)
        for p in range(a.points):
            logits = rng.normal(size=(a.pairs, 3))
            logits[np.arange(a.pairs), gold] += p * 0.8   # the model learns the labels over the points
            dyn.write_point(paths.dynamics_dir("big"), p, p + 1.0, ids, gold, logits)
        t0 = time.perf_counter()
        import cleanlab.filter  # noqa: F401  (scikit-learn comes with it: the triage's own import cost)
        import cleanlab.rank  # noqa: F401
        import_s = time.perf_counter() - t0
        matrix = read_matrix(paths.dynamics_dir("big"))
        t0 = time.perf_counter()
        confident_learning(matrix)
        cleanlab_s = time.perf_counter() - t0
        executed = Path(tmp) / "03.ipynb"
        t0 = time.perf_counter()
        papermill.execute_notebook(str(ROOT / "notebooks" / "03_data_map.ipynb"), str(executed), progress_bar=False,
                                   parameters={"run_name": "big", "region_mode": "rank", "rank_percent": 25.0})
        wall_s = time.perf_counter() - t0
        cells = {c.get("id"): c["metadata"]["papermill"]["duration"] or 0.0 for c in json.loads(executed.read_text())["cells"]
                 if c["cell_type"] == "code"}
    notebook_s = sum(cells.values())
    cells_s = cells["03-triage"] + cells["03-review"]
    triage_s = import_s + cleanlab_s + cells_s
    row = {"pairs": a.pairs, "points": a.points, "notebook_03_s": round(notebook_s, 2), "notebook_03_wall_s": round(wall_s, 2),
           "cleanlab_import_s": round(import_s, 2), "cleanlab_s": round(cleanlab_s, 2), "triage_and_review_cells_s": round(cells_s, 2),
           "triage_s": round(triage_s, 2), "ratio": round(triage_s / notebook_s, 3)}
    print("| pairs | points | notebook 03 (cells) s | cleanlab import s | cleanlab s | triage + review cells s | triage s | triage / notebook 03 |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| {a.pairs:,} | {a.points} | {row['notebook_03_s']} | {row['cleanlab_import_s']} | {row['cleanlab_s']} | "
          f"{row['triage_and_review_cells_s']} | {row['triage_s']} | {row['ratio']}× (goal ≤ 0.2×) |")
    Path(a.out).write_text(json.dumps(row, indent=2))


if __name__ == "__main__":
    main()

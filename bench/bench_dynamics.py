"""Reading dynamics at full SNLI scale: read_matrix over 549,367 pairs × 5 and × 10 logging points (goal: <= 1 s for 5
points on 2 CPU cores, and linear in the number of points). Files written by the package's own writer, ids SNLI-like.

    python bench/bench_dynamics.py [--pairs 549367] [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nbutils.train import dynamics as dyn  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=549_367)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="bench/results/bench_dynamics.json")
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    ids = np.array([f"{3_000_000_000 + 7 * i}.jpg#{i % 5}r{i % 3}{'enc'[i % 3]}" for i in range(a.pairs)], dtype=object)
    gold = rng.integers(0, 3, a.pairs)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for points in (5, 10):
            folder = Path(tmp) / f"p{points}"
            for p in range(points):
                dyn.write_point(folder, p, p + 1.0, ids[rng.permutation(a.pairs)] if p else ids, gold, rng.normal(size=(a.pairs, 3)))
            times = []
            for _ in range(a.repeats):
                t0 = time.perf_counter()
                m = dyn.read_matrix(folder)
                times.append(time.perf_counter() - t0)
            assert m.gold_prob.shape == (a.pairs, points)
            rows.append({"pairs": a.pairs, "points": points, "read_matrix_s": round(float(np.median(times)), 2),
                         "per_point_s": round(float(np.median(times)) / points, 3)})
    print(f"{'pairs':>9} {'points':>7} {'read_matrix s':>14} {'per point s':>12}   goal: <= 1 s for 5 points")
    for r in rows:
        print(f"{r['pairs']:>9,} {r['points']:>7} {r['read_matrix_s']:>14} {r['per_point_s']:>12}")
    Path(a.out).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

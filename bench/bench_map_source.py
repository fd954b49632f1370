"""A map made elsewhere at full SNLI size: a 549,367-pair coordinates file in the original cartography code's format
(td_metrics.jsonl: guid, index, threshold_closeness, confidence, variability, correctness as a count, forgetfulness with
1000 for never learned) read and every value checked (the pre-run check), kept in the run's folder, joined to the
run's pairs through cartography_guid, regions assigned, datamap.parquet written, and drawn (the static map and the
shareable page), as a run does with map_source=coordinates:FILE. The file read alone (the loader, no checks) is timed
first, as the baseline the check's cost is given against.

Goal (issue #21): read, joined and drawn, with datamap.parquet written, in <= 15 s on 2 cores.

    python bench/bench_map_source.py [--pairs 549367] [--covered 0.9]
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_datamap import synthetic_map  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=549_367)
    ap.add_argument("--covered", type=float, default=0.9, help="share of the run's pairs the file maps")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_map_source_"))
    os.environ["NBUTILS_OUTPUTS"] = str(tmp / "outputs")
    from nbutils.data.splits import write_splits
    from nbutils.map import figures
    from nbutils.data.pairs import read_table
    from nbutils.map.map_source import check_source, load_map, save_checked, write_record
    from nbutils.map.regions import Thresholds
    from nbutils.map.shareable_page import write_datamap_html
    from nbutils.map.table import write_map
    from nbutils.paths import figures_dir

    full = synthetic_map(args.pairs + 100).drop_duplicates("example_id").head(args.pairs).reset_index(drop=True)   # ids unique, as the loader makes them
    rng = np.random.default_rng(1)
    guids = rng.permutation(np.arange(10**6, 10**6 + args.pairs))
    train = full[["example_id", "premise", "hypothesis", "gold_label"]].assign(cartography_guid=guids)
    write_splits("bench", {"train": train}, {}, {})
    mapped = rng.random(args.pairs) < args.covered
    coords = tmp / "snli_data_map_coordinates.jsonl"
    counts = np.clip(np.round(full["correctness"].to_numpy() * 5), 0, 5).astype(int)
    with open(coords, "w", encoding="utf-8") as f:   # the original code's field names and kinds of values
        for i in np.flatnonzero(mapped):
            c = float(full["confidence"].iat[i])
            f.write(json.dumps({"guid": int(guids[i]), "index": int(i), "threshold_closeness": c * (1 - c), "confidence": c,
                                "variability": float(full["variability"].iat[i]), "correctness": int(counts[i]),
                                "forgetfulness": 1000 if counts[i] == 0 else int(i % 3)}) + "\n")
    size_mb = coords.stat().st_size / 1e6
    steps, t_all = {}, time.perf_counter()
    from nbutils.data.splits import read_split
    t0 = time.perf_counter()
    pairs = read_split("bench", "train")
    steps["read the run's train split"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    read_table(coords)
    baseline = time.perf_counter() - t0
    source = f"coordinates:{coords}"
    t0 = time.perf_counter()
    checked = check_source(source, pairs)
    steps["pre-run check: read, check every value, join (check_source)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    save_checked("bench", source, checked)
    steps["keep it: map_source_checked.parquet"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    loaded = load_map(source, "bench", pairs, Thresholds())
    steps["notebook 03: the checked table joined, regions (load_map)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    write_map("bench", loaded.table)
    write_record("bench", loaded)
    steps["write datamap.parquet + map_source.json"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fig = figures.static_map(loaded.table, Thresholds(), sample_points=25_000)
    fig.savefig(figures_dir("bench") / "datamap.png", dpi=110, bbox_inches="tight")
    steps["static map (datamap.png)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    page = write_datamap_html(loaded.table, Thresholds(), figures_dir("bench") / "datamap.html", 25_000)
    steps["shareable page (datamap.html)"] = time.perf_counter() - t0
    total = time.perf_counter() - t_all
    print(f"coordinates file: {mapped.sum():,} of {args.pairs:,} pairs mapped, {size_mb:.0f} MB; "
          f"{loaded.coverage.line()}")
    print("\n| step | seconds |\n| --- | ---: |")
    for name, s in steps.items():
        print(f"| {name} | {s:.2f} |")
    print(f"| **total** (goal <= 15 s) | **{total:.2f}** |")
    print(f"\nbaseline, the file read alone (no checks): {baseline:.2f} s; the pre-run check takes "
          f"{steps['pre-run check: read, check every value, join (check_source)'] / baseline:.2f}x that")
    print(f"datamap.html {page.stat().st_size / 2**20:.1f} MiB; lacks: {'; '.join(loaded.lacks.values())}")


if __name__ == "__main__":
    main()

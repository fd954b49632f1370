"""Pipeline time of the demo profile: runs notebooks 01-05 through the runner and prints seconds per notebook and arm.

    python bench/bench_demo.py            # goal: under 180 s of pipeline time on 2 CPU cores
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_times import print_table, run_times  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NBUTILS_OUTPUTS"] = tmp
        from nbutils.run.pipeline import run_pipeline
        from nbutils.train.trainer import device_name
        t0 = time.perf_counter()
        out = run_pipeline("demo", {}, "bench-demo")
        wall = time.perf_counter() - t0
        times = run_times(out)
    total = sum(v for k, v in times.items() if not k.startswith("  "))
    print(f"\nDemo pipeline on {device_name()}")
    print_table({"demo": times}, goal_s=180)
    print(f"{'wall incl. runner':<22}{wall:>16.1f}")
    results = Path(__file__).parent / "results" / "bench_demo.json"
    results.write_text(json.dumps({"device": device_name(), "stages": times, "total_s": total, "wall_s": wall}, indent=2))


if __name__ == "__main__":
    main()

"""Pipeline time of the demo profile: runs notebooks 01-05 through the runner and prints seconds per notebook.

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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NBUTILS_OUTPUTS"] = tmp
        from nbutils.run.pipeline import run_pipeline
        from nbutils.train.trainer import device_name
        t0 = time.perf_counter()
        out = run_pipeline("demo", {}, "bench-demo")
        wall = time.perf_counter() - t0
        manifest = json.loads((out / "manifest.json").read_text())
    rows = [(name, e["seconds"]) for name, e in manifest["notebooks"].items()]
    total = sum(s for _, s in rows)
    print(f"\nDemo pipeline on {device_name()}")
    print(f"{'notebook':<22}{'seconds':>9}")
    for name, s in rows:
        print(f"{name:<22}{s:>9.1f}")
    print(f"{'total (pipeline)':<22}{total:>9.1f}   goal < 180 s: {'met' if total < 180 else 'NOT met'}")
    print(f"{'wall incl. runner':<22}{wall:>9.1f}")
    results = Path(__file__).parent / "results" / "bench_demo.json"
    results.write_text(json.dumps({"device": device_name(), "notebooks": dict(rows), "total_s": total, "wall_s": wall}, indent=2))


if __name__ == "__main__":
    main()

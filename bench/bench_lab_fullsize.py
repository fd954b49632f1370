"""Notebook 03 of a full-size run opened in JupyterLab, as a person does: how long until the live map is drawn, and a recount.

    python bench/bench_lab_fullsize.py                          # the 549,367-pair run bench/bench_rehearsal.py left in outputs/
    python bench/bench_lab_fullsize.py --run rehearsal-55000

In headless chromium (Debian's, through Playwright) on a JupyterLab on 127.0.0.1: open notebook 03 (as committed, with
the run's name given as papermill gives it), Run All Cells, and time
- open: page load until the notebook's kernel is idle;
- run all -> live map drawn: until the live map holds its points (every cell before it runs first, as in the page);
- run all -> last cell done: the kernel idle again (until then it answers the map's messages after the running cells);
- typed bound -> recount: a bound typed into a slider's readout until the kernel's counts table changes.
Beside them, the seconds papermill spent in each cell of the same notebook in the run (its `papermill.duration`).
Goal (issue "full size"): the live map drawn within 15 s of Run All at 549,367 pairs.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from support.labdriver import browser_page, jupyter_lab, open_and_run_all, type_into_slider  # noqa: E402

DRAWN = "() => { const g = document.querySelector('.datamap .js-plotly-plot'); return g && g.data && g.data.length && g.data[0].x && g.data[0].x.length; }"
CHANGED = "old => { const t = document.querySelector('.datamap-counts table'); return t && t.innerText !== old; }"
GOAL_S = 15.0


def cell_seconds(notebook: Path, top: int = 6) -> list[tuple[str, float]]:
    """The slowest cells of the run's executed notebook: (first line, seconds papermill measured)."""
    nb = nbformat.read(notebook, as_version=4)
    cells = [(c.source.splitlines()[0][:70] if c.source else "", float(c.metadata.get("papermill", {}).get("duration") or 0))
             for c in nb.cells if c.cell_type == "code"]
    return sorted(cells, key=lambda c: -c[1])[:top]


def time_in_lab(folder: Path, outputs: Path) -> dict[str, float]:
    with jupyter_lab(folder, env={"NBUTILS_OUTPUTS": str(outputs)}) as (base, token), browser_page() as page:
        opened, t1 = open_and_run_all(page, base, token, "03_data_map.ipynb", page.locator(".datamap-slider"), 600_000)
        page.wait_for_function(DRAWN, timeout=300_000)
        drawn = time.perf_counter() - t1
        page.wait_for_timeout(1000)   # the cells after the map: the kernel answers the map's messages once they are done
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=600_000)
        finished = time.perf_counter() - t1
        counts = page.locator(".datamap-counts table").first
        counts.wait_for(timeout=120_000)
        before = counts.inner_text()
        t2 = time.perf_counter()
        type_into_slider(page, page.locator(".datamap-slider", has_text="ambiguous_min_variability"), 0.2)
        page.wait_for_function(CHANGED, arg=before, timeout=60_000)
        recount = time.perf_counter() - t2
    return {"open_s": round(opened, 1), "run_all_to_map_drawn_s": round(drawn, 1), "run_all_to_last_cell_done_s": round(finished, 1),
            "typed_bound_to_recount_s": round(recount, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="rehearsal-549367")
    ap.add_argument("--outputs", default=str(ROOT / "outputs"))
    a = ap.parse_args()
    outputs = Path(a.outputs)
    executed = outputs / a.run / "notebooks" / "03_data_map.ipynb"
    if not executed.exists():
        sys.exit(f"{executed} is not there: run bench/bench_rehearsal.py (or the run named) first.")
    pairs = len(__import__("pandas").read_parquet(outputs / a.run / "datamap.parquet", columns=["example_id"]))
    with tempfile.TemporaryDirectory() as tmp:
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook
        nb = parameterize_notebook(load_notebook_node(str(ROOT / "notebooks" / "03_data_map.ipynb")), {"run_name": a.run})
        nbformat.write(nb, Path(tmp) / "03_data_map.ipynb")   # the notebook as committed, with the run's name given
        times = time_in_lab(Path(tmp), outputs)
    slow = cell_seconds(executed)
    print(f"notebook 03 of {a.run} ({pairs:,} mapped pairs) in JupyterLab, headless chromium on this machine\n")
    print("| measure | seconds |\n| --- | ---: |")
    for name, s in times.items():
        print(f"| {name.replace('_s', '').replace('_', ' ')} | {s} |")
    print(f"\nlive map drawn {times['run_all_to_map_drawn_s']} s after Run All (goal <= {GOAL_S:.0f} s): "
          f"{'met' if times['run_all_to_map_drawn_s'] <= GOAL_S else 'NOT met'}")
    print("\nslowest cells when papermill ran it:\n\n| cell (first line) | seconds |\n| --- | ---: |")
    for line, s in slow:
        print(f"| `{line}` | {s:.1f} |")
    out = ROOT / "bench" / "results" / "bench_lab_fullsize.json"
    out.write_text(json.dumps({"run": a.run, "mapped_pairs": pairs, **times, "slowest_cells": slow}, indent=2))


if __name__ == "__main__":
    main()

"""The live map at full SNLI scale, timed in the browser: slider input → new counts, and → recoloured markers.

Starts JupyterLab on 127.0.0.1, opens a notebook that shows notebook 03's live map over a synthetic 549,367-pair map
table, and drives Debian's chromium (headless, through Playwright): each input types a new bound into a slider and
presses Enter; the page records when the Enter key went down, when the counts table changed and when plotly finished
redrawing. Goal: <= 150 ms for both, median over the inputs, on 2 CPU cores.

    python bench/bench_widget_browser.py [--pairs 549367] [--inputs 14] [--drawn 20000]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from support.labdriver import open_and_run_all, browser_page, jupyter_lab, type_into_slider  # noqa: E402

MAKE_TABLE = """import numpy as np, pandas as pd
from nbutils.map.regions import Thresholds, assign_regions
from nbutils.map.widget import map_widget
rng = np.random.default_rng(0)
n = {pairs}
table = pd.DataFrame({{"example_id": [f"p{{i}}" for i in range(n)], "premise": "A man plays a guitar on stage.",
                      "hypothesis": "A musician performs.", "gold_label": rng.integers(0, 3, n),
                      "confidence": rng.beta(4, 1.5, n), "variability": rng.uniform(0, 0.45, n), "correctness": rng.uniform(0, 1, n)}})
table["region"] = assign_regions(table, Thresholds())
map_widget(table, Thresholds(), "bench-widget", sample_points={drawn})"""

RECORDER = """() => {
  const gd = document.querySelector('.widget-vbox .js-plotly-plot');
  window.__t = {};
  gd.on('plotly_afterplot', () => { if (window.__t.start && !window.__t.plot) window.__t.plot = performance.now(); });
  new MutationObserver(() => { if (window.__t.start && !window.__t.counts) window.__t.counts = performance.now(); })
    .observe(document.querySelector('.datamap-counts'), {subtree: true, childList: true, characterData: true});
  document.addEventListener('keydown', e => { if (e.key === 'Enter') window.__t = {start: performance.now()}; }, true);
}"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=549_367)
    ap.add_argument("--inputs", type=int, default=14)
    ap.add_argument("--drawn", type=int, default=20_000, help="points drawn (notebook 03 draws at most 20,000 in the live map)")
    ap.add_argument("--out", default=str(ROOT / "bench/results/bench_widget_browser.json"))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(MAKE_TABLE.format(pairs=a.pairs, drawn=a.drawn))],
                                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        nbformat.write(nb, Path(tmp) / "live_map.ipynb")
        with jupyter_lab(Path(tmp), env={"NBUTILS_OUTPUTS": str(Path(tmp) / "outputs"), "PYTHONPATH": str(ROOT)}) as (base, token):
            rows = drive(base, token, a.inputs)
    counts = np.array([r["counts_ms"] for r in rows])
    plot = np.array([r["plot_ms"] for r in rows])
    print(f"live map, {a.pairs:,} pairs, {a.drawn:,} drawn, {len(rows)} slider inputs, in headless chromium on this machine")
    print(f"{'':24}{'median ms':>10}{'min':>8}{'max':>8}   goal: <= 150 ms")
    for name, v in (("input -> new counts", counts), ("input -> recoloured map", plot)):
        print(f"{name:24}{np.median(v):>10.0f}{v.min():>8.0f}{v.max():>8.0f}")
    Path(a.out).write_text(json.dumps({"pairs": a.pairs, "drawn": a.drawn, "inputs": rows,
                                       "median_counts_ms": float(np.median(counts)), "median_plot_ms": float(np.median(plot))}, indent=2))


def drive(base: str, token: str, inputs: int) -> list[dict]:
    """Run the notebook, then time each slider input from the Enter key to the page's counts and redraw."""
    with browser_page() as page:
        open_and_run_all(page, base, token, "live_map.ipynb", page.locator(".datamap-counts table"), 300_000)
        page.wait_for_function("() => { const g = document.querySelector('.widget-vbox .js-plotly-plot');"
                               " return g && g.data && g.data[0].x && g.data[0].x.length; }", timeout=120_000)
        page.evaluate(RECORDER)
        row = page.locator(".widget-slider", has_text="ambiguous_min_variability")
        rows = []
        for i in range(inputs):
            value = round(0.12 + 0.02 * (i % 10), 2)
            type_into_slider(page, row, value)
            try:
                page.wait_for_function("() => window.__t.counts && window.__t.plot", timeout=30_000)
            except Exception:
                raise RuntimeError(f"no redraw after input {i} ({value}): {page.evaluate('window.__t')}") from None
            t = page.evaluate("window.__t")
            rows.append({"value": value, "counts_ms": t["counts"] - t["start"], "plot_ms": t["plot"] - t["start"]})
            time.sleep(0.3)
        return rows


if __name__ == "__main__":
    main()

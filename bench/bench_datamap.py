"""The data map at full SNLI scale (549,367 synthetic points): widget redraw, datamap.html size, open and recolour times.

Goals (issue #5): slider release to redrawn map and counts <= 500 ms (Python side of the JupyterLab widget);
datamap.html <= 25 MB, opens in <= 5 s and recolours in <= 150 ms in headless Chromium (Debian's, via Playwright).
Prints a table and writes JSON.

    python bench/bench_datamap.py [--points 549367] [--repeats 5]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nbutils.map.regions import Thresholds, assign_regions, counts_by_code, region_codes  # noqa: E402
from nbutils.map.shareable_page import write_datamap_html  # noqa: E402
from tests.support.labdriver import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

WORDS = ("man woman dog child people group street water ball red blue young old playing sitting walking running "
         "standing wearing shirt holding looking near front two three small large outside park beach city").split()


def synthetic_map(n: int, seed: int = 0) -> pd.DataFrame:
    """A map table shaped like SNLI's: SNLI-like ids and sentence lengths, three clouds of points."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 3, n)
    kind = rng.choice(3, n, p=[0.6, 0.25, 0.15])  # easy / ambiguous / hard clouds
    conf = np.clip(np.select([kind == 0, kind == 1], [rng.normal(0.9, 0.06, n), rng.normal(0.5, 0.1, n)], rng.normal(0.15, 0.1, n)), 0, 1)
    var = np.clip(np.select([kind == 0, kind == 1], [rng.normal(0.06, 0.03, n), rng.normal(0.33, 0.06, n)], rng.normal(0.12, 0.06, n)), 0, 0.5)
    words = np.array(WORDS)

    def sentences(length: int) -> list[str]:
        w = words[rng.integers(0, len(words), (n, length))]
        return [" ".join(row) + "." for row in w]
    ids = [f"{a}.jpg#{b}r{c}{'enc'[y]}" for a, b, c, y in zip(rng.integers(10**9, 5 * 10**9, n), rng.integers(0, 5, n), rng.integers(1, 4, n), label)]
    table = pd.DataFrame({"example_id": ids, "premise": sentences(13), "hypothesis": sentences(7), "gold_label": label,
                          "confidence": conf, "variability": var, "correctness": np.clip(conf + rng.normal(0, 0.1, n), 0, 1)})
    return table.assign(region=assign_regions(table, Thresholds()))


def widget_redraw_ms(table: pd.DataFrame, repeats: int) -> tuple[float, float]:
    """Median ms of exact counts alone, and of the live map's kernel side of a settled slider (counts + batch line)."""
    from nbutils.map.widget import map_widget
    counts = []
    for k in range(repeats):
        t0 = time.perf_counter()
        codes = region_codes(table["confidence"].to_numpy(), table["variability"].to_numpy(), Thresholds(ambiguous_min_variability=0.2 + 0.01 * k))
        counts_by_code(codes, table["gold_label"].to_numpy())
        counts.append(1000 * (time.perf_counter() - t0))
    widget = map_widget(table, Thresholds(), "bench", sample_points=20_000)
    times = []
    for k in range(repeats):
        t0 = time.perf_counter()
        widget.thresholds = {**Thresholds().as_dict(), "ambiguous_min_variability": round(0.2 + 0.02 * (k + 1), 2)}  # observers run synchronously
        times.append(1000 * (time.perf_counter() - t0))
    return float(np.median(counts)), float(np.median(times))


def browser_times(page_path: Path, repeats: int) -> tuple[float, float]:
    """Seconds from navigation to a drawn map with counts, and median ms of one slider move to recoloured points."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        page.goto(page_path.as_uri(), wait_until="load", timeout=120_000)
        page.wait_for_function("() => { const m = document.getElementById('map'); const c = document.getElementById('count-ambiguous-total');"
                               " return m && m._fullLayout && m.data && m.data[0].x.length && c && c.textContent.length; }", timeout=120_000)
        open_s = time.perf_counter() - t0
        times = []
        for k in range(repeats):
            ms = page.evaluate("""async v => {
                const s = document.getElementById('slider-ambiguous_min_variability'); const t0 = performance.now();
                s.value = v; s.dispatchEvent(new Event('input'));
                await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                return performance.now() - t0; }""", 0.2 + 0.02 * (k + 1))
            times.append(ms)
        browser.close()
    return open_s, float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=549_367)
    ap.add_argument("--sample-points", type=int, default=25_000, help="points drawn (counts always use every point)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default="bench/results/bench_datamap.json")
    a = ap.parse_args()
    t0 = time.perf_counter()
    table = synthetic_map(a.points)
    print(f"{len(table):,} synthetic points in {time.perf_counter() - t0:.1f} s", flush=True)
    counts_ms, redraw_ms = widget_redraw_ms(table, a.repeats)
    print(f"widget: exact counts {counts_ms:.0f} ms, slider -> redraw {redraw_ms:.0f} ms", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        page = write_datamap_html(table, Thresholds(), Path(tmp) / "datamap.html", a.sample_points, title="bench")
        write_s = time.perf_counter() - t0
        size_mb = page.stat().st_size / 2**20
        open_s, recolour_ms = browser_times(page, a.repeats)
    rows = [("JupyterLab live map: settled slider -> exact counts (kernel side)", f"{redraw_ms:.0f} ms", "<= 500 ms", redraw_ms <= 500),
            ("  of which exact counts over every point", f"{counts_ms:.0f} ms", "", None),
            ("datamap.html size", f"{size_mb:.1f} MB", "<= 25 MB", size_mb <= 25),
            ("datamap.html written in", f"{write_s:.1f} s", "", None),
            ("datamap.html opens (navigation to drawn map + counts)", f"{open_s:.2f} s", "<= 5 s", open_s <= 5),
            ("datamap.html recolour (slider input to next frame)", f"{recolour_ms:.0f} ms", "<= 150 ms", recolour_ms <= 150)]
    df = pd.DataFrame(rows, columns=["measure", "value", "goal", "met"])
    print(f"\n{a.points:,} points, {a.sample_points:,} drawn, median of {a.repeats}; headless Chromium (software GL)")
    print(df.to_string(index=False))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps({"points": a.points, "sample_points": a.sample_points, "widget_redraw_ms": redraw_ms,
                                       "exact_counts_ms": counts_ms, "html_mb": size_mb, "html_write_s": write_s, "open_s": open_s,
                                       "recolour_ms": recolour_ms}, indent=2))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()

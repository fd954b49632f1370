"""The shareable datamap.html in a real browser (Debian's headless Chromium): thresholds from the address, counts = Python's."""
from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
import pandas as pd

from nbutils.map.regions import Thresholds, assign_regions
from nbutils.map.shareable_page import write_datamap_html
from nbutils.labels import LABELS

pytestmark = pytest.mark.slow   # runs the pipeline, training processes or a browser: make test-fast leaves it out

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def table(n=20_000, seed=0):
    rng = np.random.default_rng(seed)
    conf = rng.random(n)
    return pd.DataFrame({"example_id": [f"x{i}" for i in range(n)], "premise": "A man runs.", "hypothesis": "A person moves.",
                         "gold_label": rng.integers(0, 3, n), "confidence": conf, "variability": rng.random(n) * 0.5,
                         "correctness": rng.random(n)})


def page_counts(path, fragment, tmp_path) -> dict[str, int]:
    assert shutil.which(CHROMIUM), "this test needs Debian's chromium: apt-get install chromium (.ci/run does)"
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
                          "--disable-background-networking", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                          "--virtual-time-budget=10000", "--dump-dom", f"file://{path}#{fragment}"],
                         capture_output=True, text=True, timeout=120)
    return {k: int(v) for k, v in re.findall(r'id="count-([a-z-]+)">(\d+)<', out.stdout)}


def test_page_counts_equal_python_counts_for_thresholds_in_the_address(tmp_path):
    t = table()
    path = write_datamap_html(t, Thresholds(), tmp_path / "datamap.html", sample_points=5000)
    chosen = Thresholds(easy_min_confidence=0.7, ambiguous_min_variability=0.2, hard_max_confidence=0.3)
    fragment = "&".join(f"{k}={v}" for k, v in chosen.as_dict().items())
    counts = page_counts(path, fragment, tmp_path)
    regions = assign_regions(t, chosen)
    for region in ("easy-to-learn", "ambiguous", "hard-to-learn", "other"):
        assert counts[f"{region}-total"] == int((regions == region).sum()), region
        for i, label in enumerate(LABELS):
            assert counts[f"{region}-{label}"] == int(((regions == region) & (t["gold_label"] == i)).sum())
    default = page_counts(path, "", tmp_path)
    assert default["easy-to-learn-total"] == int((assign_regions(t, Thresholds()) == "easy-to-learn").sum())
    assert default["easy-to-learn-total"] < counts["easy-to-learn-total"], "moving a threshold changes the counts"


def test_slider_moves_and_download_match_python(tmp_path):
    """Playwright drives Debian's chromium: move a real slider, read the counts, download the selected ids."""
    from playwright.sync_api import sync_playwright
    from support.labdriver import CHROMIUM_ARGS
    t = table(n=5000, seed=3)
    path = write_datamap_html(t, Thresholds(), tmp_path / "datamap.html", sample_points=2000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(accept_downloads=True)
        page.goto(path.as_uri())
        page.wait_for_function("() => document.getElementById('count-ambiguous-total')")
        before = int(page.inner_text("#count-ambiguous-total"))
        page.locator("#slider-ambiguous_min_variability").fill("0.2")
        after = {k: int(page.inner_text(f"#count-{k}-total")) for k in ("easy-to-learn", "ambiguous", "hard-to-learn", "other")}
        with page.expect_download() as download:
            page.click("#download")
        csv = pd.read_csv(download.value.path())
        assert "ambiguous_min_variability=0.2" in page.url
        browser.close()
    chosen = assign_regions(t, Thresholds(ambiguous_min_variability=0.2))
    assert after == {k: int((chosen == k).sum()) for k in after} and after["ambiguous"] != before
    want = t.assign(region=chosen)[chosen != "other"][["example_id", "region"]].reset_index(drop=True)
    assert csv.equals(want)


def test_the_browsers_threshold_rule_equals_pythons_on_every_drawn_point(tmp_path):
    """The component's regionCode and nbutils.map.regions.region_codes, on the same (float32) points, 20 random settings."""
    from playwright.sync_api import sync_playwright
    from nbutils.map.figures import sample_for_drawing
    from nbutils.map.regions import region_codes
    from support.labdriver import CHROMIUM_ARGS
    t = table(n=6000, seed=5)
    path = write_datamap_html(t, Thresholds(), tmp_path / "datamap.html", sample_points=3000)
    shown = sample_for_drawing(t.assign(region=assign_regions(t, Thresholds())), 3000)
    conf, var = (shown[c].to_numpy(np.float32).astype(np.float64) for c in ("confidence", "variability"))   # as the page holds them
    rng = np.random.default_rng(11)
    settings = []
    for _ in range(20):
        lo, hi = sorted(rng.uniform(0, 1, 2))
        settings.append(Thresholds(*rng.uniform(0, 1, 4).round(2), round(lo, 2), round(hi, 2), round(rng.uniform(0, 0.5), 2)))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(path.as_uri())
        page.wait_for_function("() => window.__datamap && document.getElementById('count-ambiguous-total')")
        got = [page.evaluate("t => window.__datamap.codesFor(t)", s.as_dict()) for s in settings]
        browser.close()
    for s, codes in zip(settings, got):
        assert codes == region_codes(conf, var, s).tolist(), s


def test_contradictory_bounds_are_said_beside_the_sliders_and_the_last_colouring_stays(tmp_path):
    from playwright.sync_api import sync_playwright
    from support.labdriver import CHROMIUM_ARGS
    t = table(n=3000, seed=4)
    path = write_datamap_html(t, Thresholds(), tmp_path / "datamap.html", sample_points=1000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--disable-3d-apis"])   # no WebGL
        page = browser.new_page()
        page.goto(path.as_uri())
        page.wait_for_function("() => document.getElementById('map').data && document.getElementById('count-ambiguous-total')")
        assert page.evaluate("() => document.getElementById('map').data[0].type") == "scatter"
        assert "no WebGL" in page.inner_text(".datamap-note")
        before = page.inner_text(".datamap-counts")
        page.locator("#slider-ambiguous_min_confidence").fill("0.9")   # above ambiguous_max_confidence (0.6)
        assert "ambiguous_min_confidence is above ambiguous_max_confidence" in page.inner_text("#msg")
        assert page.inner_text(".datamap-counts") == before and "ambiguous_min_confidence=0.4" in page.url
        page.locator("#slider-ambiguous_min_confidence").fill("0.5")
        assert page.inner_text("#msg") == "" and page.inner_text(".datamap-counts") != before
        browser.close()


def test_the_page_colours_by_annotator_agreement_where_the_pairs_carry_it(tmp_path):
    """A choice of colouring appears only with annotator labels; its codes are Python's; choosing it repaints the points."""
    from playwright.sync_api import sync_playwright
    from nbutils.map.figures import sample_for_drawing
    from nbutils.map.shareable_page import AGREEMENT_LEVELS
    from support.labdriver import CHROMIUM_ARGS
    t = table(n=3000, seed=6)
    rng = np.random.default_rng(6)
    votes = rng.choice([5, 4, 3], size=len(t), p=[0.5, 0.3, 0.2])   # how many of five chose the majority's label
    n = np.where(np.arange(len(t)) % 10 == 0, 1, 5)                # every tenth pair: its author's label alone
    t = t.assign(n_annotators=n, agreement=np.where(n == 1, 1.0, votes / 5),
                 human_dist=[np.array([v / 5, (5 - v) / 5, 0.0]) for v in votes])
    want = np.where(n == 1, 255, np.where(votes == 5, 0, np.where(votes == 4, 1, 2)))
    path = write_datamap_html(t, Thresholds(), tmp_path / "datamap.html", sample_points=1500)
    plain = write_datamap_html(table(n=500), Thresholds(), tmp_path / "plain.html")
    drawn = sample_for_drawing(t.assign(region=assign_regions(t, Thresholds())), 1500).index.to_numpy()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(plain.as_uri())
        page.wait_for_function("() => window.__datamap && document.getElementById('count-ambiguous-total')")
        assert page.locator("#colour-by").count() == 0, "no choice without annotator labels"
        page.goto(path.as_uri())
        page.wait_for_function("() => window.__datamap && document.querySelector('#points') && document.getElementById('count-ambiguous-total')")
        page.evaluate("() => window.__datamap.ready")
        by_region = page.evaluate("() => document.querySelector('#points').toDataURL()")
        page.select_option("#colour-by", "agreement")
        codes = page.evaluate("() => window.__datamap.agreementCodes()")
        key = page.inner_text(".datamap-key")
        by_agreement = page.evaluate("() => document.querySelector('#points').toDataURL()")
        colouring = page.evaluate("() => window.__datamap.colouring()")
        browser.close()
    assert codes == want[drawn].tolist()
    assert colouring == "agreement" and by_agreement != by_region
    assert all(level in key for level in AGREEMENT_LEVELS) and "no annotator labels" in key

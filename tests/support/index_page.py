"""Read a run's or a sweep's index.html in headless chromium: does the map image load, what does the answer table say."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .labdriver import browser_page


def read_index(index: Path, screenshot: Path | None = None) -> tuple[bool, pd.DataFrame]:
    """(the map image decoded with a size, or there is none; one row per answer cell: contrast, data, its data- numbers, its text)."""
    with browser_page(screenshot) as page:
        page.goto(index.resolve().as_uri())
        page.wait_for_load_state("load")
        image = page.evaluate("() => { const i = document.querySelector('#map img'); return i ? i.complete && i.naturalWidth > 0 : null; }")
        cells = page.evaluate("""() => {
            const heads = [...document.querySelectorAll('table.answer tr:first-child th')].map(h => h.textContent);
            return [...document.querySelectorAll('table.answer tr[data-contrast]')].flatMap(tr =>
                [...tr.querySelectorAll('td[data-diff]')].map(td => ({contrast: tr.dataset.contrast, data: heads[td.cellIndex],
                    diff: +td.dataset.diff, low: +td.dataset.low, high: +td.dataset.high, p: +td.dataset.p, text: td.innerText})));
        }""")
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
    return image, pd.DataFrame(cells)


def shown_points(x: float) -> str:
    """How the page writes a difference: signed points, one decimal, a real minus sign."""
    return f"{100 * x:+.1f}".replace("-", "−")

"""Drive a real JupyterLab in headless Chromium (Playwright, Debian's browser): run a notebook, move a map slider.

Used by the browser test of notebook 03's live map; nothing here is needed to use the workbook.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--disable-background-networking", "--no-first-run"]


@contextmanager
def jupyter_lab(root: Path, env: dict | None = None, timeout: float = 90):
    """A JupyterLab server on 127.0.0.1 serving root; yields its base URL with the token; stopped on exit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    state = Path(tempfile.mkdtemp(prefix="lab-state-"))
    tracker = state / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')  # every cell in the page, not only those scrolled into view
    env = {**os.environ, **(env or {}), "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"), "JUPYTERLAB_SETTINGS_DIR": str(state / "settings")}
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
                             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                             # kernels on Unix sockets and no other port tried: under pytest-xdist another worker may
                             # bind a TCP port between its pick and its use, and this must then fail, not move
                             "--KernelManager.transport=ipc", "--ServerApp.port_retries=0",
                             *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],  # CI runs as root
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"JupyterLab did not start: {proc.stdout.read()[-2000:] if proc.poll() is not None else 'timeout'}")
                time.sleep(0.5)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def browser_page(screenshot: Path | None = None):
    """A page of Debian's headless chromium (1500 x 1000); a full-page screenshot is kept when the block fails."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        try:
            yield page
        except Exception:
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
            raise
        finally:
            browser.close()


def run_all_cells(base: str, token: str, notebook: str, started_text: str, done_text: str, timeout_ms: int = 300_000,
                  screenshot: Path | None = None) -> str:
    """Open the notebook, Run All Cells, wait until done_text shows in an output; returns the page's output text.

    started_text: an early cell's output, the sign that Run All took (it is retried until then).
    """
    with browser_page(screenshot) as page:
        open_and_run_all(page, base, token, notebook, page.locator(".jp-OutputArea-output", has_text=started_text), 180_000)
        page.locator(".jp-OutputArea-output", has_text=done_text).first.wait_for(timeout=timeout_ms)
        return "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())


def open_and_run_all(page, base: str, token: str, notebook: str, ready, timeout_ms: int) -> tuple[float, float]:
    """Open the notebook and run every cell until `ready` (a locator) shows; a stalled Run All is restarted twice.

    Returns (seconds from the page load to the kernel idle, time.perf_counter() of the Run All that took)."""
    t0 = time.perf_counter()
    page.goto(f"{base}/lab/tree/{notebook}?token={token}", timeout=timeout_ms)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout_ms)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout_ms)
    opened = time.perf_counter() - t0
    page.wait_for_timeout(3000)  # the kernel reports idle a moment before its session settles
    for attempt in range(3):
        started = time.perf_counter()
        if attempt == 0:
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        else:  # a Run All can stall after the first cell while the kernel connection settles: start clean
            page.get_by_role("menuitem", name="Kernel", exact=True).click()
            page.get_by_role("menuitem", name="Restart Kernel and Run All Cells…").click()
            page.locator(".jp-Dialog-button.jp-mod-accept").click()
        try:
            ready.first.wait_for(timeout=timeout_ms // 3)
            return opened, started
        except Exception:
            if attempt == 2:
                raise


TO_PAGE = """([x, y]) => { const gd = document.querySelector('.datamap .js-plotly-plot'); const r = gd.getBoundingClientRect();
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis; return [r.left + xa._offset + xa.d2p(x), r.top + ya._offset + ya.d2p(y)]; }"""


def draw_lasso(page, vertices: list[tuple[float, float]]) -> None:
    """Drag the mouse around a polygon given in data coordinates (variability, confidence) on the live map."""
    page.locator(".datamap .js-plotly-plot").first.scroll_into_view_if_needed()   # mouse events need the map on screen
    page.wait_for_timeout(300)
    points = [page.evaluate(TO_PAGE, list(v)) for v in [*vertices, vertices[0]]]
    page.mouse.move(*points[0])
    page.mouse.down()
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for k in range(1, 11):
            page.mouse.move(x0 + (x1 - x0) * k / 10, y0 + (y1 - y0) * k / 10)
    page.mouse.up()


def click_and_read_status(page, button: str, expect: str) -> str:
    """Click a button under the live map and return the status line once it contains `expect`."""
    page.get_by_role("button", name=button).click()
    status = page.locator(".datamap-status", has_text=expect).first
    status.wait_for(timeout=30_000)
    return status.inner_text()


def run_notebook_and_move_slider(base: str, token: str, notebook: str, slider: str, value: float,
                                 timeout_ms: int = 180_000, screenshot: Path | None = None,
                                 lasso: list[tuple[float, float]] | None = None) -> tuple[str, str, list[str]]:
    """Open the notebook, Run All Cells, read the live counts table, set one slider; returns (counts before, after, and
    with `lasso`: the status lines after drawing it, saving, clearing it and saving again)."""
    with browser_page(screenshot) as page:
        row = page.locator(".datamap-slider", has_text=slider)
        open_and_run_all(page, base, token, notebook, row, timeout_ms)
        counts = page.locator(".datamap-counts table").first
        counts.wait_for(timeout=timeout_ms)
        before = counts.inner_text()
        drawn = page.wait_for_function("() => { const g = document.querySelector('.datamap .js-plotly-plot');"
                                       " return g && g.data && g.data.length && g.data[0].x && g.data[0].x.length; }", timeout=60_000)
        if not drawn.json_value():
            raise AssertionError("the live map drew no points")
        page.screenshot(path=str(screenshot), full_page=False) if screenshot is not None else None
        type_into_slider(page, row, value)
        page.wait_for_function("old => { const t = document.querySelector('.datamap-counts table'); return t && t.innerText !== old; }",
                               arg=before, timeout=30_000)
        after = page.locator(".datamap-counts table").first.inner_text()
        statuses = []
        if lasso:
            draw_lasso(page, lasso)
            page.locator(".datamap-status", has_text="pairs inside the selection").first.wait_for(timeout=30_000)
            statuses.append(page.locator(".datamap-status", has_text="pairs inside the selection").first.inner_text())
            statuses.append(click_and_read_status(page, "save selection", "saved"))
            statuses.append(click_and_read_status(page, "clear lasso", "selection cleared"))
            page.wait_for_timeout(500)
            statuses.append(click_and_read_status(page, "save selection", "saved"))
        return before, after, statuses


def type_into_slider(page, row, value: float) -> None:
    """Type a value into a slider's readout and press Enter, as a person setting an exact bound does."""
    row.locator(".datamap-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(f"{value}")
    page.keyboard.press("Enter")


def parse_counts(text: str) -> dict[str, int]:
    """Region -> total from the counts table's text (rows: region, per-label counts, total)."""
    out = {}
    for line in text.splitlines():
        cells = line.split("\t")
        if len(cells) > 2 and cells[-1].strip().isdigit():
            out[cells[0].strip()] = int(cells[-1])
    return out


def review_with_keys(base: str, token: str, notebook: str, keys: list[str], timeout_ms: int = 180_000,
                     screenshot: Path | None = None) -> tuple[list[str], int, int]:
    """Open the notebook, Run All, focus the review widget and press the keys ("m:text" writes a note), each after the
    last one's answer came back; returns the progress lines after each key and the notebook's cell count before and after."""
    with browser_page(screenshot) as page:
        open_and_run_all(page, base, token, notebook, page.locator(".review-card"), timeout_ms)
        cells = page.locator(".jp-Notebook .jp-Cell").count()
        page.locator(".review-card").first.click()
        lines = []
        for key in keys:
            before = page.locator(".review-progress").first.inner_text() + page.locator(".review-card").first.inner_text()
            if key.startswith("m:"):
                page.keyboard.press("m")
                page.locator(".review-note").first.fill(key[2:])
                page.locator(".review-note").first.press("Enter")
                continue
            page.keyboard.press(key)
            page.wait_for_function("old => { const p = document.querySelector('.review-progress'), c = document.querySelector('.review-card');"
                                   " return p && c && p.innerText + c.innerText !== old; }", arg=before, timeout=30_000)
            lines.append(page.locator(".review-progress").first.inner_text())
        page.wait_for_timeout(500)
        return lines, cells, page.locator(".jp-Notebook .jp-Cell").count()

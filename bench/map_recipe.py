"""How far a CPU map can be trusted: train one map recipe on real SNLI with planted noise, then score the map.

Runs `python -m nbutils train` (what notebooks 01-02 do) with the snli-cpu profile plus the given settings and 5% of
the training labels flipped, times it, then reports for the map: accuracy on the run's SNLI validation pairs, ROC AUC
and precision at k of (1 − confidence) and AUM for the flipped pairs, and agreement of its rank-mode regions (33%
each, as the paper) with the published RoBERTa-large map the shared subset carries. Appends one row to a CSV and
prints every row so far, so the table of recipes tried grows run by run.

    python bench/map_recipe.py --name base -p limit_train=20000 -p epochs=3
    python bench/map_recipe.py --name evalpass -p limit_train=20000 -p epochs=2 -p dynamics_mode=eval_pass -p logs_per_epoch=3
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from nbutils import paths  # noqa: E402
from nbutils.compare.predict import predict  # noqa: E402
from nbutils.data.splits import read_split  # noqa: E402
from nbutils.map import migration, noise_check, reference  # noqa: E402
from nbutils.map.stage import run_stage  # noqa: E402
from nbutils.map.regions import Thresholds  # noqa: E402
from nbutils.train.models import load_model_and_tokenizer, trained_max_length  # noqa: E402

FIXED = ["-p", "plant_noise=0.05", "-p", "limit_validation=2000", "-p", "contrast_files=[]", "-p", "selection_pairs=1000"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True, help="the recipe's row name (and run folder map-recipe-<name>)")
    ap.add_argument("-p", dest="params", action="append", default=[], metavar="KEY=VALUE", help="a profile override")
    ap.add_argument("--profile", default="snli-cpu")
    ap.add_argument("--skip-train", action="store_true", help="score an earlier run of this name again")
    ap.add_argument("--out", default=str(ROOT / "bench/results/map_recipes.csv"))
    a = ap.parse_args()
    run = f"map-recipe-{a.name}"
    overrides = [x for kv in a.params for x in ("-p", kv)]
    seconds = float("nan")
    if not a.skip_train:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nbutils", "train", "--profile", a.profile, "--run-name", run, *FIXED, *overrides],
                       cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        seconds = time.perf_counter() - start
    row = {"recipe": a.name, "settings": " ".join(a.params), "train_min": round(seconds / 60, 1), **score(run)}
    out = Path(a.out)
    table = pd.concat([pd.read_csv(out), pd.DataFrame([row])]) if out.exists() else pd.DataFrame([row])
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    print(table.to_string(index=False))


def score(run: str) -> dict:
    """Validation accuracy, noise-finding and RoBERTa agreement of one trained run's map."""
    table = run_stage(run, Thresholds(), "rank", 33.0).table
    check = noise_check.check_table(table)
    k = int(table["noise_flipped"].sum())
    model, tok = load_model_and_tokenizer(str(paths.run_dir(run) / "model"))
    val = read_split(run, "validation")
    start = time.perf_counter()
    acc = float((predict(model, tok, val, trained_max_length(str(paths.run_dir(run) / "model")))["pred_label"] == val["gold_label"]).mean())
    ref = reference.from_train_column(table)
    lift = reference.agreement_table(table, ref)["lift"]
    kappa = migration.agreement(ref, table, reference.as_moves(table, ref))["cohens_kappa"].iloc[0]
    hard = noise_check.hard_region_table(table).iloc[0]
    return {"pairs": len(table), "validation_acc": round(acc, 3), "validation_pairs": len(val),
            "auc_confidence": round(check.loc["1 − confidence", "roc_auc"], 3), "auc_aum": round(check.loc["−AUM", "roc_auc"], 3),
            "precision_at_k": round(check.loc["1 − confidence", f"precision_at_{k}"], 3), "k": k,
            "hard_recall": round(float(hard["recall"]), 3),
            "roberta_ambiguous_lift": round(float(lift.get("ambiguous", float("nan"))), 2),
            "roberta_hard_lift": round(float(lift.get("hard-to-learn", float("nan"))), 2), "roberta_kappa": round(float(kappa), 3),
            "predict_s": round(time.perf_counter() - start, 1)}


if __name__ == "__main__":
    main()

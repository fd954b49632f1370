"""Notebook 05's stage: every model of a run on validation, test (if loaded) and each contrast set, side by side.

Files written by `save`: comparison.csv (per data set and model: pairs, accuracy, 95% CI, difference to the baseline
with its CI, fixed, broken, McNemar p, mcnemar_p_holm: Holm-adjusted over the data sets, per model), contrasts.csv (per
arm contrast and data set: diff = first arm's accuracy minus the second's, its CI, fixed, broken, McNemar p, Holm-adjusted
p, accuracy_first), consistency.csv, flips.csv, predictions/ (nbutils.compare.predict), across_runs.csv
(nbutils.compare.replicates).
"""
from __future__ import annotations

import pandas as pd

from .. import paths
from ..data.splits import read_contrasts, read_split
from ..errors import WorkbookError
from ..map.table import read_map
from ..retrain.arms import ARMS
from ..retrain.mix import read_mix_ids
from ..retrain.stage import trained_arms
from ..train.models import load_model_and_tokenizer
from .flips import flips
from .human import NOT_UNANIMOUS
from .predict import predict
from .statistics import compare, consistency, holm, label_metrics

# selected vs random is the question itself; the others separate the selection from the schedule, and test the paper's recipe
ARM_CONTRASTS = (("selected", "random"), ("selected_plain", "random"), ("selected", "selected_plain"), ("paper", "paper_random"),
                 ("paper_mixed", "paper_mixed_random"), ("paper_mixed", "paper"), ("cleaned", "all_mapped"),
                 ("cleaned", "cleaned_random_drop"))

Predictions = dict[tuple[str, str], pd.DataFrame]  # (model, data set) -> predictions table


def eval_sets(run_name: str, region_pairs: int = 0, seed: int = 42) -> dict[str, pd.DataFrame]:
    """Validation, test when the run loaded one, every contrast set, and (region_pairs > 0) training pairs per region."""
    sets = {"validation": read_split(run_name, "validation")}
    if (paths.run_data_dir(run_name) / "test.parquet").exists():
        sets["test"] = read_split(run_name, "test")
    sets.update(read_contrasts(run_name))
    if region_pairs:
        sets.update(region_sets(run_name, region_pairs, seed))
    return sets


def region_sets(run_name: str, n: int, seed: int = 42) -> dict[str, pd.DataFrame]:
    """Up to n training pairs of each map region that the retraining did not see (named train_<region>)."""
    table = read_map(run_name)
    table = table[~table["example_id"].isin(read_mix_ids(run_name))]
    if "consensus_label" in table.columns:   # trained on the author's label (label_source): scored against the consensus
        table = table.assign(gold_label=table["consensus_label"])
    cols, out = ["example_id", "premise", "hypothesis", "gold_label"], {}
    for region in ("easy-to-learn", "ambiguous", "hard-to-learn"):
        g = table[table["region"] == region]
        if len(g):
            out[f"train_{region}"] = g.sample(n=min(n, len(g)), random_state=seed)[cols].reset_index(drop=True)
        else:
            print(f"train_{region}: no pair of this region is left outside the retraining set; not evaluated")
    return out


def run_stage(run_name: str, models: list[str], max_length: int = 128, batch_size: int = 256,
                region_pairs: int = 0, seed: int = 42) -> Predictions:
    """Predictions of each model on each evaluation set; models [] means notebook 02's model and every arm of notebook 04."""
    sets, out = eval_sets(run_name, region_pairs, seed), {}
    for name in models or default_models(run_name):
        folder = model_folder(run_name, name)
        if not (folder / "config.json").exists():
            raise WorkbookError(f"{folder} holds no trained model; run notebook {'02' if name == 'model' else '04'} first.")
        model, tok = load_model_and_tokenizer(str(folder), max_length=max_length)
        for data, table in sets.items():
            out[(name, data)] = predict(model, tok, table, max_length, batch_size)
    return out


def comparison_table(preds: Predictions, baseline: str, n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Accuracy, 95% CI, difference to the baseline with CI, McNemar p and its Holm adjustment over the data sets."""
    parts = []
    for data in dict.fromkeys(d for _, d in preds):
        group = {m: p for (m, d), p in preds.items() if d == data}
        parts.append(compare(group, baseline, n_resamples, seed).assign(data=data))
    table = pd.concat(parts).reset_index()
    table["mcnemar_p_holm"] = holm_by(table, "model")
    return table.set_index(["data", "model"])


def contrast_table(preds: Predictions, pairs: tuple[tuple[str, str], ...] = ARM_CONTRASTS, n_resamples: int = 2000,
                   seed: int = 0) -> pd.DataFrame:
    """Arms against each other on every data set (first minus second), with paired CI, McNemar p and Holm's adjustment."""
    models = {m for m, _ in preds}
    rows = []
    for first, second in [(a, b) for a, b in pairs if a in models and b in models]:
        for data in dict.fromkeys(d for _, d in preds):
            row = compare({second: preds[(second, data)], first: preds[(first, data)]}, second, n_resamples, seed).loc[first]
            rows.append({"data": data, "contrast": f"{first} − {second}", **row.drop(["accuracy", "ci_low", "ci_high"]).to_dict(),
                         "accuracy_first": row["accuracy"]})
    if not rows:
        return pd.DataFrame()
    table = pd.DataFrame(rows)
    table["mcnemar_p_holm"] = holm_by(table, "contrast")
    return table.set_index(["contrast", "data"])


def holm_by(table: pd.DataFrame, family: str) -> pd.Series:
    """Holm-adjusted McNemar p-values, one family per value of `family` (a model or a contrast) across its data sets."""
    adjusted = pd.Series(float("nan"), index=table.index)
    for _, g in table[table["mcnemar_p"].notna()].groupby(family):
        adjusted[g.index] = holm(g["mcnemar_p"].to_numpy())
    return adjusted


def model_names(preds: Predictions) -> list[str]:
    """The models predicted, baseline first, in the order they were run."""
    return list(dict.fromkeys(m for m, _ in preds))


def default_models(run_name: str) -> list[str]:
    """Notebook 02's model first (the baseline), then every arm notebook 04 trained."""
    return ["model", *trained_arms(run_name)]


def model_folder(run_name: str, name: str):
    """`model` is notebook 02's, an arm's name is notebook 04's `arms/<arm>/`, anything else a folder of the run."""
    run = paths.run_dir(run_name)
    return run / "arms" / name if name in ARMS else run / name


def label_table(preds: Predictions, data: str) -> pd.DataFrame:
    """Per-label precision/recall/F1 of each model on one data set."""
    return pd.concat({m: label_metrics(p) for (m, d), p in preds.items() if d == data}, names=["model"])


def consistency_table(run_name: str, preds: Predictions) -> pd.DataFrame:
    """Per contrast set, model and perturbation: accuracy on perturbed pairs and originals, and consistency."""
    parts = {}
    contrast_names = set(read_contrasts(run_name))
    for (model, data), p in preds.items():
        if data in contrast_names and "original_id" in p.columns:
            parts[(data, model)] = consistency(p, preds.get((model, "validation")))
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, names=["contrast_set", "model"])


def flip_table(run_name: str, preds: Predictions, base: str, new: str, data: str = "validation") -> pd.DataFrame:
    """Pairs of one data set fixed or broken by the new model, with text."""
    text = read_split(run_name, data) if data in ("validation", "test") else read_contrasts(run_name)[data]
    return flips(preds[(base, data)], preds[(new, data)], text, f"run {run_name!r}'s {data} pairs")


def save(run_name: str, preds: Predictions, table: pd.DataFrame, consistency_df: pd.DataFrame, flips_df: pd.DataFrame,
         across: pd.DataFrame | None = None, contrasts: pd.DataFrame | None = None) -> str:
    """Write the comparison, contrasts, consistency, flips, across-run and every predictions table; returns a one-line summary."""
    out = paths.run_dir(run_name)
    (out / "predictions").mkdir(exist_ok=True)
    kept = {k: p for k, p in preds.items() if not k[1].endswith(NOT_UNANIMOUS)}   # subsets of the sets kept beside them
    for (model, data), p in kept.items():
        p.to_parquet(out / "predictions" / f"{model}__{data}.parquet", index=False)
    table.to_csv(out / "comparison.csv")
    consistency_df.to_csv(out / "consistency.csv")
    flips_df.to_csv(out / "flips.csv", index=False)
    written = "comparison.csv, consistency.csv, flips.csv"
    if contrasts is not None and len(contrasts):
        contrasts.to_csv(out / "contrasts.csv")
        written += ", contrasts.csv"
    if across is not None and len(across):
        across.to_csv(out / "across_runs.csv")
        written += ", across_runs.csv"
    return f"wrote {written} and {len(kept)} prediction tables to {out.name}/"

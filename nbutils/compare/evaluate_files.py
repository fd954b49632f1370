"""`python -m nbutils evaluate`: any trained model folder on any data or contrast files, outside a run."""
from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.pairs import dataset_name, load_pairs
from ..train.models import load_model_and_tokenizer, require_trained_classifier, trained_max_length
from .human import file_entry
from .predict import predict
from .statistics import accuracy_by, bootstrap_ci, confusion, consistency, label_metrics


def evaluate_files(model_dir: str, data: list[str], out: Path, max_length: int | None = None, batch_size: int = 256) -> dict:
    """Write metrics.json and <data>.predictions.parquet per file into out; returns the metrics.

    Each file gets a unique name (its file name without extensions; the folder's name when two clash). Contrast pairs
    find their originals in the same file or in any other file passed (e.g. the validation split); consistency is
    reported only where perturbed pairs and their originals exist. Rows without one gold label but with
    `allowed_labels` are scored apart (right when the prediction is one of them). With a `perturbation` or `category`
    column, accuracy is also given per value, and on the perturbed pairs alone. max_length: the length the model was
    trained with, capped at its positions, unless given.
    """
    require_trained_classifier(model_dir)
    max_length = max_length or trained_max_length(model_dir)
    model, tok = load_model_and_tokenizer(model_dir, max_length=max_length)
    out.mkdir(parents=True, exist_ok=True)
    metrics = {"model": model_dir, "max_length": max_length}
    loaded = {}
    for path in data:   # every file is checked before anything is predicted
        loaded[dataset_name(path, set(loaded))] = (path, *load_pairs(path, keep_allowed=True))
    preds = {name: predict(model, tok, table, max_length, batch_size) for name, (_, table, _) in loaded.items()}
    for name, (path, table, report) in loaded.items():
        pred = preds[name]
        pred.to_parquet(out / f"{name}.predictions.parquet", index=False)
        metrics[name] = _file_metrics(name, path, report, pred, [p for n, p in preds.items() if n != name])
    (out / "metrics.json").write_text(json.dumps(strict_json(metrics), indent=2, allow_nan=False))
    return metrics


def _file_metrics(name: str, path: str, report, pred: pd.DataFrame, others: list[pd.DataFrame]) -> dict:
    """One file's entry of metrics.json, printed as one line."""
    gold = pred[pred["gold_label"] >= 0]
    ok = (gold["pred_label"] == gold["gold_label"]).to_numpy()
    entry = {"file": str(path), "load": report.as_dict(), "pairs": len(gold), "accuracy": float(ok.mean()) if len(ok) else None,
             "accuracy_ci95": bootstrap_ci(ok) if len(ok) else None, "per_label": label_metrics(gold).to_dict(orient="index"),
             "confusion": confusion(gold).to_dict(orient="index")}
    if len(gold) < len(pred):   # pairs right when the prediction is one of their allowed labels, counted apart
        extra = pred[pred["gold_label"] < 0]
        right = [p in allowed for p, allowed in zip(extra["pred_label"], extra["allowed_labels"])]
        entry.update(allowed_labels_pairs=len(extra), allowed_labels_accuracy=float(np.mean(right)))
    for column in ("perturbation", "category"):
        if column in gold.columns and gold[column].notna().any():
            entry[f"accuracy_by_{column}"] = accuracy_by(gold, column).to_dict(orient="index")
    if "perturbation" in gold.columns:
        perturbed = gold["perturbation"].notna() & (gold["perturbation"] != "original")
        if perturbed.any():
            entry["accuracy_perturbed"] = float(ok[perturbed.to_numpy()].mean())
    human = file_entry(gold)
    if human is not None:   # against the people who labelled the pairs (nbutils.compare.human)
        entry["human"] = human
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cons = consistency(gold, pd.concat(others) if others else None)   # originals may sit in another --data file
    for w in caught:
        print(f"warning: {path}: {w.message}", file=sys.stderr)
        entry.setdefault("warnings", []).append(str(w.message))
    if len(cons):
        entry["consistency"] = cons.to_dict(orient="index")
    print(f"{name}: {len(gold):,} pairs, accuracy {entry['accuracy'] if entry['accuracy'] is None else round(entry['accuracy'], 4)}"
          + (f", {entry['allowed_labels_pairs']:,} scored by allowed labels: {entry['allowed_labels_accuracy']:.4f}" if "allowed_labels_pairs" in entry else "")
          + (f", consistency {cons['consistency'].round(3).to_dict()}" if len(cons) else "")
          + (f"; against {human['annotators']} annotators: accuracy by agreement "
             f"{ {k: round(v, 4) for k, v in human['accuracy_by_agreement'].items()} }, Jensen-Shannon distance "
             f"{human['jensen_shannon_distance']:.4f}" if human else ""))
    return entry


def strict_json(value):
    """Plain JSON values: NaN and infinities become null, NumPy numbers Python ones (JavaScript's JSON.parse reads it)."""
    if isinstance(value, dict):
        return {str(k): strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [strict_json(v) for v in value]
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value

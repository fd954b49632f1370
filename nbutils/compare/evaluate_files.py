"""`python -m nbutils evaluate`: any trained model folder on any data or contrast files, outside a run."""
from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pandas as pd

from ..data.pairs import load_pairs
from ..train.models import load_model_and_tokenizer, require_trained_classifier
from .predict import predict
from .statistics import bootstrap_ci, confusion, consistency, label_metrics


def evaluate_files(model_dir: str, data: list[str], out: Path, max_length: int = 128, batch_size: int = 256) -> dict:
    """Write metrics.json and <data>.predictions.parquet per file into out; returns the metrics.

    Contrast pairs find their originals in the same file or in any other file passed (e.g. the validation split).
    """
    require_trained_classifier(model_dir)
    model, tok = load_model_and_tokenizer(model_dir, max_length=max_length)
    out.mkdir(parents=True, exist_ok=True)
    metrics = {"model": model_dir}
    loaded = {Path(path).name.split(".")[0]: (path, *load_pairs(path)) for path in data}  # every file checked before predicting
    preds = {name: predict(model, tok, table, max_length, batch_size) for name, (_, table, _) in loaded.items()}
    for name, (path, table, report) in loaded.items():
        pred = preds[name]
        pred.to_parquet(out / f"{name}.predictions.parquet", index=False)
        ok = (pred["pred_label"] == pred["gold_label"]).to_numpy()
        entry = {"file": str(path), "load": report.as_dict(), "pairs": len(pred), "accuracy": float(ok.mean()),
                 "accuracy_ci95": bootstrap_ci(ok), "per_label": label_metrics(pred).to_dict(orient="index"),
                 "confusion": confusion(pred).to_dict(orient="index")}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            others = [p for n, p in preds.items() if n != name]  # originals may sit in another --data file
            cons = consistency(pred, pd.concat(others) if others else None)
        for w in caught:
            print(f"warning: {path}: {w.message}", file=sys.stderr)
            entry.setdefault("warnings", []).append(str(w.message))
        if len(cons):
            entry["consistency"] = cons.to_dict(orient="index")
        metrics[name] = entry
        print(f"{name}: {len(pred):,} pairs, accuracy {ok.mean():.4f}"
              + (f", consistency {cons['consistency'].round(3).to_dict()}" if len(cons) else ""))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=float))
    return metrics

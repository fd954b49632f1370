"""A model's predictions on a pair table, the table every comparison starts from.

`predictions/<model>__<data>.parquet` (per model and data set, written by notebook 05): example_id, gold_label,
pred_label, prob_entailment, prob_neutral, prob_contradiction (+ original_id, perturbation for contrast sets; + n_annotators,
agreement, human_dist where the set carries annotator labels).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..labels import LABELS
from ..train.dynamics import softmax
from ..train.trainer import predict_pairs

PROB_COLUMNS = [f"prob_{l}" for l in LABELS]
HUMAN_COLUMNS = ("n_annotators", "agreement", "human_dist")   # where the scored set has annotator labels (compare.human)


def predict(model, tokenizer, table: pd.DataFrame, max_length: int = 128, batch_size: int = 256) -> pd.DataFrame:
    """Predictions table for a pair table (order kept)."""
    probs = softmax(np.asarray(predict_pairs(model, tokenizer, table, max_length, batch_size), dtype=np.float64))
    out = pd.DataFrame({"example_id": table["example_id"].to_numpy(), "gold_label": table["gold_label"].to_numpy(),
                        "pred_label": probs.argmax(axis=1)})
    out[PROB_COLUMNS] = probs
    for col in ("original_id", "perturbation", "category", "allowed_labels", *HUMAN_COLUMNS):
        if col in table.columns:
            out[col] = table[col].to_numpy()
    return out

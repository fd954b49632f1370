"""Which label the training pairs are trained on: the file's consensus (`gold`) or the first annotator's
(`first_annotator`, in SNLI the author's own), a real-noise setting whose mistakes are SNLI's own, not planted ones.

Under `first_annotator` the train split's `gold_label` becomes the pair's `first_label` and `consensus_label` keeps the
file's label beside it, for the checks against people. Only the train split changes: the model-selection slice,
validation, test and contrast sets keep their consensus labels, so every figure is still scored against people.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import WorkbookError

SOURCES = ("gold", "first_annotator")


def check(label_source: str, train_file: str, train: pd.DataFrame | None) -> None:
    """first_annotator needs a training file whose pairs carry their annotators' labels in order; refused otherwise."""
    if label_source == "gold":
        return
    why = ""
    if train_file == "demo":
        why = "the demo generator makes no annotator labels"
    elif train_file.startswith("hub:"):
        why = "the hub's SNLI carries no annotator labels (only the consensus label)"
    elif train is not None and "first_label" not in train.columns:
        why = "the training file carries no annotator labels (annotator_labels, label_count or label_dist)"
    elif train is not None and (train["first_label"] < 0).all():
        why = "the training file gives its annotator labels as counts or shares, which keep no order: no label is the first"
    if why:
        raise WorkbookError(f"label_source={label_source}: {why}. It trains on the first annotator's label and needs a file "
                            "with SNLI's annotator_labels lists, such as ../shared/data/snli_validation (the snli-human "
                            "profile). Use label_source=gold for this file.")


def apply(train: pd.DataFrame, label_source: str) -> tuple[pd.DataFrame, int]:
    """The train split trained on `label_source`'s label, and how many pairs' labels that changed."""
    if label_source == "gold":
        return train, 0
    first = train["first_label"].to_numpy()
    gold = train["gold_label"].to_numpy()
    trained = np.where(first >= 0, first, gold)
    return train.assign(consensus_label=gold, gold_label=trained.astype(gold.dtype)), int((trained != gold).sum())

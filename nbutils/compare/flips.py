"""The pairs one model fixed or broke against another, joined back to their text only when the ids and labels match."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from ..labels import LABELS


def check_predictions_match(pred: pd.DataFrame, table: pd.DataFrame, what: str) -> None:
    """Predictions are joined to text only if they were made on this very table (same ids, same gold labels)."""
    gold = dict(zip(table["example_id"], table["gold_label"]))
    missing = ~pred["example_id"].isin(gold.keys())
    if missing.any():
        raise WorkbookError(f"{int(missing.sum()):,} of {len(pred):,} predictions have ids that are not in {what} "
                            f"(e.g. {pred['example_id'][missing].iloc[0]!r}): they were made on another data file. "
                            "Predict on this file again (python -m nbutils evaluate --data ...).")
    differ = pred["gold_label"].to_numpy() != pred["example_id"].map(gold).to_numpy()
    if differ.any():
        raise WorkbookError(f"{int(differ.sum()):,} predictions carry gold labels that differ from {what} "
                            f"(e.g. {pred['example_id'][differ].iloc[0]!r}): the file changed since they were made. Predict again.")


def flips(base: pd.DataFrame, new: pd.DataFrame, text: pd.DataFrame, text_name: str = "the text table") -> pd.DataFrame:
    """Pairs fixed or broken by the new model, with their text."""
    check_predictions_match(base, text, text_name)
    b_ok, n_ok = base["pred_label"] == base["gold_label"], new["pred_label"] == new["gold_label"]
    kind = np.select([~b_ok & n_ok, b_ok & ~n_ok], ["fixed", "broken"], default="")
    names = dict(enumerate(LABELS))
    out = pd.DataFrame({"example_id": base["example_id"], "flip": kind, "gold": base["gold_label"].map(names),
                        "before": base["pred_label"].map(names), "after": new["pred_label"].map(names)})
    out = out[out["flip"] != ""]
    return out.merge(text[["example_id", "premise", "hypothesis"]], on="example_id", how="left")

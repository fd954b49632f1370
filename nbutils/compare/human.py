"""Every model against the people who labelled the pairs, where a scored set carries annotator labels (SNLI's own
validation and test files do; the hub's copy does not).

Only the pairs several people labelled count (nbutils.data.annotators.voted); each table says how many those are.
- Accuracy per agreement level (5/5, 4/5, 3/5, ...) beside the overall accuracy on those pairs.
- The pairs people did not all agree on as their own data set (`<data> · not unanimous`), so notebook 05's
  comparison and arm contrasts, with their paired intervals, have rows for them.
- Against the human label distribution, as ChaosNLI (Nie et al., 2020) reports it: the Jensen-Shannon distance
  (scipy's `jensenshannon`, natural log) and KL(human || model), each model's probabilities clipped at 1e-15, both
  averaged over the pairs; and accuracy against the label most annotators chose (all of them, not the consensus
  label alone; a prediction among tied labels counts as right). Five labels a pair make a coarse distribution (a
  share is a multiple of 0.2): the tables say how many annotators stand behind each figure.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.annotators import agreement_counts, agreement_levels, voted
from .predict import PROB_COLUMNS

NOT_UNANIMOUS = " · not unanimous"
NO_LABELS = "no annotator labels in this data"
CLIP = 1e-15


def with_not_unanimous(preds: dict) -> dict:
    """The predictions, plus each set with annotator labels restricted to the pairs not all annotators agreed on."""
    out = dict(preds)
    for (model, data), pred in preds.items():
        split = voted(pred) & (pred["agreement"].to_numpy() < 1 - 1e-9) if "agreement" in pred.columns else np.zeros(0, bool)
        if split.any():
            out[(model, data + NOT_UNANIMOUS)] = pred[split].reset_index(drop=True)
    return out


def agreement_table(preds: dict) -> pd.DataFrame | None:
    """Per data set and model: pairs, overall accuracy, and accuracy (and pairs) at each agreement level."""
    rows = []
    for model, data, pred in _with_votes(preds):
        right = (pred["pred_label"] == pred["gold_label"]).to_numpy()
        level = agreement_levels(pred)
        row = {"data": data, "model": model, "pairs": len(pred), "accuracy": right.mean()}
        for name in agreement_counts(pred).index:
            at = (level == name).to_numpy()
            row[f"accuracy {name}"] = right[at].mean()
            row[f"pairs {name}"] = int(at.sum())
        rows.append(row)
    return pd.DataFrame(rows).set_index(["data", "model"]) if rows else None


def distribution_table(preds: dict) -> pd.DataFrame | None:
    """Per data set and model: the distance to the human label distribution, and accuracy against all annotators."""
    from scipy.spatial.distance import jensenshannon
    from scipy.special import rel_entr
    rows = []
    for model, data, pred in _with_votes(preds):
        human = np.stack(pred["human_dist"].to_numpy())
        probs = np.clip(pred[PROB_COLUMNS].to_numpy(dtype=np.float64), CLIP, 1.0)
        probs = probs / probs.sum(axis=1, keepdims=True)
        most = human >= human.max(axis=1, keepdims=True) - 1e-9
        chosen = most[np.arange(len(pred)), pred["pred_label"].to_numpy()]
        rows.append({"data": data, "model": model, "pairs": len(pred), "annotators": annotators_line(pred),
                     "jensen_shannon_distance": float(jensenshannon(human, probs, axis=1).mean()),
                     "kl_human_model": float(rel_entr(human, probs).sum(axis=1).mean()),
                     "accuracy_vs_all_annotators": float(chosen.mean()),
                     "accuracy_vs_consensus": float((pred["pred_label"] == pred["gold_label"]).mean())})
    return pd.DataFrame(rows).set_index(["data", "model"]) if rows else None


def _with_votes(preds: dict):
    """(model, data set, its pairs several people labelled) for each whole set that has such pairs."""
    for (model, data), pred in preds.items():
        if voted(pred).any() and not data.endswith(NOT_UNANIMOUS):
            yield model, data, pred[voted(pred)]


def annotators_line(pred: pd.DataFrame) -> str:
    """How many annotators stand behind a set's figures: '5 a pair (4 on 11 pairs)'; 'unknown (shares only)'."""
    counts = pred["n_annotators"].value_counts()
    if counts.index.max() == 0:
        return "unknown (shares only)"
    usual = int(counts.idxmax())
    others = ", ".join(f"{int(k)} on {int(n):,} pairs" for k, n in counts.items() if k != usual)
    return f"{usual} a pair" + (f" ({others})" if others else "")


def file_entry(pred: pd.DataFrame) -> dict | None:
    """`nbutils evaluate`'s figures against people for one scored file (None without annotator labels)."""
    if not voted(pred).any():
        return None
    pred = pred[voted(pred)]
    by_level = agreement_table({("model", "file"): pred}).iloc[0]
    dist = distribution_table({("model", "file"): pred}).iloc[0]
    usual = int(pred["n_annotators"].value_counts().idxmax())
    return {"annotators": dist["annotators"],
            "coarse": f"{usual} labels a pair: each share is a multiple of 1/{usual}" if 0 < usual <= 10 else None,
            "accuracy_by_agreement": {k.removeprefix("accuracy "): float(v) for k, v in by_level.items() if k.startswith("accuracy ")},
            "pairs_by_agreement": {k.removeprefix("pairs "): int(v) for k, v in by_level.items() if k.startswith("pairs ")},
            **{k: float(dist[k]) for k in ("jensen_shannon_distance", "kl_human_model", "accuracy_vs_all_annotators")}}

"""Statistics of predictions: per-label scores, confusion, contrast consistency, bootstrap intervals, paired comparison."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..labels import LABELS


def label_metrics(pred: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall and F1 per label."""
    rows = []
    for i, name in enumerate(LABELS):
        tp = int(((pred["pred_label"] == i) & (pred["gold_label"] == i)).sum())
        p = tp / max(int((pred["pred_label"] == i).sum()), 1)
        r = tp / max(int((pred["gold_label"] == i).sum()), 1)
        rows.append({"label": name, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0})
    return pd.DataFrame(rows).set_index("label")


def confusion(pred: pd.DataFrame) -> pd.DataFrame:
    """Gold (rows) × predicted (columns) counts."""
    names = dict(enumerate(LABELS))
    return pd.crosstab(pred["gold_label"].map(names), pred["pred_label"].map(names)).reindex(index=LABELS, columns=LABELS, fill_value=0)


def consistency(pred: pd.DataFrame, originals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per perturbation: accuracy on perturbed pairs, on their originals, and both right (consistency).

    Originals are looked up by `original_id` among the same predictions (rows whose perturbation is 'original')
    and then in `originals` (e.g. the validation predictions). Unmatched ids are counted, not hidden.
    """
    if "original_id" not in pred.columns:
        return pd.DataFrame()
    kinds = pred["perturbation"] if "perturbation" in pred.columns else pd.Series("perturbed", index=pred.index)
    is_perturbed = pred["original_id"].notna() & (pred["original_id"] != pred["example_id"]) & kinds.notna() & (kinds != "original")
    if not is_perturbed.any():   # e.g. an SNLI split exported with original_id = its own id: no contrast pairs in it
        return pd.DataFrame()
    pool = pd.concat([pred, originals]) if originals is not None else pred
    right = dict(zip(pool["example_id"], pool["pred_label"] == pool["gold_label"]))
    if "perturbation" in pred.columns:  # a contrast set that carries its originals: match them by original_id first
        own = pred[pred["perturbation"] == "original"]
        right.update(zip(own["original_id"], own["pred_label"] == own["gold_label"]))
    rows = []
    perturbed = pred[is_perturbed]
    unmatched = int((~perturbed["original_id"].isin(right.keys())).sum())
    if unmatched:
        warnings.warn(f"{unmatched:,} of {len(perturbed):,} contrast pairs have an original_id that matches no pair "
                      f"(in the contrast set itself or the originals given); their originals are left out of consistency "
                      f"(see originals_found).", stacklevel=2)
    for kind, g in perturbed.groupby(kinds[is_perturbed]):
        matched = g["original_id"].map(right)
        ok = matched.notna()
        pert_right = (g["pred_label"] == g["gold_label"])
        rows.append({"perturbation": kind, "pairs": len(g), "originals_found": int(ok.sum()),
                     "accuracy_perturbed": pert_right.mean(), "accuracy_original": matched[ok].astype(bool).mean() if ok.any() else np.nan,
                     "consistency": (pert_right[ok] & matched[ok].astype(bool)).mean() if ok.any() else np.nan})
    return pd.DataFrame(rows).set_index("perturbation")


def accuracy_by(pred: pd.DataFrame, column: str) -> pd.DataFrame:
    """Pairs and accuracy per value of a column (a contrast set's perturbation, a challenge set's category)."""
    right = pred["pred_label"] == pred["gold_label"]
    return right.groupby(pred[column].fillna("(none)")).agg(pairs="size", accuracy="mean")


def bootstrap_ci(correct: np.ndarray, n_resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of a mean (scipy.stats.bootstrap)."""
    from scipy.stats import bootstrap
    if len(correct) < 2 or np.all(correct == correct[0]):
        return float(np.mean(correct)), float(np.mean(correct))
    res = bootstrap((correct.astype(float),), np.mean, n_resamples=n_resamples, method="percentile", random_state=seed)
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def compare(preds: dict[str, pd.DataFrame], baseline: str, n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """One row per model: accuracy with 95% CI, difference to the baseline with paired CI, McNemar exact p."""
    from statsmodels.stats.contingency_tables import mcnemar

    base = preds[baseline]
    base_ok = (base["pred_label"] == base["gold_label"]).to_numpy()
    rows = []
    for name, p in preds.items():
        if not np.array_equal(p["example_id"].to_numpy(), base["example_id"].to_numpy()):
            raise ValueError(f"predictions of {name!r} and {baseline!r} are for different pairs; evaluate both on the same file.")
        ok = (p["pred_label"] == p["gold_label"]).to_numpy()
        lo, hi = bootstrap_ci(ok, n_resamples, seed)
        row = {"model": name, "pairs": len(ok), "accuracy": ok.mean(), "ci_low": lo, "ci_high": hi}
        if name != baseline:
            d_lo, d_hi = bootstrap_ci(ok.astype(float) - base_ok, n_resamples, seed)
            table = [[int((base_ok & ok).sum()), int((base_ok & ~ok).sum())], [int((~base_ok & ok).sum()), int((~base_ok & ~ok).sum())]]
            row.update(diff=ok.mean() - base_ok.mean(), diff_ci_low=d_lo, diff_ci_high=d_hi, fixed=table[1][0], broken=table[0][1],
                       mcnemar_p=float(mcnemar(table, exact=True).pvalue))
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (statsmodels), in the input order."""
    from statsmodels.stats.multitest import multipletests
    return multipletests(np.asarray(p_values, dtype=float), method="holm")[1] if len(p_values) else np.asarray([], dtype=float)

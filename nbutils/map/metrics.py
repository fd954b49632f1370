"""Data-map metrics, vectorised over the (examples × logging points) dynamics matrix.

Formulas follow the original Dataset Cartography code (allenai/cartography, `compute_train_dy_metrics`):
confidence = mean gold probability; variability = population standard deviation (np.std);
correctness = fraction of points predicted right; forgetfulness = learned→forgotten transitions,
with never-learned examples marked apart (the original stores 1000; we store -1 and `never_learned`);
threshold_closeness = confidence · (1 − confidence).

AUM, the area under the margin (Pleiss et al., 2020, "Identifying Mislabeled Data using the Area Under the Margin
Ranking"): at each logging point the margin is the gold label's logit minus the largest other logit; AUM is its mean
over the points. A pair the model keeps assigning to another label has a negative AUM: mislabelled pairs sink to the
bottom. `aum_rank` is 1 for the lowest AUM (the most suspect pair).

Confident learning (Northcutt et al., 2021), through cleanlab: `label_quality` is cleanlab's label quality score of
the given label (`cleanlab.rank.get_label_quality_scores`, its default self-confidence) and `label_issue` whether
`cleanlab.filter.find_label_issues` flags the pair. Both want out-of-sample probabilities; they read those of the
first logging point. Under `dynamics_mode: in_training` a pair's first-epoch record is the forward pass of the step
that trains on it, so the model has never trained on that pair (it has on the pairs before it in the epoch): out of
sample, at no cost, but from a weaker model for the pairs early in the first epoch. Cross-fitting (k models, each
scoring the pairs it left out) would cost k trainings. Under `eval_pass` the first point comes after training on
every pair, so the probabilities are in-sample and the score is weaker than confident learning intends.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from ..train.dynamics import DynamicsMatrix


def forgetfulness(correct: np.ndarray) -> np.ndarray:
    """Learned→forgotten transitions per row of a boolean (examples × points) array; -1 if never learned."""
    c = correct.astype(np.int8)
    forgot = ((c[:, :-1] == 1) & (c[:, 1:] == 0)).sum(axis=1)
    return np.where(c.any(axis=1), forgot, -1)


def compute_metrics(m: DynamicsMatrix) -> pd.DataFrame:
    """One row per example with every cartography metric."""
    if m.n_points < 2:
        raise WorkbookError(f"the dynamics hold {m.n_points} logging point(s); variability needs at least 2. "
                            "Train for more epochs or set logs_per_epoch > 1 (dynamics_mode='eval_pass').")
    conf = m.gold_prob.mean(axis=1)
    forget = forgetfulness(m.correct)
    return pd.DataFrame({
        "example_id": m.example_ids, "gold_label": m.gold_label, "confidence": conf,
        "variability": m.gold_prob.std(axis=1), "correctness": m.correct.mean(axis=1),
        "correct_count": m.correct.sum(axis=1), "forgetfulness": forget, "never_learned": forget < 0,
        "threshold_closeness": conf * (1 - conf),
        "aum": m.margin.mean(axis=1),
    }).assign(aum_rank=lambda d: d["aum"].rank(method="first").astype(np.int64), **confident_learning(m))


def confident_learning(m: DynamicsMatrix) -> dict[str, np.ndarray]:
    """label_quality and label_issue from cleanlab on the first logging point's probabilities ({} without them)."""
    if m.first_probs is None or len(np.unique(m.gold_label)) < m.first_probs.shape[1]:
        return {}   # a map made from coordinates, or a label missing from the pairs (cleanlab needs every class)
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores
    labels = m.gold_label.astype(np.int64)
    probs = m.first_probs / m.first_probs.sum(axis=1, keepdims=True)
    return {"label_quality": get_label_quality_scores(labels, probs),
            "label_issue": find_label_issues(labels, probs, n_jobs=1)}

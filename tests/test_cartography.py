"""Metrics against values worked out by hand, regions against the mission's thresholds."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbutils.map.metrics import compute_metrics, forgetfulness
from nbutils.map.regions import Thresholds, assign_regions, assign_regions_by_rank, region_counts
from nbutils.train.dynamics import DynamicsMatrix
from nbutils.errors import WorkbookError


def matrix(probs, correct, margin=None):
    probs = np.asarray(probs, dtype=float)
    margin = np.zeros_like(probs) if margin is None else np.asarray(margin, dtype=float)
    return DynamicsMatrix(np.array([f"e{i}" for i in range(len(probs))], dtype=object), np.zeros(len(probs), int),
                          np.arange(1, probs.shape[1] + 1, dtype=float), probs, np.asarray(correct, dtype=bool), margin)


def test_aum_from_the_logits_in_the_dynamics_files(tmp_path):
    """AUM (Pleiss et al. 2020): mean over points of the gold logit minus the largest other logit, worked out by hand."""
    from nbutils.train import dynamics as dyn
    ids = np.array(["a", "b"], dtype=object)
    gold = np.array([0, 2])
    dyn.write_point(tmp_path, 0, 1.0, ids, gold, np.array([[2.0, 0.5, 1.0], [1.0, 1.0, 4.0]]))
    dyn.write_point(tmp_path, 1, 2.0, ids, gold, np.array([[0.0, 3.0, 1.0], [0.0, 2.0, 1.0]]))
    m = dyn.read_matrix(tmp_path)
    order = list(m.example_ids)
    # a: 2 - 1 = 1, then 0 - 3 = -3 -> AUM -1;  b: 4 - 1 = 3, then 1 - 2 = -1 -> AUM 1
    assert m.margin[order.index("a")].tolist() == [1.0, -3.0] and m.margin[order.index("b")].tolist() == [3.0, -1.0]
    t = compute_metrics(m).set_index("example_id")
    assert t.loc["a", "aum"] == pytest.approx(-1.0) and t.loc["b", "aum"] == pytest.approx(1.0)
    assert t.loc["a", "aum_rank"] == 1 and t.loc["b", "aum_rank"] == 2, "rank 1: the most suspect pair"


def test_metrics_match_hand_computation():
    m = matrix([[0.2, 0.4, 0.9], [0.9, 0.9, 0.9], [0.1, 0.7, 0.1]],
               [[0, 0, 1], [1, 1, 1], [0, 1, 0]])
    t = compute_metrics(m)
    # example 0: mean (0.2+0.4+0.9)/3 = 0.5; deviations -0.3,-0.1,0.4 -> var (0.09+0.01+0.16)/3 = 0.08667
    assert t.loc[0, "confidence"] == pytest.approx(0.5)
    assert t.loc[0, "variability"] == pytest.approx(np.sqrt(0.26 / 3))
    assert t.loc[0, "correctness"] == pytest.approx(1 / 3) and t.loc[0, "correct_count"] == 1
    assert t.loc[0, "threshold_closeness"] == pytest.approx(0.25)
    assert t.loc[1, "variability"] == pytest.approx(0.0) and t.loc[1, "forgetfulness"] == 0
    # example 2: learned at point 2, forgotten at point 3 -> once
    assert t.loc[2, "forgetfulness"] == 1 and t.loc[2, "confidence"] == pytest.approx(0.3)


def test_forgetfulness_marks_never_learned_apart():
    f = forgetfulness(np.array([[0, 0, 0], [1, 0, 1, ], [1, 0, 0], [0, 1, 1]], dtype=bool))
    assert f.tolist() == [-1, 1, 1, 0]


def test_one_logging_point_is_rejected():
    with pytest.raises(WorkbookError, match="at least 2"):
        compute_metrics(matrix([[0.5], [0.2]], [[1], [0]]))


def test_regions_follow_the_mission_thresholds():
    t = pd.DataFrame({"confidence": [0.9, 0.85, 0.5, 0.5, 0.2, 0.39, 0.7],
                      "variability": [0.05, 0.15, 0.35, 0.2, 0.1, 0.39, 0.05], "gold_label": [0, 1, 2, 0, 1, 2, 0]})
    assert assign_regions(t, Thresholds()).tolist() == ["easy-to-learn", "other", "ambiguous", "other", "hard-to-learn",
                                                        "hard-to-learn", "other"]
    counts = region_counts(t.assign(region=assign_regions(t, Thresholds())))
    assert counts.loc["total", "total"] == 7 and counts.loc["hard-to-learn", "total"] == 2


def test_contradictory_thresholds_are_rejected():
    with pytest.raises(WorkbookError, match="swap them"):
        Thresholds(ambiguous_min_confidence=0.7, ambiguous_max_confidence=0.6)
    with pytest.raises(WorkbookError, match="between 0 and 1"):
        Thresholds(easy_min_confidence=1.5)


def test_rank_mode_gives_each_region_its_share():
    rng = np.random.default_rng(0)
    t = pd.DataFrame({"confidence": rng.random(300), "variability": rng.random(300) / 2})
    r = assign_regions_by_rank(t, 20)
    assert (r == "ambiguous").sum() == 60 and (r == "hard-to-learn").sum() == 60 and (r == "easy-to-learn").sum() == 60
    amb = t[r == "ambiguous"]["variability"]
    assert amb.min() >= t[r != "ambiguous"]["variability"].max()


def test_consistency_matches_originals_inside_the_contrast_set():
    from nbutils.compare.statistics import consistency
    pred = pd.DataFrame({"example_id": ["o1", "o1-rp", "o1-rh", "o2", "o2-rp"],
                         "original_id": ["snli-1", "snli-1", "snli-1", "snli-2", "snli-2"],
                         "perturbation": ["original", "revised_premise", "revised_hypothesis", "original", "revised_premise"],
                         "gold_label": [0, 2, 1, 1, 0], "pred_label": [0, 2, 0, 2, 0]})
    c = consistency(pred)
    assert c.loc["revised_premise", "originals_found"] == 2
    assert c.loc["revised_premise", "accuracy_perturbed"] == 1.0 and c.loc["revised_premise", "accuracy_original"] == 0.5
    assert c.loc["revised_premise", "consistency"] == 0.5  # o1 pair both right, o2 original wrong
    assert c.loc["revised_hypothesis", "consistency"] == 0.0


def test_region_counts_equal_a_crosstab():
    import numpy as np
    import pandas as pd
    from nbutils.map.regions import REGIONS, region_counts
    from nbutils.labels import LABELS
    rng = np.random.default_rng(1)
    t = pd.DataFrame({"region": rng.choice(REGIONS[:3], 500), "gold_label": rng.choice([0, 2], 500)})  # 'other' and neutral absent
    want = pd.crosstab(t["region"], t["gold_label"].map(dict(enumerate(LABELS))), margins=True, margins_name="total")
    got = region_counts(t)
    assert list(got.index) == [r for r in REGIONS[:3]] + ["total"] and list(got.columns) == ["entailment", "contradiction", "total"]
    assert (got == want.loc[got.index, got.columns]).all().all()


def test_confident_learning_reads_the_first_logging_point_and_flags_a_pair_the_model_calls_another_label(tmp_path):
    """label_quality: cleanlab's self-confidence, the given label's softmax probability at the first point (by hand);
    label_issue: cleanlab's find_label_issues on those probabilities flags the pair that looks mislabelled."""
    from nbutils.train import dynamics as dyn
    rng = np.random.default_rng(0)
    n = 60
    gold = np.arange(n) % 3
    first = np.full((n, 3), -1.0)
    first[np.arange(n), gold] = 2.0 + rng.random(n)   # the model agrees with the given label
    first[7] = [-1.0, 3.0, -1.0]                        # pair 7 is labelled neutral (7 % 3 = 1)...
    first[8] = [4.0, -1.0, -2.0]                        # ...pair 8 contradiction, but the model is sure it is entailment
    ids = np.array([f"p{i:02d}" for i in range(n)], dtype=object)
    dyn.write_point(tmp_path, 0, 1.0, ids, gold, first)
    dyn.write_point(tmp_path, 1, 2.0, ids, gold, np.zeros((n, 3)))   # a later point must not change the score
    t = compute_metrics(dyn.read_matrix(tmp_path)).set_index("example_id")
    e = np.exp(first - first.max(axis=1, keepdims=True))
    by_hand = (e / e.sum(axis=1, keepdims=True))[np.arange(n), gold]
    assert np.allclose(t.loc[ids, "label_quality"].to_numpy(), by_hand, atol=1e-6)
    assert t.loc[ids, "label_issue"].to_numpy().nonzero()[0].tolist() == [8]
    assert t["label_quality"].idxmin() == "p08"


def test_a_map_without_logits_has_no_confident_learning_score():
    t = compute_metrics(matrix([[0.2, 0.4], [0.9, 0.8]], [[0, 0], [1, 1]]))
    assert "label_quality" not in t.columns and "label_issue" not in t.columns

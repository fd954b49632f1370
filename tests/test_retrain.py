"""The retraining mix: proportions, label stratification, short regions, bad shares."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbutils.errors import WorkbookError
from nbutils.retrain.mix import build_mix, curriculum_stages, region_weights

SHARES = {"ambiguous": 0.5, "hard-to-learn": 0.25, "easy-to-learn": 0.25}


def selection(n_amb=2000, n_hard=1000, n_easy=3000, seed=0):
    rng = np.random.default_rng(seed)
    regions = ["ambiguous"] * n_amb + ["hard-to-learn"] * n_hard + ["easy-to-learn"] * n_easy
    return pd.DataFrame({"example_id": [f"x{i}" for i in range(len(regions))], "region": regions,
                         "gold_label": rng.choice(3, size=len(regions), p=[0.5, 0.3, 0.2])})


def test_mix_has_the_requested_shares_stratified_by_label():
    sel = selection()
    mix, notes = build_mix(sel, 1000, SHARES, seed=3)
    assert notes == [] and len(mix) == 1000 and mix["example_id"].is_unique
    assert mix["region"].value_counts().to_dict() == {"ambiguous": 500, "hard-to-learn": 250, "easy-to-learn": 250}
    for region, g in mix.groupby("region"):
        want = sel[sel["region"] == region]["gold_label"].value_counts(normalize=True)
        got = g["gold_label"].value_counts(normalize=True)
        assert (got - want).abs().max() < 0.01
    again, _ = build_mix(sel, 1000, SHARES, seed=3)
    assert again["example_id"].tolist() == mix["example_id"].tolist()


def test_short_region_is_reported_and_filled_pro_rata():
    mix, notes = build_mix(selection(n_amb=100), 1000, SHARES, seed=0, short_policy="fill")
    counts = mix["region"].value_counts()
    assert len(mix) == 1000 and counts["ambiguous"] == 100
    assert counts["hard-to-learn"] == counts["easy-to-learn"] == 450
    assert any("ambiguous: wanted 500, has 100" in n for n in notes)
    with pytest.raises(WorkbookError, match="regions too small"):
        build_mix(selection(n_amb=100), 1000, SHARES, short_policy="fail")


def test_bad_shares_and_sizes_are_rejected():
    with pytest.raises(WorkbookError, match="sum to 1.100"):
        build_mix(selection(), 100, {**SHARES, "ambiguous": 0.6})
    with pytest.raises(WorkbookError, match="larger than the 6,000 selected pairs"):
        build_mix(selection(), 7000, SHARES)


def test_curriculum_stages_are_cumulative_and_weights_follow_regions():
    mix, _ = build_mix(selection(), 400, SHARES)
    stages = curriculum_stages(mix, ["easy-to-learn", "ambiguous", "hard-to-learn"])
    assert [len(s) for s in stages] == [100, 300, 400]
    assert set(stages[0]["region"]) == {"easy-to-learn"}
    w = region_weights(mix["region"], {"ambiguous": 2.0})
    assert set(w[mix["region"] == "ambiguous"]) == {2.0} and set(w[mix["region"] != "ambiguous"]) == {1.0}


def test_distillation_loss_matches_a_hand_computation():
    import math

    import torch
    from nbutils.train.trainer import distillation_loss
    student, teacher = torch.tensor([[2.0, 0.0, -1.0]]), torch.tensor([[0.5, 1.5, -0.5]])
    t, alpha = 2.0, 0.3
    p_t = [math.exp(x / t) for x in (0.5, 1.5, -0.5)]
    p_t = [x / sum(p_t) for x in p_t]
    p_s = [math.exp(x / t) for x in (2.0, 0.0, -1.0)]
    p_s = [x / sum(p_s) for x in p_s]
    kl = sum(a * math.log(a / b) for a, b in zip(p_t, p_s))
    ce = -math.log(math.exp(2.0) / (math.exp(2.0) + 1 + math.exp(-1.0)))
    want = (1 - alpha) * ce + alpha * t * t * kl
    got = distillation_loss(student, teacher, torch.tensor([0]), alpha, t)
    assert abs(got.item() - want) < 1e-5
    # alpha 0 is plain cross-entropy; a student equal to its teacher has no KL term
    assert abs(distillation_loss(student, teacher, torch.tensor([0]), 0.0, t).item() - ce) < 1e-6
    assert abs(distillation_loss(teacher, teacher, torch.tensor([1]), 1.0, t).item()) < 1e-6


def test_augmentation_keeps_labels_links_sources_and_marks_rows():
    from nbutils.retrain.augment import add_to_mix, augment
    pairs = pd.DataFrame({"example_id": ["a", "b", "c", "d"],
                          "premise": ["A dog runs in a field.", "Two men talk.", "A man and a woman sit.", "A cat sleeps."],
                          "hypothesis": ["A dog is running outside.", "Two men are talking.", "A man and a woman are sitting.", "A cat is awake."],
                          "gold_label": [0, 0, 1, 2]})
    out, report = augment(pairs, 10, ["there-insertion", "adverb-fronting", "coordination-swap"], seed=0)
    assert report["made"] == len(out) == 4 and report["short"] == 6
    assert set(out["rule"]) == {"there-insertion", "adverb-fronting", "coordination-swap"}
    assert (out["gold_label"].to_numpy() == pairs.set_index("example_id").loc[out["source_id"], "gold_label"].to_numpy()).all()
    assert out["augmented"].all() and out["example_id"].is_unique and all(i.startswith(s + "~aug-") for i, s in zip(out["example_id"], out["source_id"]))
    mix = pd.DataFrame({"example_id": list("abcd"), "region": ["ambiguous", "ambiguous", "hard-to-learn", "easy-to-learn"], "gold_label": [0, 0, 1, 2]})
    both = add_to_mix(mix, out)
    assert len(both) == 8 and both["augmented"].sum() == 4
    assert (both.set_index("example_id").loc[out["example_id"], "region"].to_numpy() == mix.set_index("example_id").loc[out["source_id"], "region"].to_numpy()).all()
    with pytest.raises(WorkbookError, match="unknown"):
        augment(pairs, 2, ["back-translation"])


def test_rounds_table_follows_previously_ambiguous_pairs():
    from nbutils.retrain.rounds import rounds_table
    mix = pd.DataFrame({"example_id": list("abcde"), "region": ["ambiguous"] * 3 + ["easy-to-learn", "hard-to-learn"]})
    r1 = pd.DataFrame({"example_id": list("abcde"), "round": 1, "region": ["easy-to-learn", "ambiguous", "other", "ambiguous", "hard-to-learn"]})
    r2 = pd.DataFrame({"example_id": list("abcde"), "round": 2, "region": ["easy-to-learn", "easy-to-learn", "other", "hard-to-learn", "hard-to-learn"]})
    t = rounds_table(mix, [r1, r2])
    assert t.loc[1].to_dict() == {"ambiguous before": 3, "now easy-to-learn": 1, "now ambiguous": 1, "now hard-to-learn": 0, "now other": 1}
    # before round 2: b and d were ambiguous after round 1, c kept its old region (ambiguous) since round 1 put it in no region
    assert t.loc[2].to_dict() == {"ambiguous before": 3, "now easy-to-learn": 1, "now ambiguous": 0, "now hard-to-learn": 1, "now other": 1}

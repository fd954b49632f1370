"""The retraining mix: proportions, label stratification, short regions, bad shares."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbutils.errors import WorkbookError
from nbutils.retrain import build_mix, curriculum_stages, region_weights

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

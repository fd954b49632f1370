"""Replicate runs: the retraining effect across seeds, with its t-interval and t-test checked by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nbutils.compare import replicates
from nbutils.compare.stage import comparison_table
from nbutils.errors import WorkbookError

N = 200


def _predictions(correct: int, seed: int) -> pd.DataFrame:
    """N pairs, the first `correct` predicted right, the rest one label off."""
    gold = np.random.default_rng(seed).integers(0, 3, N)
    pred = np.where(np.arange(N) < correct, gold, (gold + 1) % 3)
    return pd.DataFrame({"example_id": [f"p{i}" for i in range(N)], "gold_label": gold, "pred_label": pred})


def _comparison(extra_valid: int, extra_contrast: int) -> pd.DataFrame:
    """notebook 05's table: the retrained model gets `extra` more pairs right than the baseline's 120."""
    preds = {("model", "validation"): _predictions(120, 0), ("retrained", "validation"): _predictions(120 + extra_valid, 0),
             ("model", "contrast"): _predictions(100, 1), ("retrained", "contrast"): _predictions(100 + extra_contrast, 1)}
    return comparison_table(preds, "model", n_resamples=200, seed=0)


def test_effect_across_runs_matches_a_hand_computed_t_interval(outputs):
    for name, extra in (("seed1", 10), ("seed2", 30)):
        (outputs / name).mkdir(parents=True)
        _comparison(extra, -extra).to_csv(outputs / name / "comparison.csv")
    table = replicates.across_runs(_comparison(20, -20), ["seed1", "seed2"])
    row = table.loc[("validation", "retrained")]
    diffs = np.array([20, 10, 30]) / N                          # this run first, then seed1, seed2
    sd = np.sqrt(((diffs - diffs.mean()) ** 2).sum() / 2)
    half = stats.t.ppf(0.975, 2) * sd / np.sqrt(3)
    assert row["runs"] == 3 and row["mean_diff"] == pytest.approx(0.10) and row["sd_diff"] == pytest.approx(sd)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.10 - half, 0.10 + half))
    assert row["t_test_p"] == pytest.approx(2 * stats.t.sf(0.10 / (sd / np.sqrt(3)), 2))
    assert row["mean_baseline"] == pytest.approx(0.6) and row["mean_accuracy"] == pytest.approx(0.7)
    assert table.loc[("contrast", "retrained"), "mean_diff"] == pytest.approx(-0.10)
    from nbutils.compare.figures import across_runs_figure
    long = replicates.differences(_comparison(20, -20), ["seed1", "seed2"])
    assert list(long["run"].unique()) == [replicates.THIS_RUN, "seed1", "seed2"] and len(long) == 6
    fig = across_runs_figure(long, table)
    points = sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    assert points >= len(long), "one point per run and data set, plus the means"


def test_no_other_runs_is_an_empty_table_and_a_missing_run_is_named(outputs):
    assert replicates.across_runs(_comparison(5, 5), []).empty
    with pytest.raises(WorkbookError, match="'seed9'.*notebook 05"):
        replicates.across_runs(_comparison(5, 5), ["seed9"])
    assert not (outputs / "seed9").exists(), "checking a run must not create its folder"
    from nbutils.run.preflight import check_inputs
    with pytest.raises(WorkbookError, match="seed_runs names 'seed9'"):
        check_inputs({"seed_runs": ["seed9"]})

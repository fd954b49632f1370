"""Migration between two data maps: table, agreement (hand-computed kappa), Sankey flows."""
from __future__ import annotations

import pandas as pd
import pytest

from nbutils.map.migration import agreement, migration_table, per_example, sankey_figure


def maps():
    ids = list("abcdef")
    before = pd.DataFrame({"example_id": ids, "region": ["easy-to-learn", "easy-to-learn", "ambiguous", "hard-to-learn", "hard-to-learn", "other"],
                           "confidence": [0.9, 0.8, 0.5, 0.2, 0.1, 0.6], "variability": [0.05, 0.06, 0.35, 0.1, 0.12, 0.2]})
    after = pd.DataFrame({"example_id": ids[::-1] + ["g"],  # another order, and one example only here
                          "region": ["other", "other", "hard-to-learn", "ambiguous", "ambiguous", "easy-to-learn", "easy-to-learn"],
                          "confidence": [0.65, 0.3, 0.25, 0.55, 0.85, 0.95, 0.9], "variability": [0.1, 0.2, 0.1, 0.3, 0.2, 0.04, 0.1]})
    return before, after


def test_migration_table_counts_every_move():
    before, after = maps()
    pairs = per_example(before, after)
    t = migration_table(pairs)
    assert t.loc["easy-to-learn", "easy-to-learn"] == 1 and t.loc["easy-to-learn", "ambiguous"] == 1
    assert t.loc["hard-to-learn", "other"] == 1 and t.loc["hard-to-learn", "hard-to-learn"] == 1
    assert t.loc["total", "total"] == 6 and list(t.index) == ["easy-to-learn", "ambiguous", "hard-to-learn", "other", "total"]
    assert pairs.set_index("example_id")["agree"].to_dict() == {"a": True, "b": False, "c": True, "d": True, "e": False, "f": True}


def test_agreement_matches_a_hand_computation():
    before, after = maps()
    row = agreement(before, after, per_example(before, after)).iloc[0]
    # observed 4/6; chance (2*1 + 1*2 + 2*1 + 1*2) / 36 = 8/36; kappa = (24 - 8) / (36 - 8)
    assert row["same_region"] == pytest.approx(4 / 6) and row["cohens_kappa"] == pytest.approx(16 / 28)
    assert (row["compared"], row["only_before"], row["only_after"]) == (6, 0, 1)
    # confidence ranks agree except d and e, which swap: rho = 1 - 6 * (1 + 1) / (6 * (36 - 1))
    assert row["spearman_confidence"] == pytest.approx(1 - 12 / 210)


def test_sankey_has_one_band_per_nonzero_move():
    before, after = maps()
    fig = sankey_figure(migration_table(per_example(before, after)), "seed 1", "seed 2")
    link = fig.data[0].link
    assert sum(link.value) == 6 and len(link.value) == 6
    assert fig.data[0].node.label[0] == "easy-to-learn (seed 1)"

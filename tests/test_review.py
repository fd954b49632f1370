"""Triage: suspects ranked by a map score, with the annotators' votes beside them, and the file it writes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbutils.errors import WorkbookError
from nbutils.review import triage


def map_table() -> pd.DataFrame:
    aum = [0.5, -2.0, 1.5, -0.5, -3.0, 0.0]
    dists = [np.array([1.0, 0, 0]), np.array([0.2, 0.8, 0]), np.array([0, 0, 1.0]), np.array([0.4, 0.4, 0.2]), None,
             np.array([0.6, 0.2, 0.2])]
    return pd.DataFrame({"example_id": [f"e{i}" for i in range(6)], "premise": "P.", "hypothesis": [f"H{i}." for i in range(6)],
                         "gold_label": [0, 0, 2, 1, 1, 0], "aum": aum, "confidence": [0.9, 0.1, 0.95, 0.3, 0.2, 0.5],
                         "region": ["easy-to-learn", "hard-to-learn", "easy-to-learn", "ambiguous", "hard-to-learn", "other"],
                         "n_annotators": [5, 5, 5, 5, 1, 5], "agreement": [1.0, 0.8, 1.0, 0.4, np.nan, 0.6], "human_dist": dists})


def test_suspects_are_ranked_by_the_score_with_votes_and_consensus_beside_them():
    s = triage.suspects(map_table(), "aum", top=4)
    assert s["example_id"].tolist() == ["e4", "e1", "e3", "e5"], "lowest AUM first"
    assert s["rank"].tolist() == [1, 2, 3, 4] and s["score"].tolist() == [-3.0, -2.0, -0.5, 0.0]
    assert s["given_label"].tolist() == ["neutral", "entailment", "neutral", "entailment"]
    assert s["votes"].tolist() == ["", "neutral 4 · entailment 1", "entailment 2 · neutral 2 · contradiction 1",
                                   "entailment 3 · neutral 1 · contradiction 1"]
    assert s["consensus_label"].tolist() == ["", "neutral", "no majority", "entailment"]
    by_confidence = triage.suspects(map_table(), "confidence", top=6)["example_id"].tolist()
    assert by_confidence == ["e1", "e4", "e3", "e5", "e0", "e2"]


def test_a_map_without_the_chosen_score_says_which_it_ranks_by(capsys):
    s = triage.suspects(map_table(), "cleanlab", top=2)
    assert s["example_id"].tolist() == ["e4", "e1"]
    said = capsys.readouterr().out
    assert "no label_quality" in said and "ranked by aum instead" in said
    regions_only = map_table().drop(columns=["aum", "confidence"])
    assert triage.suspects(regions_only, "aum") is None
    assert "no score to rank suspects by" in capsys.readouterr().out
    with pytest.raises(WorkbookError, match="triage_score='margin': choose one of"):
        triage.suspects(map_table(), "margin")


def test_no_votes_column_without_annotator_labels_and_the_file_round_trips(outputs):
    plain = map_table().drop(columns=["n_annotators", "agreement", "human_dist"])
    s = triage.suspects(plain, "aum", top=3)
    assert "votes" not in s.columns and "consensus_label" not in s.columns
    path = triage.write("tri", s)
    assert path == outputs / "tri" / "review" / "suspects.csv"
    back = pd.read_csv(path)
    assert back["example_id"].tolist() == ["e4", "e1", "e3"] and back["rank"].tolist() == [1, 2, 3]

"""Artifact features against values counted by hand."""
from __future__ import annotations

import pandas as pd

from nbutils.map.artifacts import add_artifacts, artifact_summary


def test_features_by_hand():
    t = pd.DataFrame({"example_id": ["a", "b", "c"], "region": ["easy-to-learn", "easy-to-learn", "ambiguous"],
                      "premise": ["A man is running in the park.", "Two dogs play.", "A girl sings."],
                      "hypothesis": ["A man is not running.", "Nobody plays.", "The girl isn't singing loudly."]})
    f = add_artifacts(t)
    assert f["hypothesis_words"].tolist() == [5, 2, 5]
    assert f.loc[0, "word_overlap"] == 4 / 5  # a, man, is, running in the premise; not is new
    assert f.loc[1, "word_overlap"] == 0.0
    assert f["negation"].tolist() == [True, True, True]
    s = artifact_summary(f)
    assert s.loc["easy-to-learn", "pairs"] == 2 and s.loc["ambiguous", "negation_share"] == 1.0

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


def run_pairs(n: int = 12) -> pd.DataFrame:
    return pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "premise": "P.", "hypothesis": [f"H{i}." for i in range(n)],
                         "gold_label": [i % 3 for i in range(n)]})


def test_decisions_are_appended_at_once_and_the_latest_counts_with_every_earlier_one_kept(tmp_path):
    from nbutils.review import corrections
    pairs, path = run_pairs(), tmp_path / "review" / "corrections.csv"
    first = corrections.decision(pairs.iloc[1], "relabel", "contradiction", reviewer="ana", flagged_by="aum", score=-2.5, rank=1)
    corrections.record(path, [first])
    assert corrections.read(path, pairs)["new_label"].tolist() == ["contradiction"], "on disk before the next decision"
    later = {**corrections.decision(pairs.iloc[1], "keep", reviewer="ben"), "decided_at": "2099-01-01T00:00:00+00:00"}
    corrections.record(path, [later, corrections.decision(pairs.iloc[4], "drop", reviewer="ana", note="garbled premise")])
    every = corrections.read(path, pairs)
    assert every["reviewer"].tolist() == ["ana", "ben", "ana"] and every["line"].tolist() == [2, 3, 4]
    counted = corrections.latest(every).set_index("example_id")
    assert counted.loc["e1", "action"] == "keep" and counted.loc["e1", "reviewer"] == "ben", "the latest decision counts"
    cleaned, counts = corrections.apply(pairs, corrections.latest(every))
    assert counts == {"keep": 1, "relabel": 0, "drop": 1} and len(cleaned) == 11 and "e4" not in set(cleaned["example_id"])
    assert first["given_label"] == "neutral" and first["decided_at"].endswith("+00:00") and first["reviewer"] == "ana"


def test_a_relabel_changes_the_label_and_bad_rows_are_one_message_with_the_line(tmp_path):
    from nbutils.review import corrections
    pairs, path = run_pairs(), tmp_path / "c.csv"
    corrections.record(path, [corrections.decision(pairs.iloc[0], "relabel", "neutral")])
    cleaned, counts = corrections.apply(pairs, corrections.latest(corrections.read(path, pairs)))
    assert cleaned.set_index("example_id").loc["e0", "gold_label"] == 1 and counts["relabel"] == 1
    good = path.read_text().splitlines()
    cases = {"e0,entailment,relabel,maybe,": "line 3: new_label 'maybe' is not one of entailment, neutral, contradiction",
             "e99,entailment,keep,,": "line 3: pair 'e99' is not a training pair of this run",
             "e0,entailment,relabel,entailment,": "line 3: relabel to entailment, the label the pair already has; write keep instead",
             "e0,entailment,fix,,": "line 3: action 'fix' is not one of keep, relabel, drop",
             "e1,entailment,keep,,": "line 3: pair 'e1' has given_label entailment, but this run trains it as neutral"}
    for row, said in cases.items():
        path.write_text("\n".join([*good, row + "x,2026-12-07T10:00:00+00:00,,,,"]) + "\n")
        with pytest.raises(WorkbookError, match=said.replace("(", r"\(").replace(")", r"\)")):
            corrections.read(path, pairs)
    with pytest.raises(WorkbookError, match="relabel to neutral, the label the pair already has"):
        corrections.decision(pairs.iloc[1], "relabel", "neutral")


def test_the_spreadsheet_round_trip(tmp_path):
    from nbutils.review import corrections
    pairs = run_pairs().assign(aum=np.linspace(-1, 1, 12), region="other")
    sheet = corrections.export_sheet(triage.suspects(pairs, "aum", 5), tmp_path / "suspects_sheet.csv")
    filled = pd.read_csv(sheet, keep_default_na=False)
    assert {"action", "new_label", "note"} <= set(filled.columns) and (filled["action"] == "").all()
    filled.loc[0, ["action", "new_label"]] = ["relabel", "contradiction"]   # e0, entailment
    filled.loc[1, ["action", "note"]] = ["drop", "premise cut off"]
    filled.loc[3, "action"] = "keep"
    filled.to_csv(sheet, index=False)
    rows, undecided = corrections.read_sheet(sheet, pairs, reviewer="cara")
    assert undecided == 2 and [r["action"] for r in rows] == ["relabel", "drop", "keep"]
    assert rows[0]["given_label"] == "entailment" and rows[0]["reviewer"] == "cara" and rows[0]["flagged_by"] == "spreadsheet"
    corrections.record(tmp_path / "corrections.csv", rows)
    back = corrections.read(tmp_path / "corrections.csv", pairs)
    assert back["example_id"].tolist() == ["e0", "e1", "e3"] and back.loc[1, "note"] == "premise cut off"
    filled.loc[4, "action"] = "relabel"   # no new label
    filled.to_csv(sheet, index=False)
    with pytest.raises(WorkbookError, match=r"suspects_sheet.csv, line 6: new_label '' is not one of"):
        corrections.read_sheet(sheet, pairs)


def test_the_planted_oracle_relabels_exactly_the_flipped_suspects_once_and_says_it_was_simulated(outputs):
    from nbutils.review import corrections, oracle
    pairs = run_pairs(20)
    flipped = np.zeros(20, bool)
    flipped[[2, 5, 11]] = True
    clean = pairs["gold_label"].to_numpy()
    trained = np.where(flipped, (clean + 1) % 3, clean)
    table = pairs.assign(gold_label=trained, clean_label=clean, noise_flipped=flipped, region="other",
                         aum=np.where(flipped, -2.0, 1.0) + np.arange(20) * 0.01)
    table.loc[7, "aum"] = -1.5   # a clean pair among the suspects
    got = oracle.review("orc", table, "planted", 0.2, "aum")   # 20% of 20: the top 4
    assert got == {"reviewed": 4, "new_decisions": 4, "relabel": 3, "keep": 1}
    decided = corrections.read(corrections.path_for("orc"), table)
    assert set(decided.loc[decided["action"] == "relabel", "example_id"]) == {"e2", "e5", "e11"}
    assert (decided["reviewer"] == "oracle:planted").all()
    relabelled = decided.set_index("example_id").loc["e2", "new_label"]
    assert relabelled == ["entailment", "neutral", "contradiction"][clean[2]], "the label before the flip"
    assert oracle.review("orc", table, "planted", 4, "aum")["new_decisions"] == 0, "a resumed run decides nothing twice"
    assert oracle.simulated_line(decided).startswith("SIMULATED REVIEW: oracle:planted made 4 of the 4 decisions")
    assert oracle.simulated_line(decided.assign(reviewer="ana")) == ""
    with pytest.raises(WorkbookError, match="this run planted no noise"):
        oracle.review("orc2", pairs.assign(aum=0.0, region="other"), "planted", 0.1)
    with pytest.raises(WorkbookError, match="review_budget=1.5"):
        oracle.budget_count(1.5, 20)


def test_the_consensus_oracle_answers_with_the_annotators_majority(outputs):
    from nbutils.review import corrections, oracle
    t = map_table().drop(index=4).reset_index(drop=True)   # e4 has its author's label alone
    oracle.review("cons", t, "consensus", 3, "aum")
    decided = corrections.read(corrections.path_for("cons"), t).set_index("example_id")
    assert decided.loc["e1", "action"] == "relabel" and decided.loc["e1", "new_label"] == "neutral"
    assert decided.loc["e3", "action"] == "keep" and "no majority" in decided.loc["e3", "note"]
    assert decided.loc["e5", "action"] == "keep"


def test_the_review_session_writes_each_decision_at_once_and_a_new_one_resumes_at_the_first_undecided(outputs):
    """A kernel restart is a new session over the same file: nothing is lost and it starts where the review stopped."""
    from nbutils.review import corrections
    from nbutils.review.widget import ReviewSession, review_widget
    table = map_table()
    suspects = triage.suspects(table, "aum", 5)   # e4, e1, e3, e5, e0
    s = ReviewSession("rev", suspects, table, reviewer="ana")
    assert s.current()["example_id"] == "e4" and s.progress() == {"reviewed": 0, "left": 5, "total": 5, "reviewer": "ana"}
    assert s.decide("relabel", "contradiction", "the hypothesis denies it") == "e4: relabel to contradiction"
    assert corrections.read(corrections.path_for("rev"), table)["new_label"].tolist() == ["contradiction"], "on disk at once"
    assert s.current()["example_id"] == "e1"
    assert "the label the pair already has" in s.decide("relabel", "entailment") and s.current()["example_id"] == "e1"
    s.decide("drop")
    s.back()
    shown = s.current()
    assert shown["example_id"] == "e1" and shown["decision"]["action"] == "drop", "going back shows the decision made"
    s.decide("keep")   # deciding again appends: the latest counts, both stay
    again = ReviewSession("rev", suspects, table, reviewer="ben")   # the kernel restarted
    assert again.current()["example_id"] == "e3" and again.progress()["reviewed"] == 2
    every = corrections.read(corrections.path_for("rev"), table)
    assert every["action"].tolist() == ["relabel", "drop", "keep"]
    assert corrections.latest(every).set_index("example_id").loc["e1", "action"] == "keep"
    w = review_widget("rev", suspects, table, reviewer="ben")
    w._handle_custom_msg({"event": "decide", "action": "keep", "new_label": "", "note": ""}, [])
    assert w.pair["example_id"] == "e5" and w.progress["reviewed"] == 3 and w.message == "e3: keep"
    w._handle_custom_msg({"event": "back"}, [])
    assert w.pair["example_id"] == "e3" and w.pair["decision"]["reviewer"] == "ben"
    assert shown["votes"] == "neutral 4 · entailment 1" and shown["curve"] == [], "a table without dynamics has no curve"

"""Every annotator's label in the pair table: SNLI's lists (JSON Lines, CSV), ChaosNLI's counts and shares, the columns
derived from them, bad input named by its line, and training on the author's label (label_source)."""
from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from nbutils.data.annotators import agreement_counts, annotator_line
from nbutils.data.pairs import load_pairs
from nbutils.errors import WorkbookError

PAIRS = [("A man sleeps.", "A person rests.", "neutral", ["neutral", "entailment", "neutral", "neutral", "neutral"]),
         ("A dog runs.", "An animal moves.", "entailment", ["entailment"] * 5),
         ("Two kids play.", "Nobody plays.", "contradiction", ["neutral", "contradiction", "contradiction", "entailment", "contradiction"]),
         ("A cat sits.", "A cat is sitting.", "entailment", ["entailment", "entailment", "neutral", "entailment"])]


def snli_jsonl(path, rows=PAIRS):
    path.write_text("".join(json.dumps({"premise": p, "hypothesis": h, "label": g, "annotator_labels": a}) + "\n" for p, h, g, a in rows))
    return path


def test_snli_lists_give_the_four_columns(tmp_path):
    table, _ = load_pairs(snli_jsonl(tmp_path / "t.jsonl"))
    first = table.iloc[0]
    assert first["n_annotators"] == 5 and first["agreement"] == pytest.approx(0.8) and first["first_label"] == 1
    assert np.allclose(first["human_dist"], [0.2, 0.8, 0.0])
    assert table["n_annotators"].tolist() == [5, 5, 5, 4]
    assert np.allclose(table["agreement"], [0.8, 1.0, 0.6, 0.75])
    assert table["first_label"].tolist() == [1, 0, 1, 0], "the first listed label, not the majority"
    for dist, (_, _, _, labels) in zip(table["human_dist"], PAIRS):   # an independent count
        c = Counter(labels)
        assert np.allclose(dist, [c["entailment"] / len(labels), c["neutral"] / len(labels), c["contradiction"] / len(labels)])


def test_a_list_inside_a_csv_cell_json_or_python_written(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"sentence1": ["A man sleeps.", "A dog runs."], "sentence2": ["A person rests.", "An animal moves."],
                  "gold_label": ["neutral", "entailment"],
                  "annotator_labels": ['["neutral", "entailment", "neutral"]', "['entailment', 'entailment']"]}).to_csv(path, index=False)
    table, _ = load_pairs(path)
    assert table["n_annotators"].tolist() == [3, 2] and table["first_label"].tolist() == [1, 0]
    assert np.allclose(table["agreement"], [2 / 3, 1.0])


def test_chaosnli_counts_and_shares(tmp_path):
    rows = [{"premise": "A man sleeps.", "hypothesis": "A person rests.", "label": "neutral", "label_count": [10, 60, 30]},
            {"premise": "A dog runs.", "hypothesis": "An animal moves.", "label": "entailment", "label_count": [95, 5, 0]}]
    path = tmp_path / "counts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    table, _ = load_pairs(path)
    assert table["n_annotators"].tolist() == [100, 100] and table["first_label"].tolist() == [-1, -1], "counts keep no order"
    assert np.allclose(np.stack(table["human_dist"]), [[0.1, 0.6, 0.3], [0.95, 0.05, 0.0]])
    assert np.allclose(table["agreement"], [0.6, 0.95])
    for r in rows:
        r["label_dist"] = [c / 100 for c in r.pop("label_count")]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    table, _ = load_pairs(path)
    assert table["n_annotators"].tolist() == [0, 0], "shares say nothing of how many people"
    assert np.allclose(table["agreement"], [0.6, 0.95])


@pytest.mark.parametrize("field,value,message", [
    ("annotator_labels", ["neutral", "maybe"], "line 2: unknown label 'maybe' in annotator_labels"),
    ("annotator_labels", [], "line 2: an empty annotator_labels list"),
    ("annotator_labels", 7, "line 2: annotator_labels is 7, not a list"),
    ("label_count", [1.5, 2, 1], "line 2: label_count [1.5, 2.0, 1.0] is not whole counts >= 0"),   # read as one float column
    ("label_count", [-1, 3, 3], "line 2: label_count [-1, 3, 3] is not whole counts >= 0"),
    ("label_count", [1, 2], "line 2: label_count [1, 2] does not hold 3 values"),
    ("label_dist", [0.5, 0.4, 0.3], "line 2: label_dist [0.5, 0.4, 0.3] does not hold shares >= 0 that sum to 1 (they sum to 1.2)"),
])
def test_bad_annotator_labels_are_named_by_file_and_line(tmp_path, field, value, message):
    good = {"annotator_labels": ["neutral"] * 3, "label_count": [0, 3, 0], "label_dist": [0, 1, 0]}[field]
    rows = [{"premise": "A man sleeps.", "hypothesis": "A person rests.", "label": 1, field: good},
            {"premise": "A dog runs.", "hypothesis": "An animal moves.", "label": 0, field: value}]
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(WorkbookError, match="bad.jsonl, " + message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")):
        load_pairs(path)


def test_a_file_that_gives_lists_for_some_pairs_only(shared_data):
    """SNLI's train file: annotator_labels for the 128 pairs it validated (9 with five labels, 119 with the author's
    alone), null for the rest. Only the nine say anything of agreement."""
    from nbutils.data.annotators import voted
    table, _ = load_pairs(str(shared_data / "snli_train_subset/snli_train_subset.jsonl.gz"))
    assert (table["n_annotators"].value_counts().to_dict()) == {0: len(table) - 128, 1: 119, 5: 9}
    assert voted(table).sum() == 9 and table.loc[table["n_annotators"] == 0, "agreement"].isna().all()
    assert (table.loc[table["n_annotators"] == 1, "first_label"] == table.loc[table["n_annotators"] == 1, "gold_label"]).all()
    assert annotator_line(table).startswith(f"annotator labels: 9 of {len(table):,} training pairs carry several")


def test_snlis_validation_split_agreement_as_published(shared_data):
    """The shared validation file: 5,479 unanimous, 2,845 of 4 in 5, 1,507 of 3 in 5 (and 11 of four labels), and the
    validators overruled the author on 642 pairs, 428 of them neutral and entailment."""
    table, _ = load_pairs(str(shared_data / "snli_validation/snli_validation.jsonl.gz"), split="validation")
    counts = agreement_counts(table)
    assert (counts["5/5"], counts["4/5"], counts["3/5"]) == (5_479, 2_845, 1_507)
    assert (table["n_annotators"] == 4).sum() == 11
    overruled = table[table["first_label"] != table["gold_label"]]
    assert len(overruled) == 642
    assert overruled.apply(lambda r: {r["first_label"], r["gold_label"]} == {0, 1}, axis=1).sum() == 428
    assert annotator_line(table) == ("annotator labels: 9,842 of 9,842 training pairs carry several; agreement 5/5 5,479, "
                                     "4/4 4, 4/5 2,845, 3/4 7, 3/5 1,507")


def test_data_check_prints_the_agreement_histogram(tmp_path, entry_point):
    p = entry_point("data", "check", str(snli_jsonl(tmp_path / "t.jsonl")))
    assert p.returncode == 0, p.stderr
    assert "annotator labels on 4 of 4 pairs: {4: 1, 5: 3}" in p.stdout and "differs from the file's label on 1 pairs" in p.stdout
    lines = [line.split() for line in p.stdout.splitlines() if line.strip().startswith(("5/5", "4/5", "3/5", "3/4"))]
    assert [(level, n) for level, n, _ in lines] == [("5/5", "1"), ("4/5", "1"), ("3/4", "1"), ("3/5", "1")]


def test_the_hub_layout_without_annotator_labels_says_so_in_one_line(tmp_path):
    """SNLI as the hub gives it (premise, hypothesis, label): no annotator columns, and notebook 01's line says why."""
    hub = tmp_path / "snli.parquet"
    pd.DataFrame({"premise": ["A man sleeps."], "hypothesis": ["A person rests."], "label": [1]}).to_parquet(hub)
    table, _ = load_pairs(hub)
    assert not {"n_annotators", "agreement", "human_dist", "first_label"} & set(table.columns)
    assert annotator_line(table).startswith("no annotator labels in this data")


@pytest.fixture
def refused(entry_point, outputs):
    def call(*params: str) -> str:
        args = [a for p in params for a in ("-p", p)]
        p = entry_point("run", "--run-name", "labels", *args)
        said = p.stderr + p.stdout
        assert p.returncode == 2 and said.startswith("error: ") and "Traceback" not in said, said[-2000:]
        assert not (outputs / "labels" / "notebooks").exists()
        return said
    return call


def test_first_annotator_is_refused_where_there_is_no_first_annotator(tmp_path, refused):
    assert "the demo generator makes no annotator labels" in refused("label_source=first_annotator")
    plain = tmp_path / "plain.jsonl"
    plain.write_text("".join(json.dumps({"premise": p, "hypothesis": h, "label": g}) + "\n" for p, h, g, _ in PAIRS))
    assert "the training file carries no annotator labels" in refused(f"train_file={plain}", "label_source=first_annotator")
    counts = tmp_path / "counts.jsonl"
    counts.write_text("".join(json.dumps({"premise": p, "hypothesis": h, "label": g, "label_count": [1, 1, 3]}) + "\n" for p, h, g, _ in PAIRS))
    assert "counts or shares, which keep no order" in refused(f"train_file={counts}", "label_source=first_annotator")
    assert "label_source='authors': input should be 'gold' or 'first_annotator'" in refused("label_source=authors")


def test_a_simulated_review_without_its_truth_is_refused_before_anything_runs(refused):
    """One check (nbutils.review.oracle.check) answers preflight and the oracle itself, so both say the same."""
    assert "this run planted no noise" in refused("review_oracle=planted")
    assert "carry no annotator labels" in refused("review_oracle=consensus")
    assert "review_oracle='people': input should be '', 'planted' or 'consensus'" in refused("review_oracle=people")


def test_first_annotator_trains_on_the_authors_label_and_keeps_the_consensus(tmp_path, outputs):
    """Notebook 01's stage: the train split's gold_label is the first label; the held-out slice and validation keep the
    consensus, so nothing is scored against the author's label."""
    from nbutils.data import stage
    rows = [(f"{p} Number {i}.", h, g, a) for i in range(30) for p, h, g, a in PAIRS[:3]]
    path = snli_jsonl(tmp_path / "t.jsonl", rows)
    loaded = stage.run_stage("first", train_file=str(path), validation_file="demo", demo_validation_size=60, selection_pairs=9,
                             label_source="first_annotator")
    train, held = loaded["splits"]["train"], loaded["splits"]["model_selection"]
    assert (train["gold_label"] == train["first_label"]).all() and (train["consensus_label"] != train["gold_label"]).sum() == 27
    assert (held["gold_label"] != held["first_label"]).sum() == 3 and "consensus_label" not in held.columns
    written = pd.read_parquet(outputs / "first" / "data" / "train.parquet")
    assert written["gold_label"].tolist() == train["gold_label"].tolist() and "human_dist" in written.columns


def small_map() -> pd.DataFrame:
    """Eight mapped pairs with known scores and votes: the ambiguous ones are the split votes."""
    votes = [(5, 0, 0), (0, 5, 0), (4, 1, 0), (0, 0, 5), (3, 2, 0), (2, 3, 0), (3, 1, 1), (5, 0, 0)]
    dist = [np.array(v) / 5 for v in votes]
    return pd.DataFrame({
        "example_id": [f"p{i}" for i in range(8)], "gold_label": [0, 1, 0, 2, 0, 1, 0, 0],
        "confidence": [0.95, 0.9, 0.7, 0.85, 0.5, 0.45, 0.55, 0.2], "variability": [0.05, 0.08, 0.2, 0.1, 0.35, 0.4, 0.33, 0.1],
        "region": ["easy-to-learn", "easy-to-learn", "other", "easy-to-learn", "ambiguous", "ambiguous", "ambiguous", "hard-to-learn"],
        "n_annotators": 5, "agreement": [d.max() for d in dist], "human_dist": dist, "first_label": [0, 1, 0, 2, 0, 0, 1, 0]})


def test_the_human_check_tables_equal_a_computation_by_hand():
    from nbutils.map import human_check
    table = small_map()
    regions = human_check.region_agreement(table)
    assert regions.loc["ambiguous", ["3/5", "pairs"]].tolist() == [3, 3] and regions.loc["ambiguous", "split_vote_share"] == 1.0
    assert regions.loc["whole map", "split_vote_share"] == pytest.approx(3 / 8) and regions.loc["ambiguous", "lift"] == pytest.approx(8 / 3)
    found = human_check.detection_table(table)
    target = table["agreement"].to_numpy() < 1   # 4 not unanimous
    for score, values in (("1 − confidence", 1 - table["confidence"]), ("variability", table["variability"])):
        values = values.to_numpy()
        pos, neg = values[target], values[~target]
        by_hand = np.mean([1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg])   # every pair of pairs
        assert found.loc[score, ("not unanimous", "roc_auc")] == pytest.approx(by_hand)
        top4 = np.argsort(-values, kind="stable")[:4]
        assert found.loc[score, ("not unanimous", "precision_at_4")] == pytest.approx(target[top4].mean())
    assert "trained label ≠ consensus" not in found.columns.get_level_values(0), "only under label_source=first_annotator"
    trained = table.assign(consensus_label=table["gold_label"], gold_label=table["first_label"])
    assert ("trained label ≠ consensus", "precision_at_2") in human_check.detection_table(trained).columns
    entropy = -(np.stack(table["human_dist"]) * np.log(np.where(np.stack(table["human_dist"]) > 0, np.stack(table["human_dist"]), 1))).sum(axis=1)
    rho = human_check.entropy_correlation(table).loc["variability", "spearman_rho"]
    assert rho == pytest.approx(pd.Series(table["variability"]).corr(pd.Series(entropy), method="spearman"))
    said = human_check.reading(table)
    assert "Of the 8 mapped pairs with annotator labels, this map's ambiguous region holds 100.0% split votes" in said
    assert "more than chance (lift 2.67)" in said
    plain = table.drop(columns=["n_annotators", "agreement", "human_dist", "first_label"])
    assert human_check.region_agreement(plain) is None and human_check.detection_table(plain) is None
    assert human_check.reading(plain) == human_check.NO_LABELS == "no annotator labels in this data"


def test_models_against_people_jsd_kl_and_accuracy_by_agreement_on_a_worked_example():
    """Two pairs, worked by hand and against scipy: JSD in nats, KL(human || model) with the model clipped at 1e-15."""
    from scipy.spatial.distance import jensenshannon
    from nbutils.compare import human
    human_dist = [np.array([0.6, 0.4, 0.0]), np.array([1.0, 0.0, 0.0])]
    pred = pd.DataFrame({"example_id": ["a", "b"], "gold_label": [0, 0], "pred_label": [1, 0],
                         "prob_entailment": [0.3, 1.0], "prob_neutral": [0.7, 0.0], "prob_contradiction": [0.0, 0.0],
                         "n_annotators": [5, 5], "agreement": [0.6, 1.0], "human_dist": human_dist})
    row = human.distribution_table({("model", "test"): pred}).loc[("test", "model")]
    m = np.clip(np.array([[0.3, 0.7, 0.0], [1.0, 0.0, 0.0]]), 1e-15, 1)
    m = m / m.sum(axis=1, keepdims=True)
    kl_a = 0.6 * np.log(0.6 / m[0, 0]) + 0.4 * np.log(0.4 / m[0, 1])   # by hand: the zero-share label adds nothing
    assert row["kl_human_model"] == pytest.approx((kl_a + 0.0) / 2, rel=1e-9)
    js = [jensenshannon(h, q) for h, q in zip(human_dist, m)]   # scipy's natural-log default, pair by pair
    assert row["jensen_shannon_distance"] == pytest.approx(np.mean(js))
    mid = (human_dist[0] + m[0]) / 2   # and the first pair's distance by hand
    by_hand = np.sqrt((np.sum(human_dist[0][:2] * np.log(human_dist[0][:2] / mid[:2])) + np.sum(m[0] * np.log(m[0] / mid))) / 2)
    assert js[0] == pytest.approx(by_hand)
    assert row["accuracy_vs_all_annotators"] == 0.5 and row["accuracy_vs_consensus"] == 0.5 and row["annotators"] == "5 a pair"
    by_level = human.agreement_table({("model", "test"): pred}).loc[("test", "model")]
    assert by_level["accuracy 5/5"] == 1.0 and by_level["accuracy 3/5"] == 0.0 and by_level["pairs 3/5"] == 1
    split = human.with_not_unanimous({("model", "test"): pred})
    assert list(split) == [("model", "test"), ("model", "test · not unanimous")] and split[("model", "test · not unanimous")]["example_id"].tolist() == ["a"]
    assert human.distribution_table({("model", "test"): pred.drop(columns=["n_annotators", "agreement", "human_dist"])}) is None


def test_training_pairs_scored_by_region_are_scored_against_the_consensus(outputs):
    """Under first_annotator the map's gold_label is the author's; notebook 05's train_<region> sets use the consensus."""
    from nbutils.compare.stage import region_sets
    from nbutils.map.table import write_map
    table = small_map().assign(premise="A man.", hypothesis="A person.", consensus_label=[0, 1, 1, 2, 0, 1, 1, 0])
    write_map("first", table)
    sets = region_sets("first", 10)
    ambiguous = sets["train_ambiguous"].set_index("example_id")["gold_label"]
    assert ambiguous.to_dict() == {"p4": 0, "p5": 1, "p6": 1}, "p6: the author said entailment, the consensus neutral"

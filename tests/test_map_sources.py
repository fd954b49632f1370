"""Maps made elsewhere: the original cartography code's dynamics, coordinates and regions, read into a run's pairs."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nbutils.errors import WorkbookError
from nbutils.map.metrics import compute_metrics
from nbutils.map.sources import read_cartography_dynamics, read_coordinates, read_regions
from nbutils.train.dynamics import read_matrix, write_cartography_jsonl, write_point


def train_pairs(n: int, guids: bool = False) -> pd.DataFrame:
    t = pd.DataFrame({"example_id": [f"p{i}" for i in range(n)], "premise": "A man runs.", "hypothesis": "A person moves.",
                      "gold_label": np.arange(n) % 3})
    return t.assign(cartography_guid=np.arange(n) * 10 + 7) if guids else t


def our_dynamics(folder, ids, gold, epochs=3, seed=0):
    rng = np.random.default_rng(seed)
    for point in range(epochs):
        logits = rng.normal(size=(len(ids), 3)).astype(np.float32)
        write_point(folder, point, point + 1.0, np.asarray(ids, dtype=object), gold, logits)


def test_a_map_from_the_original_format_equals_the_map_from_our_own_dynamics(tmp_path):
    """Round trip: our dynamics exported in the original code's format and read back give the same metrics, AUM too."""
    train = train_pairs(90)
    our_dynamics(tmp_path / "dyn", train["example_id"], train["gold_label"].to_numpy())
    write_cartography_jsonl(tmp_path / "dyn", tmp_path / "export" / "training_dynamics")
    line = json.loads((tmp_path / "export" / "training_dynamics" / "dynamics_epoch_1.jsonl").read_text().splitlines()[0])
    assert set(line) == {"guid", "logits_epoch_1", "gold"}, "the original code's field names"
    theirs, coverage = read_cartography_dynamics(tmp_path / "export", train)
    ours = compute_metrics(read_matrix(tmp_path / "dyn")).set_index("example_id").sort_index()
    got = compute_metrics(theirs).set_index("example_id").sort_index()
    for col in ("confidence", "variability", "correctness", "forgetfulness", "aum"):
        assert np.allclose(got[col], ours[col], atol=1e-5), col
    assert coverage.covered == coverage.train_pairs == 90 and coverage.uncovered == 0


def test_the_original_codes_integer_guids_join_through_cartography_guid_and_coverage_is_counted(tmp_path):
    train = train_pairs(30, guids=True)
    folder = tmp_path / "training_dynamics"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for epoch in range(2):   # 20 of the run's pairs (by guid) and 5 pairs of another run
        with open(folder / f"dynamics_epoch_{epoch}.jsonl", "w") as f:
            for guid in [*(np.arange(20) * 10 + 7), *range(1000, 1005)]:
                f.write(json.dumps({"guid": int(guid), f"logits_epoch_{epoch}": rng.normal(size=3).tolist(), "gold": int(guid % 3)}) + "\n")
    matrix, coverage = read_cartography_dynamics(tmp_path, train)
    assert sorted(matrix.example_ids) == sorted(f"p{i}" for i in range(20))
    assert (coverage.covered, coverage.uncovered, coverage.not_in_run) == (20, 10, 5)
    assert "covers 20 of the run's 30 training pairs (10 not covered, never selected)" in coverage.line()


def test_a_missing_epoch_or_an_example_missing_from_an_epoch_is_named(tmp_path):
    train = train_pairs(9)
    folder = tmp_path / "training_dynamics"
    folder.mkdir()
    for epoch, ids in ((0, range(9)), (2, range(9))):
        (folder / f"dynamics_epoch_{epoch}.jsonl").write_text("".join(
            json.dumps({"guid": f"p{i}", f"logits_epoch_{epoch}": [0.1, 0.2, 0.3], "gold": i % 3}) + "\n" for i in ids))
    with pytest.raises(WorkbookError, match=r"epoch\(s\) \[1\] missing"):
        read_cartography_dynamics(tmp_path, train)
    (folder / "dynamics_epoch_1.jsonl").write_text("".join(
        json.dumps({"guid": f"p{i}", "logits_epoch_1": [0.1, 0.2, 0.3], "gold": i % 3}) + "\n" for i in range(7)))
    with pytest.raises(WorkbookError, match="epoch 1 lacks 2 example"):
        read_cartography_dynamics(tmp_path, train)


def test_coordinates_in_the_original_td_metrics_format(tmp_path):
    train = train_pairs(12, guids=True)
    rows = [{"guid": int(g), "index": i, "threshold_closeness": 0.2, "confidence": 0.1 * (i % 10), "variability": 0.02 * i,
             "correctness": 0.5, "forgetfulness": 0} for i, g in enumerate(train["cartography_guid"][:10])]
    (tmp_path / "td_metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    table, coverage = read_coordinates(tmp_path / "td_metrics.jsonl", train)
    assert list(table.columns) == ["example_id", "confidence", "variability", "correctness", "forgetfulness"]
    assert table.set_index("example_id").loc["p3", "variability"] == pytest.approx(0.06)
    assert (coverage.covered, coverage.uncovered) == (10, 2)
    (tmp_path / "no_var.jsonl").write_text("".join(json.dumps({k: v for k, v in r.items() if k != "variability"}) + "\n" for r in rows))
    with pytest.raises(WorkbookError, match="no_var.jsonl: no variability column"):
        read_coordinates(tmp_path / "no_var.jsonl", train)


def test_regions_only_and_their_bad_inputs(tmp_path):
    train = train_pairs(6, guids=True)
    path = tmp_path / "regions.csv"
    path.write_text("example_id,region\np0,ambiguous\np1,hard_to_learn\nzz,easy-to-learn\n")
    table, coverage = read_regions(path, train)
    assert table["region"].tolist() == ["ambiguous", "hard-to-learn"] and coverage.not_in_run == 1
    path.write_text("example_id,region\np0,vague\n")
    with pytest.raises(WorkbookError, match=r"regions.csv, line 2: unknown region 'vague'"):
        read_regions(path, train)
    path.write_text("example_id,region\nq0,ambiguous\n")
    with pytest.raises(WorkbookError, match="none of its 1 ids is a training pair of this run"):
        read_regions(path, train)
    path.write_text("id,region\np0,ambiguous\n7,hard-to-learn\n")   # guid 7 is p0 too
    with pytest.raises(WorkbookError, match="all name the training pair 'p0'"):
        read_regions(path, train)


def test_coordinates_give_every_metric_they_allow_and_say_what_they_cannot(tmp_path):
    """The original td_metrics stores correctness as a count and never-learned forgetfulness as 1000."""
    from nbutils.map.map_source import load_map
    from nbutils.map.regions import Thresholds
    train = train_pairs(40, guids=True)
    rows = [{"guid": int(g), "confidence": 0.9 - 0.02 * i, "variability": 0.01 * i, "correctness": i % 5,
             "forgetfulness": 1000 if i % 5 == 0 else i % 3} for i, g in enumerate(train["cartography_guid"][:30])]
    (tmp_path / "td_metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    loaded = load_map(f"coordinates:{tmp_path / 'td_metrics.jsonl'}", "unused", train, Thresholds(), "rank", 25.0)
    t = loaded.table.set_index("example_id")
    assert len(t) == 30 and loaded.coverage.uncovered == 10 and loaded.drawable
    assert t.loc["p4", "correct_count"] == 4 and t.loc["p4", "correctness"] == pytest.approx(1.0)
    assert t.loc["p5", "forgetfulness"] == -1 and t.loc["p5", "never_learned"] and not t.loc["p4", "never_learned"]
    assert t.loc["p2", "threshold_closeness"] == pytest.approx(0.86 * 0.14)
    assert (t["region"] == "ambiguous").sum() == 8, "rank mode over the 30 covered pairs: 25% each"
    lines = "\n".join(loaded.lines())
    assert "no AUM: the source holds no logits" in lines and "count of correct epochs" in lines
    assert "no confident-learning score (cleanlab): the source holds no logits" in lines
    assert "covers 30 of the run's 40 training pairs (10 not covered, never selected)" in lines
    assert loaded.by_label.loc["total"].tolist()[:2] == [30, 10]


def test_arms_and_their_controls_draw_only_from_the_pairs_the_map_covers(tmp_path):
    """A regions-only map over half the split: every arm's pairs are covered ones; the paper arms take its ambiguous region."""
    from nbutils.map.map_source import load_map
    from nbutils.map.regions import Thresholds
    from nbutils.retrain.arms import ARMS, plan_arms, plan_table
    from nbutils.retrain.mix import build_mix
    from nbutils.train.config import TrainConfig
    train = train_pairs(600)
    regions = np.array(["ambiguous", "hard-to-learn", "easy-to-learn", "other"])[np.arange(300) % 4]
    pd.DataFrame({"example_id": train["example_id"][::2], "region": regions}).to_csv(tmp_path / "r.csv", index=False)
    loaded = load_map(f"regions:{tmp_path / 'r.csv'}", "unused", train, Thresholds())
    assert not loaded.drawable and loaded.coverage.covered == 300 and "no confidence or variability" in loaded.lines()[2]
    selection = loaded.table[loaded.table["region"] != "other"]
    mix, _ = build_mix(selection, 60, {"ambiguous": 0.5, "hard-to-learn": 0.25, "easy-to-learn": 0.25}, seed=3)
    cfg = TrainConfig(epochs=1)
    from nbutils.labels import LABELS
    from nbutils.review import corrections
    mapped = loaded.table.reset_index(drop=True)
    decided = corrections.latest(pd.DataFrame([
        corrections.decision(mapped.iloc[0], "relabel", LABELS[(mapped["gold_label"][0] + 1) % 3]),
        corrections.decision(mapped.iloc[1], "relabel", LABELS[(mapped["gold_label"][1] + 2) % 3]),
        corrections.decision(mapped.iloc[2], "drop"), corrections.decision(mapped.iloc[3], "keep")]))
    plans = plan_arms(list(ARMS), mix, loaded.table, cfg=cfg, curriculum=[], weights={}, balanced_batches=False, teacher="",
                      rounds=1, base_cfg=cfg, seed=3, decided=decided)
    covered = set(loaded.table["example_id"])
    for plan in plans:
        assert set(plan.pairs["example_id"]) <= covered, plan.name
    by = {p.name: p for p in plans}
    assert set(by["paper"].pairs["example_id"]) == set(loaded.table.loc[loaded.table["region"] == "ambiguous", "example_id"])
    assert "ambiguous region" in plan_table(plans).loc["paper", "drawn_by"]
    assert len(by["paper_mixed"].pairs) == len(by["paper_mixed_random"].pairs) == 2 * len(by["paper"].pairs)
    assert by["paper_mixed"].pairs["example_id"].is_unique and len(by["all_mapped"].pairs) == 300
    assert (by["paper_mixed_random"].pairs["gold_label"].value_counts().sort_index().tolist()
            == by["paper_mixed"].pairs["gold_label"].value_counts().sort_index().tolist())
    cleaned, dropped = by["cleaned"].pairs.set_index("example_id"), by["cleaned_random_drop"].pairs.set_index("example_id")
    assert len(cleaned) == 299 and mapped["example_id"][2] not in cleaned.index, "the dropped pair goes"
    changed = (cleaned["gold_label"] != mapped.set_index("example_id").loc[cleaned.index, "gold_label"]).sum()
    assert changed == 2, "the two relabelled pairs take their new labels"
    assert len(dropped) == 300 - 3, "as many pairs dropped at random as the review corrected (2 relabelled + 1 dropped)"
    assert (dropped["gold_label"] == mapped.set_index("example_id").loc[dropped.index, "gold_label"]).all(), "no label changed"
    assert by["cleaned"].from_base and by["cleaned_random_drop"].from_base
    from nbutils.retrain.arms import cleaning_arms
    assert cleaning_arms(["selected", "cleaned", "cleaned_random_drop"], None) == (
        ["selected"], "no review decisions (review/corrections.csv or -p corrections): the arms cleaned, cleaned_random_drop are skipped")
    assert cleaning_arms(["selected", "cleaned"], decided) == (["selected", "cleaned"], "")


def test_the_published_regions_cover_the_split_and_other_pairs_are_other():
    from nbutils.map.map_source import load_map
    from nbutils.map.regions import Thresholds
    train = train_pairs(10).assign(roberta_region=["ambiguous", "hard_to_learn", *[None] * 8])
    loaded = load_map("reference", "unused", train, Thresholds())
    assert loaded.coverage.uncovered == 0 and loaded.table["region"].tolist()[:3] == ["ambiguous", "hard-to-learn", "other"]
    assert "easy-to-learn" not in set(loaded.table["region"])
    with pytest.raises(WorkbookError, match="carry no roberta_region column"):
        load_map("reference", "unused", train_pairs(10), Thresholds())


def test_malformed_sources_and_guids_that_name_two_pairs_are_one_message(tmp_path):
    from nbutils.map.map_source import check_source, parse
    with pytest.raises(WorkbookError, match="use run, run:<run name>, cartography:<folder>"):
        parse("coordinates:")
    with pytest.raises(WorkbookError, match="does not exist"):
        check_source(f"regions:{tmp_path / 'nothing.csv'}", train_pairs(4))
    train = train_pairs(4, guids=True)
    train.loc[3, "cartography_guid"] = train.loc[1, "cartography_guid"]
    (tmp_path / "r.csv").write_text("guid,region\n7,ambiguous\n")
    with pytest.raises(WorkbookError, match=r"give guid 17 to 2 different pairs \(\['p1', 'p3'\]\)"):
        check_source(f"regions:{tmp_path / 'r.csv'}", train)


def test_another_runs_map_from_its_dynamics_or_its_datamap_alone(outputs):
    """run:<name>: a map made on another machine (its outputs folder copied here), regions recomputed with these bounds."""
    from nbutils.map.map_source import check_source, load_map
    from nbutils.map.regions import Thresholds, assign_regions
    train = train_pairs(60)
    our_dynamics(outputs / "gpu-run" / "dynamics", train["example_id"][:50], train["gold_label"].to_numpy()[:50])
    loaded = load_map("run:gpu-run", "laptop", train, Thresholds())
    assert loaded.kind == "run" and loaded.coverage.covered == 50 and "aum" in loaded.has
    kept = loaded.table.drop(columns="region")
    for f in (outputs / "gpu-run" / "dynamics").glob("*.parquet"):
        f.unlink()
    kept.to_parquet(outputs / "gpu-run" / "datamap.parquet")
    strict = Thresholds(ambiguous_min_variability=0.05)
    again = load_map("run:gpu-run", "laptop", train, strict)
    assert again.table["example_id"].tolist() == kept["example_id"].tolist() and again.coverage.uncovered == 10
    assert (again.table["region"] == assign_regions(kept, strict)).all()
    with pytest.raises(WorkbookError, match="run 'elsewhere' has neither dynamics nor a datamap.parquet"):
        check_source("run:elsewhere", None)
    assert not (outputs / "elsewhere").exists(), "checking another run makes no folder for it"

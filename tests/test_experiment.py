"""The experiment: the arms' sets, the model-selection slice, Holm's adjustment, contrasts between arms, and bad input."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nbutils.compare.stage import comparison_table, contrast_table, holm_by
from nbutils.compare.statistics import holm
from nbutils.errors import WorkbookError
from nbutils.retrain.arms import check_arms, check_base_model, like, most_variable, plan_arms, training_budget
from nbutils.retrain.mix import build_mix
from nbutils.train.config import TrainConfig


def mapped(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """A map table: regions by a quarter each (and 'other'), labels 0/1/2, variability all different."""
    rng = np.random.default_rng(seed)
    regions = np.array(["easy-to-learn", "ambiguous", "hard-to-learn", "other"])[np.arange(n) % 4]
    return pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "region": regions, "gold_label": rng.integers(0, 3, n),
                         "variability": rng.permutation(n) / n, "confidence": rng.random(n)})


def plans_for(arms, rounds=1, augmented=0):
    table = mapped()
    selection = table[table["region"] != "other"]
    mix, _ = build_mix(selection, 400, {"ambiguous": 0.5, "hard-to-learn": 0.25, "easy-to-learn": 0.25}, seed=1)
    if augmented:  # rewrites of ambiguous pairs, as augment.add_to_mix lays them out
        extra = mix[mix["region"] == "ambiguous"].head(augmented).assign(example_id=lambda d: d["example_id"] + "~aug")
        mix = pd.concat([mix.assign(augmented=False), extra.assign(augmented=True)], ignore_index=True)
    cfg = TrainConfig(epochs=2, learning_rate=1e-4)
    base = TrainConfig(epochs=3, learning_rate=1e-3)
    return table, mix, plan_arms(arms, mix, table, cfg=cfg, curriculum=["easy-to-learn", "ambiguous", "hard-to-learn"],
                                 weights={"ambiguous": 2.0}, balanced_batches=True, teacher="", rounds=rounds, base_cfg=base,
                                 paper_percent=33.0, seed=5)


def test_each_arm_has_the_promised_size_labels_and_regions():
    table, mix, plans = plans_for(["selected", "random", "selected_plain", "paper", "paper_random"], rounds=2, augmented=30)
    p = {plan.name: plan for plan in plans}
    drawn = mix[~mix["augmented"]]
    assert len(p["selected"].pairs) == 430 and p["selected"].curriculum and p["selected"].balanced_batches and p["selected"].rounds == 2
    # random: as many pairs as the mix drew, the same label counts, uniform over every mapped pair (any region)
    r = p["random"].pairs
    assert len(r) == len(drawn) == 400 and r["example_id"].is_unique and set(r["example_id"]) <= set(table["example_id"])
    assert r["gold_label"].value_counts().sort_index().tolist() == drawn["gold_label"].value_counts().sort_index().tolist()
    assert "other" in set(r["region"]), "drawn from every mapped pair, not only the selected regions"
    assert (p["selected_plain"].pairs["example_id"] == drawn["example_id"].to_numpy()).all()
    # the plain arms see as many pairs as the selected arm: rounds x epochs x (easy 100 + easy/amb 330 + all 430)
    budget = 2 * 2 * (100 + 330 + 430)
    assert training_budget(mix, ["easy-to-learn", "ambiguous", "hard-to-learn"], 2, 2) == budget
    for arm in ("random", "selected_plain"):
        plan = p[arm]
        assert plan.cfg.epochs * len(plan.pairs) == pytest.approx(budget) and plan.cfg.learning_rate == 1e-4
        assert not plan.curriculum and not plan.weights and not plan.balanced_batches and plan.rounds == 1 and not plan.from_base
    # the paper: the top 33% by variability, and a uniform draw of that size and label counts; both from the base model
    top = table.sort_values("variability", ascending=False).head(990)
    assert set(p["paper"].pairs["example_id"]) == set(top["example_id"])
    pr = p["paper_random"].pairs
    assert len(pr) == 990 and pr["gold_label"].value_counts().sort_index().tolist() == top["gold_label"].value_counts().sort_index().tolist()
    assert set(pr["example_id"]) != set(top["example_id"])
    assert p["paper"].from_base and p["paper_random"].from_base and p["paper"].cfg.epochs == 3 and p["paper"].cfg.learning_rate == 1e-3


def test_arm_draws_are_reproducible_and_seeded():
    table = mapped()
    ref = table.head(200)
    assert like(ref, table, 3)["example_id"].tolist() == like(ref, table, 3)["example_id"].tolist()
    assert like(ref, table, 3)["example_id"].tolist() != like(ref, table, 4)["example_id"].tolist()


def test_unknown_arms_and_bad_shares_are_one_message(tmp_path):
    with pytest.raises(WorkbookError, match=r"unknown arm 'randm' \(did you mean 'random'\?\)"):
        check_arms(["selected", "randm"])
    with pytest.raises(WorkbookError, match="name each arm once"):
        check_arms(["random", "random"])
    with pytest.raises(WorkbookError, match="paper_percent=0"):
        most_variable(mapped(), 0)
    (tmp_path / "config.json").write_text("{}")  # a folder with a config and no weights
    with pytest.raises(WorkbookError, match="holds no weights"):
        check_base_model(str(tmp_path))
    check_base_model("random:tiny")   # the demo's base: a fresh init, as notebook 02's


def test_holm_matches_a_hand_computation():
    # sorted 0.01, 0.03, 0.04, 0.20: times 4, 3, 2, 1 = 0.04, 0.09, 0.08 -> 0.09 (monotone), 0.20
    assert holm(np.array([0.01, 0.04, 0.03, 0.20])) == pytest.approx([0.04, 0.09, 0.09, 0.20])
    assert holm(np.array([0.5, 0.6])) == pytest.approx([1.0, 1.0])
    table = pd.DataFrame({"model": ["a", "a", "b", "b", "a"], "mcnemar_p": [0.01, 0.04, 0.2, np.nan, 0.03]})
    assert holm_by(table, "model").tolist() == pytest.approx([0.03, 0.06, 0.2, np.nan, 0.06], nan_ok=True)


def _predictions(correct: np.ndarray, gold: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"example_id": [f"p{i}" for i in range(len(gold))], "gold_label": gold,
                         "pred_label": np.where(correct, gold, (gold + 1) % 3)})


def test_arm_contrast_is_first_minus_second_on_the_same_pairs():
    gold = np.random.default_rng(0).integers(0, 3, 100)
    base = np.arange(100) < 60
    sel, rnd = np.arange(100) < 70, np.arange(100) < 64   # selected 70 right, random 64: both contain the first 64
    preds = {(m, d): _predictions(c, gold) for d in ("validation", "contrast") for m, c in
             (("model", base), ("selected", sel), ("random", rnd))}
    table = comparison_table(preds, "model", n_resamples=200)
    assert table.loc[("validation", "selected"), "diff"] == pytest.approx(0.10)
    assert set(table.columns) >= {"mcnemar_p", "mcnemar_p_holm"}
    c = contrast_table(preds, n_resamples=200)
    row = c.loc[("selected − random", "validation")]
    assert row["diff"] == pytest.approx(0.06) and row["fixed"] == 6 and row["broken"] == 0
    assert row["mcnemar_p"] == pytest.approx(2 * 0.5 ** 6)            # exact McNemar: 6 discordant pairs, all one way
    assert row["mcnemar_p_holm"] == pytest.approx(min(1.0, 2 * 2 * 0.5 ** 6))  # two data sets in the family
    assert set(c.index.get_level_values("contrast")) == {"selected − random"}, "only contrasts whose two arms exist"


def test_selection_slice_is_held_out_of_every_mapped_and_scored_pair(shared_data, outputs):
    from nbutils.data import stage
    loaded = stage.run_stage("slice", train_file=str(shared_data / "snli_train_subset/snli_train_subset.jsonl.gz"),
                             validation_file=str(shared_data / "snli_validation/snli_validation.jsonl.gz"),
                             contrast_files=[str(shared_data / "counterfactual_snli/dev.jsonl")],
                             selection_pairs=300, limit_train=1200, seed=3)
    splits, contrast = loaded["splits"], loaded["contrast"]["dev"]
    held = splits["model_selection"]
    assert len(held) == 300 and len(splits["train"]) == 1200
    assert not set(held["example_id"]) & set(splits["train"]["example_id"]), "never mapped"
    scored = set(splits["validation"]["example_id"]) | set(contrast["example_id"]) | set(contrast["original_id"].dropna())
    assert not set(held["example_id"]) & scored, "never reported"
    shares = held["gold_label"].value_counts(normalize=True).sort_index()
    pool = splits["train"]["gold_label"].value_counts(normalize=True).sort_index()
    assert np.allclose(shares.to_numpy(), pool.to_numpy(), atol=0.02), "label-stratified like the file"
    report = loaded["reports"]
    assert report["train"]["dropped"]["held out for model selection (selection_pairs=300)"] == 300
    assert report["train"]["kept"] + sum(report["train"]["dropped"].values()) == report["train"]["rows_read"], "nothing lost"
    assert (outputs / "slice" / "data" / "model_selection.parquet").exists()


def test_a_training_pair_that_a_scored_set_holds_is_dropped_and_counted(shared_data, outputs, capsys):
    """Training on SNLI validation while scoring the counterfactual dev set, whose 200 originals are validation pairs."""
    from nbutils.data import holdout, stage
    cad = pd.read_json(shared_data / "counterfactual_snli/dev.jsonl", lines=True)
    val = pd.read_json(shared_data / "snli_validation/snli_validation.jsonl.gz", lines=True)
    plain = lambda s: s.str.lower().str.split().str.join(" ")
    cad_texts = set(zip(plain(cad["premise"]), plain(cad["hypothesis"])))
    expected = val["id"].isin(set(cad["original_id"])) | pd.Series([t in cad_texts for t in zip(plain(val["premise"]), plain(val["hypothesis"]))])
    loaded = stage.run_stage("overlap", train_file=str(shared_data / "snli_validation/snli_validation.jsonl.gz"),
                             validation_file=str(shared_data / "snli_test/snli_test.jsonl.gz"),
                             contrast_files=[str(shared_data / "counterfactual_snli/dev.jsonl")], selection_pairs=500, seed=1,
                             drop_scored_pairs=True)
    train, held, report = loaded["splits"]["train"], loaded["splits"]["model_selection"], loaded["reports"]["train"]
    assert expected.sum() >= 200
    assert report["dropped"][holdout.SCORED] == expected.sum()
    assert len(train) + len(held) == len(val) - expected.sum()
    kept = set(train["example_id"]) | set(held["example_id"])
    assert not kept & set(cad["original_id"]), "no original of a scored contrast pair is mapped or held out"
    assert not set(zip(plain(train["premise"]), plain(train["hypothesis"]))) & cad_texts
    assert report["kept"] + sum(report["dropped"].values()) == report["rows_read"], "nothing lost"
    capsys.readouterr()
    kept = stage.run_stage("overlap-kept", train_file=str(shared_data / "snli_validation/snli_validation.jsonl.gz"),
                           validation_file=str(shared_data / "snli_test/snli_test.jsonl.gz"),
                           contrast_files=[str(shared_data / "counterfactual_snli/dev.jsonl")], selection_pairs=500, seed=1)
    mapped = kept["splits"]["train"]["example_id"]
    also_scored = int(mapped.isin(set(val.loc[expected, "id"])).sum())
    assert also_scored >= 200 and kept["reports"]["train"]["scored_pairs_mapped"] == also_scored, "off: mapped, but counted"
    assert f"{also_scored:,} of the {len(mapped):,} mapped pairs are also in a scored set" in capsys.readouterr().out


def test_the_same_pair_under_another_id_is_not_trained_on():
    from nbutils.data.holdout import hold_out, in_scored_sets
    from nbutils.data.pairs import LoadReport
    train = pd.DataFrame({"example_id": [f"t{i}" for i in range(30)], "premise": [f"P {i}." for i in range(30)],
                          "hypothesis": ["H."] * 30, "gold_label": [i % 3 for i in range(30)]})
    scored = pd.DataFrame({"example_id": ["v1", "t7"], "premise": ["p   3.", "other"], "hypothesis": ["h.", "x"], "gold_label": [0, 1]})
    mask = in_scored_sets(train, {"train": train, "validation": scored}, {})
    assert mask.nonzero()[0].tolist() == [3, 7], "text up to case and spacing, and id"
    rest, held, _ = hold_out(train, report := LoadReport("f", 30, 30), 6, 0, mask, 0, "f")
    assert len(rest) == 22 and len(held) == 6 and not {"t3", "t7"} & (set(rest["example_id"]) | set(held["example_id"]))
    assert report.dropped == {"also in a scored set (same id, or same premise and hypothesis)": 2,
                              "held out for model selection (selection_pairs=6)": 6}


def test_selection_pairs_larger_than_the_training_file_is_one_message(outputs):
    from nbutils.data import stage
    with pytest.raises(WorkbookError, match=r"selection_pairs=5,000 is not smaller than the [\d,]+ training pairs"):
        stage.run_stage("big", train_file="demo", validation_file="demo", demo_train_size=400, selection_pairs=5000)


def test_every_model_was_chosen_on_the_selection_slice_only(demo_run):
    """From what training saved: notebook 02's trainer state and each arm's model_choice.json."""
    from nbutils.train import model_choice
    run = demo_run[0]
    state = json.loads(max((run / "checkpoints" / "model").glob("checkpoint-*/trainer_state.json"),
                           key=lambda p: int(p.parent.name.split("-")[1])).read_text())
    evals = [r for r in state["log_history"] if any(k.startswith("eval_") for k in r)]
    assert evals and all(k.startswith(("eval_selection_", "epoch", "step")) for r in evals for k in r), "02 evaluated the slice only"
    assert state["best_metric"] == max(r["eval_selection_accuracy"] for r in evals)
    folders = [run / "model"] + [run / "arms" / a for a in ("selected", "random", "selected_plain", "paper", "paper_random")]
    for folder in folders:
        choice = model_choice.read(folder)
        assert choice["rule"] == model_choice.RULE_BEST, folder
        assert "selection" in choice["eval_sets"] and not set(choice["eval_sets"]) & {"validation", "test", "demo_contrast"}
        best = max(h["selection"] for h in choice["history"])
        first_best = next(h for h in choice["history"] if h["selection"] == best)
        assert choice["chosen"] == first_best, f"{folder.name}: the first best epoch on the slice"


@pytest.mark.slow
def test_a_sweep_reports_a_failed_seed_resumes_it_and_aggregates_each_runs_values(outputs):
    import os
    import subprocess
    import sys

    from nbutils.paths import PROJECT_ROOT
    small = ["-p", "demo_train_size=900", "-p", "selection_pairs=200", "-p", "epochs=3", "-p", "retrain_size=150",
             "-p", "augment_count=0", "-p", "rounds=1", "-p", "arms=[selected, random]", "-p", "region_pairs=40",
             "-p", "held_back_per_region=30", "-p", "bootstrap_samples=100", "-p", "sample_points=2000"]
    cmd = [sys.executable, "-m", "nbutils", "sweep", "--profile", "demo", "--seeds", "1,2", "--name", "sw", *small]
    env = {**os.environ, "NBUTILS_OUTPUTS": str(outputs)}
    failed = subprocess.run([*cmd, "-p", "retrain_size=100000"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert failed.returncode == 2 and "seed(s) 1, 2 of sweep 'sw' failed" in failed.stderr and "--resume" in failed.stderr
    record = json.loads((outputs / "sw" / "sweep.json").read_text())
    assert {e["status"] for e in record["runs"].values()} == {"failed"} and "04_retrain" in record["runs"]["1"]["error"]
    done = subprocess.run([*cmd, "--resume"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "[01_load_data] done earlier, skipped (--resume)" in done.stderr
    table = pd.read_csv(outputs / "sw" / "across_seeds.csv").set_index(["kind", "effect", "data"])
    checked = 0
    for seed in (1, 2):
        comparison = pd.read_csv(outputs / f"sw-s{seed}" / "comparison.csv")
        for row in comparison[comparison["diff"].notna()].itertuples():
            assert table.loc[("vs baseline", f"{row.model} − model", row.data), f"seed_{seed}"] == pytest.approx(row.diff)
            checked += 1
        for row in pd.read_csv(outputs / f"sw-s{seed}" / "contrasts.csv").itertuples():
            assert table.loc[("contrast", row.contrast, row.data), f"seed_{seed}"] == pytest.approx(row.diff)
            checked += 1
    assert checked >= 2 * 3 * 2, "two arms against the baseline and one contrast, on several data sets, per seed"
    assert (table["runs"] == 2).all()
    assert np.allclose(table["mean_diff"], (table["seed_1"] + table["seed_2"]) / 2)
    index = (outputs / "sw" / "index.html").read_text()
    assert "../sw-s1/index.html" in index and "../sw-s2/index.html" in index and "selected − random" in index
    assert "rerun with --resume" in record["runs"]["1"]["error"], "the whole reason a seed failed, not its first line"
    sys.path.insert(0, str(PROJECT_ROOT / "tests"))
    from support.index_page import read_index, shown_points
    image, cells = read_index(outputs / "sw" / "index.html")
    assert image is True, "the seeds' maps load"
    contrasts = table.loc["contrast"].reset_index()
    merged = cells.merge(contrasts, left_on=["contrast", "data"], right_on=["effect", "data"], validate="one_to_one")
    assert len(merged) == len(contrasts) > 0 and cells["contrast"].iloc[0] == "selected − random"
    assert np.allclose(merged["diff"], merged["mean_diff"]) and np.allclose(merged["low"], merged["ci_low"], equal_nan=True)
    assert np.allclose(merged["high"], merged["ci_high"], equal_nan=True) and np.allclose(merged["p"], merged["t_test_p"], equal_nan=True)
    assert all(t.startswith(shown_points(d)) for t, d in zip(merged["text"], merged["mean_diff"]))

"""The full-size rehearsal (params/snli-rehearsal.yaml, bench/bench_rehearsal.py): the snli profile with only the CPU swaps,
and its path run end to end at a small size so it keeps working."""
from __future__ import annotations

import sys

import pandas as pd
import pytest

from nbutils.data.demo import make_demo
from nbutils.paths import PROJECT_ROOT
from nbutils.run.profiles import load_profile

# What a CPU cannot do, and the sizes that make the demo generator stand in for SNLI's files
SWAPPED = {"run_name", "train_file", "validation_file", "test_file", "model", "epochs",
           "demo_train_size", "demo_validation_size", "demo_test_size"}


def test_the_rehearsal_is_the_snli_profile_with_only_the_cpu_swaps():
    snli, rehearsal = load_profile("snli"), load_profile("snli-rehearsal")
    differ = {k for k in {*snli, *rehearsal} if snli.get(k) != rehearsal.get(k)}
    assert differ == SWAPPED
    assert rehearsal["model"] == "random:tiny" and rehearsal["epochs"] >= 2   # two logging points at least: variability
    assert (rehearsal["demo_train_size"], rehearsal["demo_validation_size"], rehearsal["demo_test_size"]) == (549_367, 9_842, 9_824)
    assert {rehearsal[f"{s}_file"] for s in ("train", "validation", "test")} == {"demo"}


def test_the_demo_test_split_is_extra_and_leaves_the_other_splits_as_they_were():
    before = make_demo(n_train=300, n_validation=80, seed=3)
    now = make_demo(n_train=300, n_validation=80, n_test=50, seed=3)
    assert "test" not in before and len(now["test"]) == 50
    for split in ("train", "validation", "contrast"):
        pd.testing.assert_frame_equal(before[split], now[split])
    assert now["test"]["example_id"].is_unique
    assert not set(now["test"]["example_id"]) & set(now["validation"]["example_id"])


@pytest.mark.slow
def test_the_rehearsal_path_at_a_few_thousand_pairs(tmp_path, capsys):
    """The bench's own run and measurements at 2,000 pairs: the profile holds 1,000 out for model selection, so 1,000 are
    mapped, enough for every region and arm; smaller validation, test and retraining sets (the bench's path, not its sizes)."""
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    import bench_rehearsal as bench
    bench.OVERRIDES[:] = ["retrain_size=300", "demo_validation_size=600", "demo_test_size=500", "bootstrap_samples=200"]
    assert bench.finish(bench.start(tmp_path, 2000), "2,000") == 0
    run = tmp_path / bench.run_name(2000)
    assert len(pd.read_parquet(run / "data" / "test.parquet")) == 500
    assert len(pd.read_parquet(run / "datamap.parquet")) == 2000 - bench.SELECTION_PAIRS
    scored = pd.read_csv(run / "comparison.csv").groupby("data")["pairs"].max().to_dict()
    assert scored["validation"] == 600 and scored["test"] == 500 and scored["generated_contrast"] > 0
    m = bench.measure(tmp_path, 2000)
    assert set(m["files_mb"]) == {*(f"reports/{nb}.html" for nb in bench.NOTEBOOKS), "index.html", "figures/datamap.html"}
    for nb, n in m["notebooks"].items():
        assert n["wall_s"] > 0 and n["peak_mib"] > 100, nb
        assert (0 < n["training_s"] < n["wall_s"]) == (nb in ("02_train_dynamics", "04_retrain")), nb
    bench.print_size(m)
    table = capsys.readouterr().out
    assert "| 03_data_map |" in table and "| figures/datamap.html |" in table

"""Dynamics files: round trip, repeats from padded samplers dropped, missing points named, original format export."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nbutils.train import dynamics as dyn
from nbutils.errors import WorkbookError


def test_round_trip_aligns_by_id_and_drops_repeats(tmp_path):
    logits = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]]))
    dyn.write_point(tmp_path, 0, 1.0, np.array(["a", "b", "c"]), np.array([0, 0, 2]), logits)
    # a second process saw 'a' again (the distributed sampler's padding) and 'c', 'b' in another order
    dyn.write_point(tmp_path, 1, 2.0, np.array(["c", "b", "a"]), np.array([2, 0, 0]), logits[[0, 1, 2]], rank=0)
    dyn.write_point(tmp_path, 1, 2.0, np.array(["a"]), np.array([0]), logits[[0]], rank=1)
    m = dyn.read_matrix(tmp_path)
    assert list(m.example_ids) == ["a", "b", "c"] and m.n_points == 2
    assert m.gold_prob[:, 0] == pytest.approx([0.7, 0.1, 0.6])
    assert m.gold_prob[:, 1] == pytest.approx([0.2, 0.1, 0.1])
    assert m.correct[:, 0].tolist() == [True, False, True]
    assert list(m.epochs) == [1.0, 2.0]
    files = dyn.write_cartography_jsonl(tmp_path, tmp_path / "training_dynamics")
    first = json.loads(files[0].read_text().splitlines()[0])
    assert set(first) == {"guid", "logits_epoch_0", "gold"} and len(first["logits_epoch_0"]) == 3


def test_ids_of_any_type_are_stored_as_strings(tmp_path):
    """Ids from a user's table may be ints; the file holds their text, as for string ids."""
    logits = np.zeros((3, 3), np.float32)
    dyn.write_point(tmp_path, 0, 1.0, np.array([7, 8, 9], dtype=object), np.array([0, 1, 2]), logits)
    dyn.write_point(tmp_path, 1, 2.0, np.array(["7", "8", "9"], dtype=object), np.array([0, 1, 2]), logits)
    m = dyn.read_matrix(tmp_path)
    assert list(m.example_ids) == ["7", "8", "9"] and m.n_points == 2


def test_missing_point_and_missing_examples_are_named(tmp_path):
    logits = np.zeros((2, 3))
    dyn.write_point(tmp_path, 0, 1.0, np.array(["a", "b"]), np.array([0, 1]), logits)
    dyn.write_point(tmp_path, 2, 3.0, np.array(["a", "b"]), np.array([0, 1]), logits)
    with pytest.raises(WorkbookError, match=r"point\(s\) \[1\] are missing"):
        dyn.read_matrix(tmp_path)
    dyn.write_point(tmp_path, 1, 2.0, np.array(["a"]), np.array([0]), logits[:1])
    with pytest.raises(WorkbookError, match="examples missing"):
        dyn.read_matrix(tmp_path)


def test_empty_folder_says_what_to_run(tmp_path):
    with pytest.raises(WorkbookError, match="notebook 02"):
        dyn.read_matrix(tmp_path)


def test_a_fractional_last_epoch_never_overwrites_a_logging_point(tmp_path):
    """2.5 epochs: in_training keeps its two whole-epoch points intact; eval_pass logs a third at epoch 2.5."""
    import pandas as pd

    from nbutils.data.demo import make_demo
    from nbutils.data.encode import encode_pairs
    from nbutils.train.config import TrainConfig
    from nbutils.train.models import load_model_and_tokenizer
    from nbutils.train.trainer import train
    d = make_demo(n_train=200, n_validation=20, seed=4)["train"]
    texts = pd.concat([d["premise"], d["hypothesis"]]).tolist()
    for mode, points, epochs in (("in_training", 2, [1.0, 2.0]), ("eval_pass", 3, [1.0, 2.0, 2.5])):
        model, tok = load_model_and_tokenizer("random:tiny", train_texts=texts, max_length=48)
        cfg = TrainConfig(epochs=2.5, batch_size=20, dynamics_mode=mode, progress_bar=False, save_checkpoints=False)
        train(model, tok, cfg, encode_pairs(tok, d, 48), d["example_id"].to_numpy(dtype=object), output_dir=tmp_path / mode / "ck",
              dynamics_folder=tmp_path / mode / "dyn")
        m = dyn.read_matrix(tmp_path / mode / "dyn")
        assert m.n_points == points and np.allclose(m.epochs, epochs) and len(m.example_ids) == 200, mode


def test_the_reader_refuses_an_example_recorded_twice_by_one_process(tmp_path):
    ids = np.array(["a", "b", "a"], dtype=object)
    dyn.write_point(tmp_path, 0, 1.0, ids, np.array([0, 1, 0]), np.zeros((3, 3)))
    with pytest.raises(WorkbookError, match="'a' is recorded twice at logging point 0 by process 0"):
        dyn.read_records(tmp_path)


def test_repeats_across_processes_are_dropped_and_counted(tmp_path):
    dyn.write_point(tmp_path, 0, 1.0, np.array(["a", "b"], dtype=object), np.array([0, 1]), np.zeros((2, 3)), rank=0)
    dyn.write_point(tmp_path, 0, 1.0, np.array(["c", "a"], dtype=object), np.array([2, 0]), np.zeros((2, 3)), rank=1)
    records = dyn.read_records(tmp_path)
    assert sorted(records["example_id"]) == ["a", "b", "c"] and records.attrs["padded_repeats"] == 1


@pytest.mark.parametrize("first,second,holes", [(["a", "b"], ["a", "b", "c"], "{0: 1}"), (["a", "b", "c"], ["a", "b"], "{1: 1}")])
def test_an_example_missing_from_any_point_is_named_with_its_point(tmp_path, first, second, holes):
    for point, ids in enumerate((first, second)):
        dyn.write_point(tmp_path, point, point + 1.0, np.array(ids, dtype=object), np.zeros(len(ids), int), np.zeros((len(ids), 3)))
    with pytest.raises(WorkbookError, match=f"examples missing at logging point\\(s\\) {holes}"):
        dyn.read_matrix(tmp_path)


def test_the_matrix_reader_names_an_example_recorded_twice_in_one_file(tmp_path):
    dyn.write_point(tmp_path, 0, 1.0, np.array(["a", "b"], dtype=object), np.array([0, 1]), np.zeros((2, 3)))
    dyn.write_point(tmp_path, 1, 2.0, np.array(["b", "a", "b"], dtype=object), np.array([1, 0, 1]), np.zeros((3, 3)))
    with pytest.raises(WorkbookError, match=r"example 'b' is recorded twice in point_0001\.rank0\.parquet"):
        dyn.read_matrix(tmp_path)


def test_a_few_examples_gold_probabilities_at_every_point_without_the_whole_matrix(tmp_path):
    from nbutils.train import dynamics as dyn
    ids = np.array(["a", "b", "c"], dtype=object)
    gold = np.array([0, 1, 2])
    for point in range(3):
        logits = np.array([[point, 0.0, 0.0], [0.0, 1.0, point], [0.0, 0.0, 2.0]])
        dyn.write_point(tmp_path, point, point + 1.0, ids, gold, logits)
    got = dyn.gold_probs_of(tmp_path, ["b", "c"])
    m = dyn.read_matrix(tmp_path)
    assert set(got) == {"b", "c"}
    for e in ("b", "c"):
        assert np.allclose(got[e], m.gold_prob[list(m.example_ids).index(e)], atol=1e-4)

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
    # a second process saw 'a' again (DistributedSampler padding) and 'c', 'b' in another order
    dyn.write_point(tmp_path, 1, 2.0, np.array(["c", "b"]), np.array([2, 0]), logits[[0, 1]], rank=0)
    dyn.write_point(tmp_path, 1, 2.0, np.array(["a", "a"]), np.array([0, 0]), logits[[2, 2]], rank=1)
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

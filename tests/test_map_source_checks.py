"""A map made elsewhere is checked like a data file: every value before anything trains, one message naming the file,
the line and the field; a source run's state; a model folder's contents; no traceback for any of it."""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbutils.errors import WorkbookError
from nbutils.map.map_source import check_source, load_map, save_checked
from nbutils.map.regions import Thresholds
from nbutils.train.dynamics import write_cartography_jsonl, write_point

PAIRS = 30


@pytest.fixture
def train_file(tmp_path) -> Path:
    """A small training file with its own ids, so a map file can name its pairs and the check runs before notebook 01."""
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps({"example_id": f"p{i}", "premise": f"A man number {i} runs.", "hypothesis": "A person moves.",
                                        "label": i % 3}) + "\n" for i in range(PAIRS)))
    return path


@pytest.fixture
def refused(entry_point, outputs, train_file):
    """`python -m nbutils run -p train_file=T -p KEY=VALUE ...`: its message, after asserting it stopped before notebook 01
    with one message and no traceback."""
    def call(*params: str) -> str:
        args = [a for p in params for a in ("-p", p)]
        p = entry_point("run", "--run-name", "mapcheck", "-p", f"train_file={train_file}", *args)
        said = p.stderr + p.stdout
        assert p.returncode == 2 and said.startswith("error: "), said[-2000:]
        assert "Traceback" not in said and not (outputs / "mapcheck" / "notebooks").exists(), said[-2000:]
        return said
    return call


def train_pairs() -> pd.DataFrame:
    return pd.DataFrame({"example_id": [f"p{i}" for i in range(PAIRS)], "premise": "A man runs.", "hypothesis": "A person moves.",
                         "gold_label": np.arange(PAIRS) % 3})


def coordinates(path: Path, rows: dict[int, dict] | None = None) -> Path:
    """A coordinates file of every pair, with some rows' fields replaced (raw JSON text, so NaN and Infinity can be written)."""
    lines = []
    for i in range(PAIRS):
        fields = {"guid": json.dumps(f"p{i}"), "confidence": f"{0.3 + i / 100:.3f}", "variability": "0.2",
                  "forgetfulness": "1", **(rows or {}).get(i, {})}
        lines.append("{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}\n")
    path.write_text("".join(lines))
    return path


def cartography_folder(root: Path, epochs: int = 3) -> Path:
    """Our dynamics of every pair exported in the original code's format."""
    rng = np.random.default_rng(0)
    train = train_pairs()
    for point in range(epochs):
        write_point(root / "ours", point, point + 1.0, train["example_id"].to_numpy(dtype=object), train["gold_label"].to_numpy(),
                    rng.normal(size=(PAIRS, 3)).astype(np.float32))
    write_cartography_jsonl(root / "ours", root / "export" / "training_dynamics")
    return root / "export" / "training_dynamics"


def rewrite_line(path: Path, n: int, change) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[n - 1] = json.dumps(change(json.loads(lines[n - 1]))) + "\n"
    path.write_text("".join(lines))


def test_logits_of_another_length_or_not_finite_are_named_by_file_and_line(tmp_path, refused):
    folder = cartography_folder(tmp_path)
    epoch = folder / "dynamics_epoch_1.jsonl"
    rewrite_line(epoch, 3, lambda r: {**r, "logits_epoch_1": r["logits_epoch_1"][:2]})
    said = refused(f"map_source=cartography:{folder}")
    assert "dynamics_epoch_1.jsonl, line 3: 2 logit(s) where the labels are 3" in said
    rewrite_line(epoch, 3, lambda r: {**r, "logits_epoch_1": [0.1, 0.2, 0.3]})
    rewrite_line(epoch, 5, lambda r: {**r, "logits_epoch_1": [float("nan"), 0.2, 0.3]})   # json writes NaN, as Python's exporter does
    said = refused(f"map_source=cartography:{folder}")
    assert "dynamics_epoch_1.jsonl, line 5: logits_epoch_1 holds a value that is not finite" in said
    rewrite_line(epoch, 5, lambda r: {**r, "logits_epoch_1": [0.1, 0.2, 0.3], "gold": 3})
    assert "dynamics_epoch_1.jsonl, line 5: gold 3 is not a label id 0-2" in refused(f"map_source=cartography:{folder}")


def test_a_cut_short_gzip_map_or_data_file_is_one_message(tmp_path, refused, entry_point, train_file):
    whole = coordinates(tmp_path / "c.jsonl").read_bytes() * 40
    cut = tmp_path / "t.jsonl.gz"
    cut.write_bytes(gzip.compress(whole)[:300])
    assert "t.jsonl.gz: the compressed file is cut short or damaged" in refused(f"map_source=coordinates:{cut}")
    data = tmp_path / "train.jsonl.gz"
    data.write_bytes(gzip.compress(train_file.read_bytes() * 50)[:200])
    p = entry_point("run", "--run-name", "mapcheck", "-p", f"train_file={data}")
    assert p.returncode == 2 and "train.jsonl.gz: the compressed file is cut short or damaged" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.parametrize("value", ["!!python/object:os.system", '!!python/object/apply:os.system ["touch tagged"]'])
def test_a_yaml_tag_in_a_parameter_is_one_message_and_runs_nothing(refused, value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    said = refused(f"model={value}")
    assert "not plain YAML data" in said and "a tag such as !!python/... is never read" in said
    assert not (tmp_path / "tagged").exists()


@pytest.mark.parametrize("fields,message", [
    ({"confidence": "NaN"}, "line 4: confidence is missing or NaN, not a finite number"),
    ({"variability": "Infinity"}, "line 4: variability is inf, not a finite number"),
    ({"variability": "-0.2"}, "line 4: variability is -0.2, outside [0, 0.5]"),
    ({"confidence": "1.7"}, "line 4: confidence is 1.7, outside [0, 1]"),
    ({"confidence": '"high"'}, "line 4: confidence is 'high', not a number"),
    ({"confidence": "null"}, "line 4: confidence is missing or NaN, not a finite number"),
    ({"forgetfulness": "1.5"}, "line 4: forgetfulness is 1.5, not a whole count"),
])
def test_a_coordinate_out_of_range_not_finite_or_not_a_number_is_refused_by_line_and_field(tmp_path, refused, fields, message):
    path = coordinates(tmp_path / "c.jsonl", {3: fields, 9: fields})
    said = refused(f"map_source=coordinates:{path}")
    assert f"c.jsonl, {message} (2 in all: line 4, line 10)" in said


def test_every_fault_of_the_reproduction_is_found_before_notebook_01(tmp_path, refused):
    """NaN confidence, infinite variability, negative variability and confidence 1.7 in one file: the first is named."""
    path = coordinates(tmp_path / "c.jsonl", {1: {"confidence": "NaN"}, 2: {"variability": "Infinity"}, 3: {"variability": "-0.2"},
                                              4: {"confidence": "1.7"}})
    said = refused(f"map_source=coordinates:{path}")
    assert "c.jsonl, line 2: confidence is missing or NaN, not a finite number" in said
    coordinates(path, {2: {"variability": "Infinity"}, 3: {"variability": "-0.2"}, 4: {"confidence": "1.7"}})
    assert "c.jsonl, line 5: confidence is 1.7, outside [0, 1]" in refused(f"map_source=coordinates:{path}")
    coordinates(path, {2: {"variability": "Infinity"}, 3: {"variability": "-0.2"}})
    assert "c.jsonl, line 3: variability is inf" in refused(f"map_source=coordinates:{path}")


def test_empty_map_files_and_folders_say_what_a_map_file_holds(tmp_path, refused):
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "regions.csv").write_text("")
    for source in (f"coordinates:{tmp_path / 'empty.jsonl'}", "coordinates:/dev/null", f"regions:{tmp_path / 'regions.csv'}"):
        said = refused(f"map_source={source}")
        assert "is empty" in said and "one row per pair: an id" in said and "premise" not in said, said
    said = refused(f"map_source=coordinates:{tmp_path}")
    assert "is a folder; coordinates:FILE reads a file" in said and "use cartography:FOLDER" in said and "disk space" not in said
    (tmp_path / "header.csv").write_text("example_id,region\n")
    assert "header.csv: the file has no rows, only a header" in refused(f"map_source=regions:{tmp_path / 'header.csv'}")


def test_a_duplicated_id_names_its_lines(tmp_path, refused):
    path = coordinates(tmp_path / "c.jsonl", {7: {"guid": '"p2"'}})
    assert "c.jsonl, lines 3, 8: id 'p2' appears 2 times" in refused(f"map_source=coordinates:{path}")
    (tmp_path / "r.csv").write_text("id,region\np1,ambiguous\np4,easy_to_learn\np1,hard-to-learn\n")
    assert "r.csv, lines 2, 4: id 'p1' appears 2 times" in refused(f"map_source=regions:{tmp_path / 'r.csv'}")


def test_a_model_folder_must_hold_a_model(tmp_path, refused):
    said = refused(f"model={tmp_path}", "arms=[selected, random]")
    assert "holds no config.json, so it is not a saved model" in said
    (tmp_path / "config.json").write_text("{}")
    assert "holds no model.safetensors or pytorch_model.bin" in refused(f"model={tmp_path}")
    assert "is a file; give the folder" in refused(f"model={tmp_path / 'config.json'}")


def run_folder(outputs: Path, name: str, points: int, statuses: dict[str, str]) -> Path:
    """A run made elsewhere: its dynamics at `points` logging points and a manifest with these notebook statuses."""
    train = train_pairs()
    rng = np.random.default_rng(1)
    for point in range(points):
        write_point(outputs / name / "dynamics", point, point + 1.0, train["example_id"].to_numpy(dtype=object),
                    train["gold_label"].to_numpy(), rng.normal(size=(PAIRS, 3)).astype(np.float32))
    (outputs / name / "manifest.json").write_text(json.dumps({"parameters": {"epochs": 4},
                                                              "notebooks": {k: {"status": v} for k, v in statuses.items()}}))
    return outputs / name


def test_an_unfinished_source_run_is_refused_unless_asked_for_and_then_its_points_are_named(outputs, refused):
    run_folder(outputs, "half", 2, {"01_load_data": "ok", "02_train_dynamics": "interrupted", "03_data_map": "pending"})
    said = refused("map_source=run:half")
    assert "its notebook 02 did not finish (interrupted): its dynamics hold 2 logging point(s), at epoch(s) 1, 2, of a run " \
           "planned for 4 epoch(s)" in said and "-p map_source_unfinished=true" in said
    assert check_source("run:half", train_pairs(), unfinished=True) is None
    loaded = load_map("run:half", "here", train_pairs(), Thresholds(), unfinished=True)
    assert any("the map is drawn from those 2 point(s)" in line for line in loaded.lines())


def test_a_source_run_that_is_training_now_is_refused_naming_its_holder(outputs, refused):
    from nbutils.run_lock import run_lock
    folder = run_folder(outputs, "busy", 2, {"01_load_data": "ok", "02_train_dynamics": "running"})
    with run_lock(folder):
        said = refused("map_source=run:busy")
        assert f"run 'busy' is running now (02_train_dynamics; pid {os.getpid()}" in said and "dynamics are not final" in said
        (folder / "manifest.json").write_text(json.dumps({"notebooks": {"02_train_dynamics": {"status": "ok"},
                                                                         "03_data_map": {"status": "ok"}, "04_retrain": {"status": "running"}}}))
        loaded = load_map("run:busy", "here", train_pairs(), Thresholds())
        assert any("was running (04_retrain)" in line and "dynamics were final" in line for line in loaded.lines())


def test_the_checked_source_is_what_notebook_03_draws_and_a_changed_file_is_read_again(tmp_path, outputs, monkeypatch):
    import nbutils.map.map_source as map_source
    path = coordinates(tmp_path / "c.jsonl")
    source = f"coordinates:{path}"
    checked = check_source(source, train_pairs())
    save_checked("here", source, checked)
    read = map_source.read_source
    monkeypatch.setattr(map_source, "read_source", lambda *a: pytest.fail("notebook 03 read the source a second time"))
    first = load_map(source, "here", train_pairs(), Thresholds())
    assert first.table.set_index("example_id")["confidence"]["p5"] == pytest.approx(0.35)
    coordinates(path, {5: {"confidence": "0.9"}})   # rewritten since the check (notebook 03 rerun by hand later)
    calls = []
    monkeypatch.setattr(map_source, "read_source", lambda *a: calls.append(a) or read(*a))
    again = load_map(source, "here", train_pairs(), Thresholds())
    assert calls and again.table.set_index("example_id")["confidence"]["p5"] == pytest.approx(0.9)


def test_a_checked_cartography_folder_gives_the_same_map_from_the_run_folder(tmp_path, outputs):
    """The checked logits survive the round trip through map_source_checked.parquet exactly."""
    folder = cartography_folder(tmp_path)
    source = f"cartography:{folder}"
    direct = load_map(source, "elsewhere", train_pairs(), Thresholds())
    save_checked("here", source, check_source(source, None))
    saved = load_map(source, "here", train_pairs(), Thresholds())
    pd.testing.assert_frame_equal(direct.table, saved.table)


def test_a_linked_folder_beside_the_checkout_is_shown_as_linked(tmp_path, monkeypatch):
    """../shared as a symbolic link to data kept elsewhere: reports show ../shared/..., not the file's bare name."""
    from nbutils import paths
    project, elsewhere = tmp_path / "work" / "project", tmp_path / "disk" / "snli-files"
    (project / "outputs").mkdir(parents=True)
    (elsewhere / "data").mkdir(parents=True)
    (elsewhere / "data" / "x.jsonl").write_text("{}\n")
    (tmp_path / "work" / "shared").symlink_to(elsewhere)
    monkeypatch.setattr(paths, "PROJECT_ROOT", project)
    monkeypatch.setenv("NBUTILS_OUTPUTS", str(project / "outputs"))
    monkeypatch.chdir(project)
    assert paths.shown(paths.resolve_input("../shared/data/x.jsonl")) == "../shared/data/x.jsonl"
    assert paths.shown(str(project / ".." / "shared" / "data" / "x.jsonl")) == "../shared/data/x.jsonl"
    assert paths.shown(str(elsewhere / "data" / "x.jsonl")) == "../shared/data/x.jsonl"

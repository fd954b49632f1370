"""Bad values, faults and unfamiliar files: one clear message each, or it works."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from nbutils.data.pairs import load_pairs
from nbutils.errors import WorkbookError
from nbutils.paths import PROJECT_ROOT


def cli(*args: str, outputs, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbutils", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "NBUTILS_OUTPUTS": str(outputs)})


@pytest.mark.parametrize("name", ["../../x", "a/b", ".hidden", "with space", "x" * 101])
def test_run_names_are_one_safe_folder(tmp_path, name):
    p = cli("run", "--profile", "demo", "--run-name", name, outputs=tmp_path / "outputs")
    assert p.returncode == 2 and "run name" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "x").exists() and not any((tmp_path / "outputs").glob("**/notebooks"))


def test_a_second_run_of_the_same_name_is_refused_naming_the_holder(tmp_path):
    from nbutils.run.lock import run_lock
    folder = tmp_path / "outputs" / "busy"
    folder.mkdir(parents=True)
    with run_lock(folder):
        p = cli("run", "--profile", "demo", "--run-name", "busy", outputs=tmp_path / "outputs")
    assert p.returncode == 2 and f"run 'busy' is in use by another process (pid {os.getpid()}" in p.stderr
    assert not (folder / "notebooks").exists(), "refused before any notebook ran"
    with run_lock(folder):   # released: the lock can be taken again
        pass


def test_a_stale_running_manifest_is_recorded_as_interrupted(outputs, capsys):
    from nbutils import paths
    from nbutils.run.pipeline import _run_notebooks
    out = paths.run_dir("stale")
    (out / "manifest.json").write_text(json.dumps({"run_name": "stale", "profile": "demo", "status": "running", "notebooks": {}}))
    _run_notebooks(out, "demo", {"run_name": "stale"}, {}, [], resume=True)
    assert "stopped without finishing (killed?)" in capsys.readouterr().err
    assert json.loads((out / "manifest.json").read_text())["status"] == "ok"


def test_an_unwritable_outputs_folder_is_one_message_not_a_traceback(tmp_path):
    p = cli("run", "--profile", "demo", outputs="/proc/1/outputs")
    assert p.returncode == 2 and p.stderr.startswith("error:") and "Traceback" not in p.stderr


def test_a_byte_order_mark_and_null_labels_load(tmp_path):
    path = tmp_path / "bom.jsonl"
    rows = [{"premise": "A dog runs.", "hypothesis": "An animal moves.", "label": 0},
            {"premise": "A cat sits.", "hypothesis": "A cat sleeps.", "label": None},
            {"premise": "A man eats.", "hypothesis": "A man cooks.", "label": 1}]
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(json.dumps(r) for r in rows).encode())
    table, report = load_pairs(path)
    assert table["gold_label"].tolist() == [0, 1], "1.0 (ints with a null, read as floats) is label 1"
    assert report.dropped == {"no gold label (-1 or '-')": 1} and report.kept == 2


def test_a_file_without_a_labelled_pair_is_one_message(tmp_path):
    path = tmp_path / "unlabelled.jsonl"
    path.write_text('{"premise": "A dog runs.", "hypothesis": "An animal moves.", "label": -1}\n')
    with pytest.raises(WorkbookError, match="no labelled pair is left"):
        load_pairs(path)
    p = cli("data", "check", str(path), outputs=tmp_path)
    assert p.returncode == 1 and "INVALID" in p.stdout and "no labelled pair is left" in p.stdout


def test_the_shareable_map_survives_any_text(tmp_path):
    from nbutils.map.regions import Thresholds
    from nbutils.map.shareable_page import write_datamap_html
    t = pd.DataFrame({"example_id": ["a", "b"], "premise": ["<!--<script>alert(1)</script>", "fine"],
                      "hypothesis": ["</script><b>", "ok"], "gold_label": [0, 1], "confidence": [0.5, 0.9],
                      "variability": [0.3, 0.05], "correctness": [0.5, 1.0]})
    page = write_datamap_html(t, Thresholds(), tmp_path / "m.html", title="<i>run</i>").read_text()
    data = page[page.index("const D = ") + len("const D = "):page.index("\n", page.index("const D = "))]
    assert "<" not in data, "no text in the embedded data can open or close a tag"
    assert "<title>&lt;i&gt;run&lt;/i&gt;</title>" in page

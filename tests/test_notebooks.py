"""Notebooks are committed clean, thin, and declare typed, commented parameters papermill can read."""
from __future__ import annotations

import ast
import json

import papermill as pm
import pytest

from nbutils.paths import NOTEBOOKS, NOTEBOOKS_DIR

PATHS = [NOTEBOOKS_DIR / f"{n}.ipynb" for n in NOTEBOOKS]


def test_the_five_notebooks_exist_in_run_order():
    assert sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb")) == [p.name for p in PATHS]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_committed_without_outputs_counts_or_widget_state(path):
    nb = json.loads(path.read_text())
    assert "widgets" not in nb["metadata"], "saved widget state"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{path.name} has outputs"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_title_parameters_and_thin_cells(path):
    nb = json.loads(path.read_text())
    title = "".join(nb["cells"][0]["source"])
    assert title.startswith(f"# {path.stem[:2]} · ") and "**Reads:**" in title and "**Writes:**" in title
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged parameters"
    lines = [l for l in "".join(tagged[0]["source"]).splitlines() if l.strip()]
    declared = pm.inspect_notebook(str(path))
    assert len(declared) == len(lines), "papermill must parse every parameter line (no '=' or ';' in comments)"
    for name, info in declared.items():
        assert info["inferred_type_name"] != "None" and info["help"], f"{name}: needs a type and a comment"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            tree = ast.parse("".join(cell["source"]))
            assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))], "logic belongs in nbutils"
            if cell is not tagged[0]:
                assert len("".join(cell["source"]).splitlines()) <= 8, "cells stay short"
    assert nb["cells"][2]["cell_type"] == "code" and "setup(" in "".join(nb["cells"][2]["source"]), "setup call after parameters"


def test_parameters_left_at_their_defaults_take_the_runs_recorded_values(outputs):
    import json

    from nbutils.run.notebook import run_settings
    (outputs / "r").mkdir(parents=True)
    (outputs / "r" / "manifest.json").write_text(json.dumps({"parameters": {"retrain_size": 600, "learning_rate": 0.01, "seed": 7}}))
    namespace = {"run_name": "r", "retrain_size": 3000, "learning_rate": 0.002, "seed": 42, "batch_size": 32}
    adopted = run_settings(namespace, "04_retrain")
    assert adopted == {"retrain_size": 600, "seed": 7}, "learning_rate was changed in the cell (default 1e-3): kept"
    assert namespace == {"run_name": "r", "retrain_size": 600, "learning_rate": 0.002, "seed": 7, "batch_size": 32}
    assert run_settings({"run_name": "never-run", "retrain_size": 3000}, "04_retrain") == {}
    as_papermill_gives = {"run_name": "r", "retrain_size": 600, "learning_rate": 0.01, "seed": 7, "batch_size": 32}
    assert run_settings(as_papermill_gives, "04_retrain") == {} and as_papermill_gives["retrain_size"] == 600

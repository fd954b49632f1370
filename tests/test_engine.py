"""The runner's papermill engine: far fewer writes of the executed notebook, and nothing of it lost at the end."""
from __future__ import annotations

from pathlib import Path

import nbformat
import papermill as pm
import papermill.engines
import pytest

from nbutils.run import engine
from nbutils.run.kernel import logged_kernel


@pytest.fixture
def km(tmp_path):
    """The runner's kernel manager (Unix sockets, not TCP ports, so kernels started at once on other workers can't
    take its port)."""
    with logged_kernel(tmp_path / "kernel.log") as manager:
        yield manager


def notebook(path, cells: list[str]):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells],
                                  metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, path)
    return path


def writes(monkeypatch) -> list[int]:
    """Count the engine's writes of the executed notebook (papermill's own final write is not counted)."""
    count = [0]
    original = papermill.engines.write_ipynb

    def counted(nb, path):
        count[0] += 1
        original(nb, path)
    monkeypatch.setattr(papermill.engines, "write_ipynb", counted)
    return count


def test_fast_cells_are_written_once_at_the_start_and_once_at_the_end(tmp_path, monkeypatch, km):
    source = notebook(tmp_path / "in.ipynb", [f"x{i} = {i}\nprint(x{i})" for i in range(8)])
    default = writes(monkeypatch)
    pm.execute_notebook(str(source), str(tmp_path / "default.ipynb"), kernel_name="python3", progress_bar=False,
                        kernel_manager_class=km)
    assert default[0] >= 2 * 8, "papermill's own engine writes before and after every cell"
    throttled = writes(monkeypatch)
    out = pm.execute_notebook(str(source), str(tmp_path / "ours.ipynb"), kernel_name="python3", progress_bar=False,
                              engine_name=engine.NAME, kernel_manager_class=km)
    assert throttled[0] == 2
    written = nbformat.read(tmp_path / "ours.ipynb", as_version=4)
    assert [c.outputs[0]["text"] for c in written.cells] == [f"{i}\n" for i in range(8)] == [c.outputs[0]["text"] for c in out.cells]


def test_a_failing_cell_is_in_the_written_notebook(tmp_path, km):
    source = notebook(tmp_path / "in.ipynb", ["a = 1", "raise ValueError('the third cell never runs')", "b = 2"])
    with pytest.raises(pm.PapermillExecutionError, match="the third cell never runs"):
        pm.execute_notebook(str(source), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False,
                            engine_name=engine.NAME, kernel_manager_class=km)
    written = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    failed = next(c for c in written.cells if c.source.startswith("raise"))
    assert failed.outputs[0]["ename"] == "ValueError" and failed.metadata.papermill["status"] == "failed"


def test_the_runners_kernel_talks_over_unix_sockets_in_a_folder_removed_after(tmp_path, km):
    """No TCP port is picked, so kernels started at once (two runs, or the suite on several cores) can't collide."""
    source = notebook(tmp_path / "in.ipynb", ["import json, ipykernel.connect as c\n"
                                              "f = c.get_connection_file(); print(json.load(open(f))['transport'], f)"])
    out = pm.execute_notebook(str(source), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False,
                              engine_name=engine.NAME, kernel_manager_class=km)
    transport, connection_file = out.cells[0].outputs[0]["text"].split()
    assert transport == "ipc"
    assert "nbutils-kernel-" in connection_file and not Path(connection_file).parent.exists()

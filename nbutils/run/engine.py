"""papermill's engine, saving the executed notebook at most every few seconds instead of before and after every cell.

papermill writes the whole executed notebook at each cell's start and end. Notebook 03 holds its maps (25.7-27.8 MB
from 55,000 pairs up), so those writes took 0.6-1 s each: more than half of the notebook's time
(bench/bench_rehearsal.py). Here a cell's start or end writes only when SAVE_EVERY_S has passed since the last write;
the end of the notebook, failed or not, always writes (papermill then writes the final notebook once more itself).

A stop request (Ctrl-C, SIGTERM: nbutils.run.kernel) that reached the kernel between two cells, where the kernel
ignores it, stops the notebook before its next cell instead of letting it run to the end.
"""
from __future__ import annotations

from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

from .kernel import Running

NAME = "nbutils"
SAVE_EVERY_S = 10.0


class ThrottledSaves(NotebookExecutionManager):
    """A notebook execution manager whose cell-by-cell writes are spaced SAVE_EVERY_S apart."""

    finishing = False

    def save(self, force: bool = False, **kwargs) -> None:
        if force or self.finishing or (self.now() - self.last_save_time).total_seconds() >= SAVE_EVERY_S:
            super().save(**kwargs)

    def cell_start(self, cell, cell_index=None, **kwargs) -> None:
        if Running.stop_requested:   # asked to stop while the kernel sat between cells
            raise KeyboardInterrupt
        super().cell_start(cell, cell_index, **kwargs)

    def notebook_start(self, **kwargs) -> None:
        super().notebook_start(**kwargs)
        self.save(force=True)   # the notebook exists, parameters injected, before its first cell runs

    def notebook_complete(self, **kwargs) -> None:
        self.finishing = True   # the last write is never skipped
        super().notebook_complete(**kwargs)


class ThrottledEngine(NBClientEngine):
    """nbclient execution, as papermill's default engine, with ThrottledSaves as its manager."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                         autosave_cell_every=30, **kwargs):
        nb_man = ThrottledSaves(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                                autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


papermill_engines.register(NAME, ThrottledEngine)

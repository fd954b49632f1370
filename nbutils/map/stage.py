"""Notebook 03's stage: the map table (metrics, region and text of every covered training pair) from the map source."""
from __future__ import annotations

from .. import paths
from ..data.splits import read_split
from .map_source import LoadedMap, load_map, write_record
from .regions import Thresholds
from .table import write_map


def run_stage(run_name: str, thresholds: Thresholds, region_mode: str = "thresholds", rank_percent: float = 33.0,
              first_points: int = 0, map_source: str = "run", unfinished: bool = False) -> LoadedMap:
    """The map of `map_source` (nbutils.map.map_source) over the run's training pairs; written to datamap.parquet + map_source.json."""
    loaded = load_map(map_source, run_name, read_split(run_name, "train"), thresholds, region_mode, rank_percent, first_points,
                      unfinished)
    write_map(run_name, loaded.table)
    write_record(run_name, loaded)
    if not loaded.drawable:   # an earlier map's pictures would pass for this one's
        for stale in ("datamap.png", "datamap.html"):
            (paths.figures_dir(run_name) / stale).unlink(missing_ok=True)
    return loaded

"""Which map notebook 03 draws, selects from and retrains on: this run's dynamics, or a map made elsewhere.

`map_source` (notebook 03's parameter):
    run                   this run's dynamics (outputs/<run>/dynamics/): every metric, AUM included
    run:<name>            another run of the same pairs: its dynamics, or its datamap.parquet where it has no dynamics
                          (a map made on a GPU box and copied to a laptop); regions are recomputed with this run's bounds
    cartography:<folder>  the original code's training_dynamics/ (nbutils.map.sources): every metric, AUM included
    coordinates:<file>    the original code's td_metrics.jsonl or data-map coordinates: confidence, variability and what
                          else the file holds; regions by threshold or rank; no AUM (no logits)
    regions:<file>        ids with a region: regions only, nothing to draw
    reference             the train split's roberta_region column (the shared SNLI subset's published RoBERTa-large map):
                          its ambiguous and hard-to-learn pairs, and every other pair of the split as `other` (in neither
                          published selection). It covers the split and marks no easy-to-learn pair.
Pairs of the run's training split that a map does not cover are counted, shown, and never selected: datamap.parquet
holds the covered pairs only, so notebook 04's arms and random controls draw from the same ground.

A file source is read and checked once, before notebook 01 (`check_source`, from the pre-run check); the checked table
goes to notebook 03 through `outputs/<run>/map_source_checked.parquet` (nbutils.map.checked_source). A source run's
state is read too: one whose notebook 02 is running is refused, and one whose notebook 02 did not finish is refused
unless `map_source_unfinished` says to draw from the logging points it has (named in notebook 03).

`outputs/<run>/map_source.json`: {"map_source": the value given, "kind": one of KINDS, "has": the metric columns of
datamap.parquet, "lacks": {what: why}, "regions_from": thresholds | rank | the source, "coverage": {train_pairs, covered,
uncovered, source_rows, not_in_run}, "notes": [...]}.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .. import paths
from ..errors import WorkbookError
from ..data.pairs import ids_in
from ..train.dynamics import read_matrix
from .metrics import compute_metrics
from .reference import from_train_column
from .regions import Thresholds, regions_for
from . import checked_source
from .sources import Coverage, SourceTable, join_dynamics, join_ids, read_source

KINDS = ("run", "cartography", "coordinates", "regions", "reference")
METRICS = ("confidence", "variability", "correctness", "correct_count", "forgetfulness", "never_learned",
           "threshold_closeness", "aum", "aum_rank", "label_quality", "label_issue")
RECORD = "map_source.json"
LACKS = {
    "aum": "no AUM: the source holds no logits",
    "label_quality": "no confident-learning score (cleanlab): the source holds no logits",
    "correctness": "no correctness: the source holds no per-epoch predictions",
    "forgetfulness": "no forgetfulness: the source holds no per-epoch predictions",
    "confidence": "no confidence or variability: the source holds regions only, so there is no map to draw, the "
                  "thresholds and rank do not apply, and the paper arms take its ambiguous region",
}


@dataclass
class LoadedMap:
    """A map joined to the run's training pairs, with what it covers and what it cannot give."""

    table: pd.DataFrame          # covered pairs: example_id, gold_label, the metrics the source gives, region, text
    map_source: str
    kind: str
    coverage: Coverage
    regions_from: str
    notes: list[str] = field(default_factory=list)
    by_label: pd.DataFrame | None = None   # training pairs per gold label, covered and not (coverage_table)

    @property
    def has(self) -> list[str]:
        return [c for c in METRICS if c in self.table.columns]

    @property
    def lacks(self) -> dict[str, str]:
        return {k: why for k, why in LACKS.items() if k not in self.table.columns
                and not (k in ("correctness", "forgetfulness", "aum", "label_quality") and "confidence" not in self.table.columns)}

    @property
    def drawable(self) -> bool:
        """Confidence and variability: a map to draw, thresholds and rank to apply."""
        return {"confidence", "variability"} <= set(self.table.columns)

    def summary(self) -> pd.DataFrame | None:
        """The distribution of each main metric the map holds (None for a regions-only map)."""
        cols = [c for c in ("confidence", "variability", "correctness", "forgetfulness", "aum") if c in self.table.columns]
        return self.table[cols].describe().round(3) if cols else None

    def lines(self) -> list[str]:
        """What the map is, what it covers, and (once) what it cannot give."""
        return [f"map: {self.map_source} ({self.kind}); regions from {self.regions_from}", self.coverage.line(),
                *self.lacks.values(), *self.notes]

    def record(self) -> dict:
        cov = {k: v for k, v in asdict(self.coverage).items() if k not in ("source", "notes")}
        return {"map_source": self.map_source, "kind": self.kind, "has": self.has, "lacks": self.lacks,
                "regions_from": self.regions_from, "coverage": {**cov, "uncovered": self.coverage.uncovered}, "notes": self.notes}


def parse(map_source: str) -> tuple[str, str]:
    """(kind, argument) of a map_source value; a malformed one names the forms."""
    kind, _, arg = map_source.partition(":")
    kind = kind.strip()
    if kind in ("run", "reference") and (kind == "run" or not arg):
        return kind, arg.strip()
    if kind in ("cartography", "coordinates", "regions") and arg.strip():
        return kind, arg.strip()
    raise WorkbookError(f"map_source={map_source!r}: use run, run:<run name>, cartography:<folder>, coordinates:<file>, "
                        "regions:<file> or reference (docs/usage.md, 'Maps made elsewhere').")


def load_map(map_source: str, run_name: str, train: pd.DataFrame, thresholds: Thresholds, region_mode: str = "thresholds",
             rank_percent: float = 33.0, first_points: int = 0, unfinished: bool = False) -> LoadedMap:
    """The map of `map_source` over the run's training pairs `train` (example_id, gold_label, text), regions assigned."""
    kind, arg = parse(map_source)
    notes: list[str] = []
    if kind == "run":
        own = not arg or arg == run_name
        notes += [] if own else source_run_notes(arg, unfinished)
        metrics, coverage = _run_metrics(arg or run_name, train, first_points, own=own)
    elif kind == "reference":
        metrics, coverage = reference_regions(train)
    else:
        checked = checked_source.load(run_name, map_source, arg) or read_source(kind, arg)
        if kind == "cartography":
            matrix, coverage = join_dynamics(checked, train)
            metrics = compute_metrics(matrix.first(first_points) if first_points else matrix)
        elif kind == "coordinates":
            coords, coverage = join_ids(checked, train)
            metrics = coordinate_metrics(coords, notes)
        else:
            metrics, coverage = join_ids(checked, train)
    notes += _gold_disagreement(metrics, train)
    metrics = metrics.drop(columns=[c for c in ("gold_label",) if c in metrics.columns])
    if {"confidence", "variability"} <= set(metrics.columns):
        metrics["region"] = regions_for(metrics, thresholds, region_mode, rank_percent)
        regions_from = "thresholds" if region_mode == "thresholds" else f"rank (top {rank_percent:g}% per region)"
    else:
        regions_from = "the source"
    table = metrics.merge(train, on="example_id", how="inner", validate="one_to_one")
    table = table[["example_id", "gold_label", *[c for c in table.columns if c not in ("example_id", "gold_label")]]]
    label = "this run's dynamics" if kind == "run" and not arg else map_source
    return LoadedMap(table, label, kind, coverage, regions_from, notes, coverage_table(train, table["example_id"]))


def coordinate_metrics(coords: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Every metric a coordinates table allows: threshold closeness always; correctness and forgetfulness where given."""
    out = coords[["example_id", "confidence", "variability"]].copy()
    out["threshold_closeness"] = out["confidence"] * (1 - out["confidence"])
    if "correctness" in coords.columns:
        c = coords["correctness"].astype(float)
        if c.max() > 1:   # the original code's td_metrics: times predicted right, over the epochs
            out["correct_count"] = c.round().astype(np.int64)
            out["correctness"] = c / c.max()
            notes.append(f"correctness read as a count of correct epochs (the original code's), divided by its largest "
                         f"value, {c.max():g}, as the original plotting code does")
        else:
            out["correctness"] = c
    if "forgetfulness" in coords.columns:   # the original code stores 1000 for a pair never learned
        f = coords["forgetfulness"].astype(float)
        out["never_learned"] = f >= 1000
        out["forgetfulness"] = np.where(f >= 1000, -1, f).astype(np.int64)
    return out


def reference_regions(train: pd.DataFrame) -> tuple[pd.DataFrame, Coverage]:
    """RoBERTa-large's published regions from the train split's column; every other pair `other`."""
    ref = from_train_column(train)
    if ref is None:
        raise WorkbookError("map_source=reference: this run's training pairs carry no roberta_region column. It comes with "
                            "the shared SNLI subset (../shared/data/snli_train_subset); for another map use "
                            "coordinates:FILE or regions:FILE.")
    region = train["example_id"].map(ref.set_index("example_id")["region"]).fillna("other")
    table = pd.DataFrame({"example_id": train["example_id"].to_numpy(), "region": region.to_numpy()})
    return table, Coverage(source="the train split's roberta_region column", train_pairs=len(train), covered=len(train),
                           source_rows=len(train))


def write_record(run_name: str, loaded: LoadedMap) -> None:
    """map_source.json beside datamap.parquet."""
    (paths.run_dir(run_name) / RECORD).write_text(json.dumps(loaded.record(), indent=2))


def read_record(run_name: str) -> dict:
    """The run's map_source.json ({"kind": "run"} for runs mapped before it existed)."""
    path = paths.run_dir(run_name) / RECORD
    return json.loads(path.read_text()) if path.exists() else {"map_source": "this run's dynamics", "kind": "run"}


def coverage_table(train: pd.DataFrame, covered_ids: pd.Series) -> pd.DataFrame:
    """Training pairs per gold label: covered by the map, not covered (never selected), and the share covered."""
    from ..labels import LABELS
    covered = pd.Series(pd.Index(np.asarray(covered_ids, dtype=object)).get_indexer(np.asarray(train["example_id"], dtype=object)) >= 0,
                        index=train.index)   # a hash lookup: Series.isin with a set is slow on Arrow strings
    ct = pd.crosstab(train["gold_label"].map(dict(enumerate(LABELS))), covered.map({True: "covered", False: "not covered"}))
    ct = ct.reindex(columns=["covered", "not covered"], fill_value=0).rename_axis(index="gold_label", columns=None)
    ct.loc["total"] = ct.sum()
    return ct.assign(share_covered=(ct["covered"] / ct.sum(axis=1)).round(3))


def _run_metrics(name: str, train: pd.DataFrame, first_points: int, own: bool) -> tuple[pd.DataFrame, Coverage]:
    """Metrics from a run's dynamics, or from its datamap.parquet where it kept no dynamics."""
    folder = paths.outputs_root() / paths.check_run_name(name) / "dynamics"
    source = "this run's dynamics" if own else f"run:{name}"
    if any(folder.glob("point_*.parquet")):
        metrics = compute_metrics(read_matrix(folder, first_points))
    elif not own and (folder.parent / "datamap.parquet").exists():
        from .table import read_map
        kept = read_map(name)
        metrics = kept[["example_id", "gold_label", *[c for c in METRICS if c in kept.columns]]]
    else:
        raise WorkbookError(f"{paths.shown(folder)} holds no dynamics" + ("" if own else f" and run {name!r} has no datamap.parquet")
                            + (": run notebook 02 first." if own else ": run its notebooks 02 and 03, or copy its outputs folder here."))
    unknown = ~ids_in(metrics["example_id"], train["example_id"])
    if own and unknown.any():
        raise WorkbookError(f"{int(unknown.sum())} dynamics ids are not in the run's train split: the dynamics come from "
                            "another run. Retrain (notebook 02) for this run.")
    if not own and unknown.all():
        raise WorkbookError(f"run:{name}: none of its {len(metrics):,} mapped pairs is a training pair of this run; map the same "
                            "training file (same limit_train, selection_pairs and seed).")
    coverage = Coverage(source=source, train_pairs=len(train), covered=int((~unknown).sum()), source_rows=len(metrics),
                        not_in_run=int(unknown.sum()))
    return metrics[~unknown].reset_index(drop=True), coverage


def _gold_disagreement(metrics: pd.DataFrame, train: pd.DataFrame) -> list[str]:
    """A source whose gold labels differ from the run's: its label order may differ (its metrics use its own)."""
    if "gold_label" not in metrics.columns:
        return []
    ours = metrics["example_id"].map(train.set_index("example_id")["gold_label"])
    differ = int((ours.notna() & (ours != metrics["gold_label"])).sum())
    return [f"{differ:,} covered pairs have another gold label in the source than in the run's data; its metrics use "
            "its own labels (check its label order: 0 entailment, 1 neutral, 2 contradiction)"] if differ else []


def check_source(map_source: str, train: pd.DataFrame | None, unfinished: bool = False) -> SourceTable | None:
    """Read and check a map source before anything trains (train: the training file's pairs, to join; None when they
    are not loadable yet); the checked table of a file source, for notebook 03 (None for run and reference)."""
    kind, arg = parse(map_source)
    if kind == "run":
        other = paths.outputs_root() / paths.check_run_name(arg) if arg else None
        if other is not None and not (any((other / "dynamics").glob("point_*.parquet")) or (other / "datamap.parquet").exists()):
            raise WorkbookError(f"map_source=run:{arg}: run {arg!r} has neither dynamics nor a datamap.parquet in "
                                f"{paths.shown(other)}. Run its notebooks 02 and 03, or copy its outputs folder here.")
        if other is not None:
            source_run_notes(arg, unfinished)
        return None
    if kind == "reference":
        if train is not None:
            reference_regions(train)
        return None
    checked = read_source(kind, arg)
    if train is not None:
        (join_dynamics if kind == "cartography" else join_ids)(checked, train)
    return checked


def save_checked(run_name: str, map_source: str, checked: SourceTable) -> None:
    """The pre-run check's table into the run's folder, where notebook 03 reads it instead of the source."""
    checked_source.save(run_name, map_source, parse(map_source)[1], checked)


def source_run_notes(name: str, unfinished: bool) -> list[str]:
    """Whether another run's dynamics are final: refused while its notebook 02 runs, or when it did not finish (unless
    `unfinished`); the lines notebook 03 prints about its state."""
    from ..run_lock import holder
    folder = paths.outputs_root() / paths.check_run_name(name)
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    status = {stem: entry.get("status") for stem, entry in manifest.get("notebooks", {}).items()}
    trained = status.get("02_train_dynamics")
    running = holder(folder)
    has_dynamics = any((folder / "dynamics").glob("point_*.parquet"))
    if running is not None and (trained != "ok" or not has_dynamics and status.get("03_data_map") != "ok"):
        now = next((stem for stem, st in status.items() if st == "running"), "a notebook")
        raise WorkbookError(f"map_source=run:{name}: run {name!r} is running now ({now}; pid {running.get('pid', '?')}, "
                            f"`{running.get('command', '?')}`, since {running.get('since', '?')}), and its "
                            f"{'dynamics' if trained != 'ok' else 'map'} are not final. Wait for it to finish, then start this run.")
    if not manifest:
        return [f"run {name!r} has no manifest.json (its folder was copied without it?): whether its training finished is unknown"]
    notes = [f"run {name!r} was running ({next((s for s, st in status.items() if st == 'running'), 'between notebooks')}) when its "
             "map was read; its notebook 02 had finished, so its dynamics were final"] if running is not None else []
    if trained == "ok" or not has_dynamics:
        return notes
    epochs = logged_epochs(folder / "dynamics")
    planned = manifest.get("parameters", {}).get("epochs")
    what = (f"its notebook 02 did not finish ({trained or 'no status'}): its dynamics hold {len(epochs)} logging point(s), at "
            f"epoch(s) {', '.join(f'{e:g}' for e in epochs)}"
            + (f", of a run planned for {planned:g} epoch(s)" if isinstance(planned, (int, float)) else ""))
    if not unfinished:
        raise WorkbookError(f"map_source=run:{name}: {what}. Resume it (python -m nbutils run --resume --run-name {name} with its "
                            "profile), or pass -p map_source_unfinished=true to draw the map from those points.")
    return notes + [f"run {name!r}: {what}; the map is drawn from those {len(epochs)} point(s) (map_source_unfinished)"]


def logged_epochs(folder) -> list[float]:
    """The epoch of each logging point a dynamics folder holds (from one file per point)."""
    import pyarrow.parquet as pq
    from ..train.dynamics import FILE_RE
    first = {}
    for f in sorted(folder.glob("point_*.parquet")):
        if FILE_RE.search(f.name):
            first.setdefault(int(FILE_RE.search(f.name).group(1)), f)
    return [float(pq.read_table(first[pt], columns=["epoch"]).column(0)[0].as_py()) for pt in sorted(first)]


def record_line(run_name: str) -> str:
    """One line on the map notebook 04 retrains from: its source and what it covers."""
    rec = read_record(run_name)
    cov = rec.get("coverage")
    return f"map: {rec['map_source']}" + (f"; covers {cov['covered']:,} of {cov['train_pairs']:,} training pairs ({cov['uncovered']:,} "
                                          "not covered, never drawn)" if cov else "")

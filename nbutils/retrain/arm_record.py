"""The record of a finished arm, so a resumed notebook 04 keeps what an interrupted run already trained.

`outputs/<run>/arms/<arm>/arm_record.json`: fingerprint (sha1 of everything that shapes the arm: its pairs with their
regions and labels, its TrainConfig, schedule, weights, teacher, rounds, notebook 02's summary (the model it starts from), the held-back pairs,
max_length, the augmented pairs' text) and summary (the arm's summary as in retrain_summary.json). The rounds' maps of a
multi-round arm sit beside it in `round_maps.parquet`. The record is written last, after the model folder is complete,
and removed before an arm trains: an arm with a record is whole.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from .arms import ArmPlan, WEIGHT_FILES

RECORD = "arm_record.json"
ROUND_MAPS = "round_maps.parquet"
PAIR_COLUMNS = ("example_id", "region", "gold_label", "augmented", "source_id")


def fingerprint(plan: ArmPlan, *, base: dict, held: dict[str, pd.DataFrame], max_length: int, round_logs_per_epoch: int,
                extra_pairs: pd.DataFrame | None) -> str:
    """A digest of what the arm's training depends on: equal digests, equal arms (training is seeded)."""
    pairs = plan.pairs[[c for c in PAIR_COLUMNS if c in plan.pairs.columns]]
    what = {"name": plan.name, "pairs": pairs.astype(str).to_csv(index=False), "cfg": asdict(plan.cfg), "from_base": plan.from_base,
            "curriculum": plan.curriculum, "weights": plan.weights, "balanced_batches": plan.balanced_batches,
            "teacher": plan.teacher, "rounds": plan.rounds, "notebook_02": base,
            "held": {r: sorted(g["example_id"]) for r, g in held.items()}, "max_length": max_length,
            "round_logs_per_epoch": round_logs_per_epoch,
            "extra": extra_pairs.astype(str).to_csv(index=False) if extra_pairs is not None else None}
    return hashlib.sha1(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


def write(folder: Path, digest: str, summary: dict) -> None:
    """Record a finished arm (its model folder already written)."""
    maps = summary.get("round_maps") or []
    if maps:
        pd.concat(maps).to_parquet(folder / ROUND_MAPS, index=False)
    kept = {k: v for k, v in summary.items() if k != "round_maps"}
    (folder / RECORD).write_text(json.dumps({"fingerprint": digest, "summary": kept}, indent=2, default=str))


def read(folder: Path, digest: str) -> dict | None:
    """The finished arm's summary (with its rounds' maps) when its record matches `digest` and its weights are there."""
    path = folder / RECORD
    if not path.exists() or not any((folder / w).exists() for w in WEIGHT_FILES):
        return None
    record = json.loads(path.read_text())
    if record.get("fingerprint") != digest:
        return None
    maps = [g for _, g in pd.read_parquet(folder / ROUND_MAPS).groupby("round")] if (folder / ROUND_MAPS).exists() else []
    return {**record["summary"], "round_maps": maps}


def clear(folder: Path) -> None:
    """Before an arm trains: its folder no longer counts as finished."""
    for name in (RECORD, ROUND_MAPS):
        (folder / name).unlink(missing_ok=True)

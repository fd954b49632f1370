"""Notebook 04's stage: build the retraining mix from the selection and continue fine-tuning from 02's model.

`outputs/<run>/retrain_set.parquet`: example_id, region, gold_label — the pairs retrained on.
`outputs/<run>/retrain_summary.json`: settings, per-stage/epoch accuracy on validation and on held-back examples of each region.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from . import paths
from .encode import encode_pairs
from .errors import WorkbookError
from .models import load_model_and_tokenizer
from .rundata import read_split
from .training import TrainConfig, build_trainer

MIX_REGIONS = ("ambiguous", "hard-to-learn", "easy-to-learn")


def build_mix(selection: pd.DataFrame, size: int, shares: dict[str, float], seed: int = 42,
              short_policy: str = "fill") -> tuple[pd.DataFrame, list[str]]:
    """Draw `size` pairs with the given region shares, stratified by gold label; returns the mix and notes.

    A region with too few pairs gives all it has; `short_policy='fill'` tops up from the other regions in
    proportion to their shares, 'fail' raises.
    """
    if abs(sum(shares.values()) - 1) > 1e-6:
        raise WorkbookError(f"region shares {shares} sum to {sum(shares.values()):.3f}; they must sum to 1.")
    if size > len(selection):
        raise WorkbookError(f"retrain_size={size:,} is larger than the {len(selection):,} selected pairs; lower it or widen the regions.")
    have = selection["region"].value_counts()
    want = {r: int(round(size * s)) for r, s in shares.items()}
    want[max(want, key=want.get)] += size - sum(want.values())
    notes = []
    short = {r: want[r] - int(have.get(r, 0)) for r in want if want[r] > have.get(r, 0)}
    if short:
        if short_policy == "fail":
            raise WorkbookError(f"regions too small for the mix: {short} pairs missing. Widen the thresholds or use short_policy='fill'.")
        for r, missing in short.items():
            want[r] -= missing
            notes.append(f"{r}: wanted {want[r] + missing:,}, has {int(have.get(r, 0)):,}; took all")
        spare = {r: int(have.get(r, 0)) - want[r] for r in want if r not in short}
        deficit = sum(short.values())
        total_share = sum(shares[r] for r in spare) or 1
        for r in sorted(spare, key=lambda r: -shares[r]):
            extra = min(spare[r], int(round(deficit * shares[r] / total_share)), size - sum(want.values()))
            want[r] += extra
            spare[r] -= extra
        for r in sorted(spare, key=lambda r: -spare[r]):  # rounding leftovers go where pairs are spare
            extra = min(spare[r], size - sum(want.values()))
            want[r] += extra
            spare[r] -= extra
        notes += [f"{r}: {want[r]:,} drawn (filled in)" for r in spare]
    parts = [_stratified(selection[selection["region"] == r], n, seed) for r, n in want.items() if n > 0]
    mix = pd.concat(parts).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return mix[["example_id", "region", "gold_label"]], notes


def _stratified(group: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """n rows of one region keeping its label shares."""
    if n >= len(group):
        return group
    from .snli import stratified_sample
    return stratified_sample(group, n, seed)


def region_weights(regions: pd.Series, weights: dict[str, float]) -> np.ndarray:
    """Per-example loss weights by region."""
    return regions.map(lambda r: weights.get(r, 1.0)).to_numpy(dtype=np.float32)


def held_back(selection: pd.DataFrame, mix: pd.DataFrame, per_region: int, seed: int) -> dict[str, pd.DataFrame]:
    """Selected pairs NOT in the mix, up to per_region of each region, to watch for forgetting."""
    rest = selection[~selection["example_id"].isin(set(mix["example_id"]))]
    return {r: g.sample(n=min(per_region, len(g)), random_state=seed) for r, g in rest.groupby("region") if r in MIX_REGIONS and len(g)}


def curriculum_stages(mix: pd.DataFrame, order: list[str] | None) -> list[pd.DataFrame]:
    """Cumulative stages (first region, then first two, ...); one stage of everything when order is empty."""
    if not order:
        return [mix]
    unknown = set(order) - set(MIX_REGIONS)
    if unknown:
        raise WorkbookError(f"curriculum {order}: unknown region(s) {sorted(unknown)}; use {list(MIX_REGIONS)}.")
    return [mix[mix["region"].isin(order[: i + 1])] for i in range(len(order))]


def retrain_run(run_name: str, mix: pd.DataFrame, *, weights: dict[str, float], cfg: TrainConfig,
                curriculum: list[str] | None, held: dict[str, pd.DataFrame], base_model: str = "model",
                out_name: str = "retrained", max_length: int = 128, balanced_batches: bool = True) -> dict:
    """Continue fine-tuning `base_model` on the mix (curriculum stages, weighted loss); save the model and a summary."""
    train_table = read_split(run_name, "train").set_index("example_id")
    table = train_table.loc[mix["example_id"]].reset_index()
    model, tok = load_model_and_tokenizer(str(paths.model_dir(run_name, base_model)), max_length=max_length, seed=cfg.seed)
    evals = {"validation": encode_pairs(tok, read_split(run_name, "validation"), max_length)}
    evals.update({r.split("-")[0]: encode_pairs(tok, train_table.loc[g["example_id"]].reset_index(), max_length) for r, g in held.items()})
    history, stages, skipped = [], curriculum_stages(mix, curriculum), []
    for i, stage in enumerate(stages):
        if i and len(stage) == len(stages[i - 1]) or not len(stage):
            skipped.append(i)  # the stage adds no pairs (its region is empty): nothing new to learn
            continue
        rows = mix.index[mix["example_id"].isin(set(stage["example_id"]))].to_numpy()
        data = encode_pairs(tok, table.iloc[rows], max_length).with_weights(region_weights(mix["region"].iloc[rows], weights))
        trainer = build_trainer(model, tok, cfg, data, table["example_id"].iloc[rows].to_numpy(dtype=object),
                                paths.checkpoints_dir(run_name, out_name) / f"stage{i}", None, evals["validation"],
                                batch_regions=mix["region"].iloc[rows].to_numpy() if balanced_batches else None)
        trainer.eval_dataset = evals
        trainer.train()
        for h in trainer.epoch_line.history:
            h.update(stage=i, stage_regions=",".join(sorted(stage["region"].unique())), pairs=len(rows))
        per_epoch: dict[float, dict] = {}
        for rec in trainer.state.log_history:
            accs = {k[5:]: v for k, v in rec.items() if k.startswith("eval_") and k.endswith("_accuracy")}
            if accs:
                per_epoch.setdefault(rec["epoch"], {"stage": i, "stage_pairs": len(rows), "epoch": rec["epoch"]}).update(accs)
        history.extend(per_epoch.values())
        model = trainer.model
    out = paths.model_dir(run_name, out_name)
    trainer.save_model(str(out))
    tok.save_pretrained(str(out))
    summary = {"base_model": base_model, "learning_rate": cfg.learning_rate, "epochs_per_stage": cfg.epochs,
               "curriculum": curriculum or [], "skipped_stages": skipped, "balanced_batches": balanced_batches, "weights": weights, "pairs": len(mix),
               "history": history}
    (paths.run_dir(run_name) / "retrain_summary.json").write_text(json.dumps(summary, indent=2, default=str))
    mix.to_parquet(paths.run_dir(run_name) / "retrain_set.parquet", index=False)
    return summary


def history_table(summary: dict) -> pd.DataFrame:
    """Accuracy per stage and epoch on validation and on each held-back region."""
    return pd.DataFrame(summary["history"])


def mix_composition(mix: pd.DataFrame) -> pd.DataFrame:
    """Pairs per region × gold label, with each region's share."""
    from .labels import LABELS
    ct = pd.crosstab(mix["region"], mix["gold_label"].map(dict(enumerate(LABELS))), margins=True, margins_name="total")
    ct["share"] = (ct["total"] / len(mix)).round(3)
    return ct


def batch_composition(mix: pd.DataFrame, batch_size: int, seed: int = 42) -> pd.DataFrame:
    """Region counts of every batch the balanced sampler yields for the whole mix (one epoch)."""
    from .sampling import RegionBalancedBatchSampler
    regions = mix["region"].to_numpy()
    rows = [pd.Series(regions[b]).value_counts().rename(k) for k, b in enumerate(RegionBalancedBatchSampler(regions, batch_size, seed))]
    return pd.DataFrame(rows).fillna(0).astype(int).rename_axis("batch")

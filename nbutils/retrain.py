"""Notebook 04's stage: build the retraining mix from the selection and continue fine-tuning from 02's model.

`outputs/<run>/retrain_set.parquet`: example_id, region, gold_label (+ source_id, augmented) — the pairs retrained on.
`outputs/<run>/retrain_summary.json`: settings, per-round/stage/epoch accuracy on validation and on held-back examples of each region.
`outputs/<run>/rounds/round_<k>/dynamics/`: the set's dynamics in round k (eval passes in its last stage);
`outputs/<run>/rounds/round_maps.parquet`: example_id, cartography metrics, region, round.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import replace
from typing import Callable

import numpy as np
import pandas as pd

from . import paths
from .cartography import compute_metrics
from .dynamics import read_matrix
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
                out_name: str = "retrained", max_length: int = 128, balanced_batches: bool = True,
                extra_pairs: pd.DataFrame | None = None, teacher: str = "", rounds: int = 1,
                regions: Callable[[pd.DataFrame], pd.Series] | None = None, round_logs_per_epoch: int = 2) -> dict:
    """Continue fine-tuning `base_model` on the mix (curriculum stages, weighted loss) for one or more rounds.

    extra_pairs holds the text of mix rows that are not training pairs (augmented ones). With a teacher model
    folder, the loss mixes cross-entropy with KL to its soft labels. Each round's last stage logs dynamics of
    the set (eval passes), `regions` maps them, and the next round trains with the regions of that map.
    """
    if rounds < 1:
        raise WorkbookError(f"rounds={rounds}: at least one round.")
    train_table = read_split(run_name, "train").set_index("example_id")
    texts = train_table if extra_pairs is None else pd.concat([train_table, extra_pairs.set_index("example_id")[train_table.columns.intersection(extra_pairs.columns)]])
    table = texts.loc[mix["example_id"]].reset_index()
    model, tok = load_model_and_tokenizer(str(paths.model_dir(run_name, base_model)), max_length=max_length, seed=cfg.seed)
    soft = teacher_logits(teacher, table, max_length) if teacher else None
    evals = {"validation": encode_pairs(tok, read_split(run_name, "validation"), max_length)}
    evals.update({r.split("-")[0]: encode_pairs(tok, train_table.loc[g["example_id"]].reset_index(), max_length) for r, g in held.items()})
    encoded = encode_pairs(tok, table, max_length).with_teacher(soft)
    history, skipped, maps, current = [], [], [], mix.copy()
    for rnd in range(1, rounds + 1):
        stages = curriculum_stages(current, curriculum)
        trained = [i for i, st in enumerate(stages) if len(st) and not (i and len(st) == len(stages[i - 1]))]
        skipped += [(rnd, i) for i in range(len(stages)) if i not in trained]  # a stage that adds no pairs
        dyn_folder = paths.run_dir(run_name) / "rounds" / f"round_{rnd}" / "dynamics"
        shutil.rmtree(dyn_folder, ignore_errors=True)
        for i in trained:
            rows = current.index[current["example_id"].isin(set(stages[i]["example_id"]))].to_numpy()
            last = i == trained[-1]
            cfg_i = replace(cfg, dynamics_mode="eval_pass", logs_per_epoch=round_logs_per_epoch) if last and regions else cfg
            data = encoded.subset(rows).with_weights(region_weights(current["region"].iloc[rows], weights))
            trainer = build_trainer(model, tok, cfg_i, data, table["example_id"].iloc[rows].to_numpy(dtype=object),
                                    paths.checkpoints_dir(run_name, out_name) / f"round{rnd}_stage{i}", dyn_folder if last else None,
                                    evals["validation"], batch_regions=current["region"].iloc[rows].to_numpy() if balanced_batches else None)
            trainer.eval_dataset = evals
            trainer.train()
            optimizer_lr = trainer.optimizer.param_groups[0].get("initial_lr", trainer.optimizer.param_groups[0]["lr"])
            history.extend(_epoch_rows(trainer, rnd, i, len(rows)))
            model = trainer.model
        if regions is not None:
            metrics = compute_metrics(read_matrix(dyn_folder))
            metrics["region"] = regions(metrics)
            maps.append(metrics.assign(round=rnd))
            new = current["example_id"].map(dict(zip(metrics["example_id"], metrics["region"])))
            current = current.assign(region=new.where(new.isin(MIX_REGIONS), current["region"]))  # 'other': keep the old region
        if rnd < rounds:
            trainer.save_model(str(paths.model_dir(run_name, f"{out_name}_round{rnd}")))
            tok.save_pretrained(str(paths.model_dir(run_name, f"{out_name}_round{rnd}")))
    out = paths.model_dir(run_name, out_name)
    trainer.save_model(str(out))
    tok.save_pretrained(str(out))
    summary = {"base_model": base_model, "learning_rate": cfg.learning_rate, "optimizer_lr": optimizer_lr, "epochs_per_stage": cfg.epochs,
               "curriculum": curriculum or [], "skipped_stages": skipped, "balanced_batches": balanced_batches, "weights": weights,
               "pairs": len(mix), "augmented": int(mix.get("augmented", pd.Series(False)).sum()), "teacher": teacher or None,
               "distill_alpha": cfg.distill_alpha if teacher else None, "distill_temperature": cfg.distill_temperature if teacher else None,
               "rounds": rounds, "history": history}
    (paths.run_dir(run_name) / "retrain_summary.json").write_text(json.dumps(summary, indent=2, default=str))
    mix.to_parquet(paths.run_dir(run_name) / "retrain_set.parquet", index=False)
    if maps:
        pd.concat(maps).to_parquet(paths.run_dir(run_name) / "rounds" / "round_maps.parquet", index=False)
    summary["round_maps"] = maps
    return summary


def _epoch_rows(trainer, rnd: int, stage: int, pairs: int) -> list[dict]:
    """Accuracy on every eval set after each epoch of one stage."""
    per_epoch: dict[float, dict] = {}
    for rec in trainer.state.log_history:
        accs = {k[5:]: v for k, v in rec.items() if k.startswith("eval_") and k.endswith("_accuracy")}
        if accs:
            per_epoch.setdefault(rec["epoch"], {"round": rnd, "stage": stage, "stage_pairs": pairs, "epoch": rec["epoch"]}).update(accs)
    return list(per_epoch.values())


def teacher_logits(teacher: str, table: pd.DataFrame, max_length: int) -> np.ndarray:
    """The teacher's log-probabilities on the set (softmax-equivalent to its logits), after checking its label set."""
    from .evaluate import PROB_COLUMNS, predict
    from .models import require_trained_classifier
    require_trained_classifier(teacher)
    t_model, t_tok = load_model_and_tokenizer(teacher, max_length=max_length)
    probs = predict(t_model, t_tok, table, max_length)[PROB_COLUMNS].to_numpy()
    return np.log(np.clip(probs, 1e-12, 1.0)).astype(np.float32)


def map_regions(thresholds: dict, region_mode: str = "thresholds", rank_percent: float = 33.0) -> Callable[[pd.DataFrame], pd.Series]:
    """How each round's map sorts the set into regions: notebook 03's rule with the selection's thresholds."""
    from .cartography import Thresholds
    from .datamap import regions_for
    bounds = Thresholds(**thresholds) if thresholds else Thresholds()
    return lambda metrics: regions_for(metrics, bounds, region_mode, rank_percent)


def resolve_teacher(run_name: str, teacher: str) -> str:
    """A model of the run by name (e.g. 'model') or any model folder; '' keeps distillation off."""
    in_run = paths.run_dir(run_name) / teacher
    if teacher and "/" not in teacher and (in_run / "config.json").exists():
        return str(in_run)
    return teacher


def rounds_table(mix: pd.DataFrame, maps: list[pd.DataFrame]) -> pd.DataFrame:
    """Per round: how many pairs ambiguous before it (round 1: in the selection's map) ended in each region after it."""
    before = mix.set_index("example_id")["region"]
    rows = []
    for m in maps:
        after = m.set_index("example_id")["region"]
        amb = before.index[before == "ambiguous"]
        moved = after.reindex(amb).value_counts()
        rows.append({"round": int(m["round"].iloc[0]), "ambiguous before": len(amb),
                     **{f"now {r}": int(moved.get(r, 0)) for r in ("easy-to-learn", "ambiguous", "hard-to-learn", "other")}})
        before = after.where(after.isin(MIX_REGIONS), before.reindex(after.index))
    return pd.DataFrame(rows).set_index("round")


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

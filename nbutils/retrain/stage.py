"""Notebook 04's stage: continue fine-tuning from 02's model on the retraining set, in curriculum stages and rounds.

`outputs/<run>/retrain_summary.json`: settings (base_model, learning_rate, optimizer_lr, epochs_per_stage, curriculum,
skipped_stages, balanced_batches, weights, pairs, augmented, teacher, distill_alpha, distill_temperature, rounds) and
history: per round, stage and epoch, accuracy on validation and on held-back pairs of each region.
The set itself is `retrain_set.parquet` (nbutils.retrain.mix); the rounds' maps are described in nbutils.retrain.rounds.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import replace
from typing import Callable

import pandas as pd

from .. import paths
from ..data.encode import encode_pairs
from ..data.splits import read_split
from ..errors import WorkbookError
from ..map.metrics import compute_metrics
from ..train.config import TrainConfig
from ..train.dynamics import read_matrix
from ..train.models import load_model_and_tokenizer
from ..train.trainer import build_trainer
from .mix import MIX_REGIONS, curriculum_stages, region_weights, write_mix
from .sampler import RegionBalancedBatchSampler
from .teacher import teacher_logits


def run_stage(run_name: str, mix: pd.DataFrame, *, weights: dict[str, float], cfg: TrainConfig,
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
                                    evals["validation"], batch_sampler=RegionBalancedBatchSampler(current["region"].iloc[rows].to_numpy(), cfg.batch_size, cfg.seed)
                                    if balanced_batches else None)
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
    write_mix(run_name, mix)
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


def history_table(summary: dict) -> pd.DataFrame:
    """Accuracy per stage and epoch on validation and on each held-back region."""
    return pd.DataFrame(summary["history"])

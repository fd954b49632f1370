"""Notebook 04's stage: train every arm of the experiment (nbutils.retrain.arms), each into `outputs/<run>/arms/<arm>/`.

`outputs/<run>/retrain_summary.json`: {"arms": {arm: summary}, "reused_arms": [arms kept from an interrupted run]},
each summary with reused, starts_from, pairs, augmented,
learning_rate, optimizer_lr, epochs_per_stage, curriculum, skipped_stages, balanced_batches, weights, teacher,
distill_alpha, distill_temperature, rounds, seconds, model_choice (which evaluation picked the model: nbutils.train.model_choice)
and history: per round, stage and epoch, accuracy on the model-selection slice and on held-back pairs of each region.
The arms' sets are in `retrain_set.parquet` (nbutils.retrain.mix); the rounds' maps in nbutils.retrain.rounds.
"""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import fields, replace
from typing import Callable

import pandas as pd

from .. import paths
from ..data.encode import encode_pairs
from ..data.splits import read_split
from ..errors import WorkbookError
from ..map.metrics import compute_metrics
from ..data import holdout
from ..data.splits import read_split_if_present
from ..train import model_choice
from ..train.config import TrainConfig
from ..train.dynamics import read_matrix
from ..train.models import load_model_and_tokenizer
from ..train.trainer import build_trainer
from . import arm_record
from .arms import ArmPlan, check_base_model
from .mix import MIX_REGIONS, curriculum_stages, region_weights, write_mix
from .sampler import RegionBalancedBatchSampler
from .teacher import teacher_logits


SUMMARY = "retrain_summary.json"


def run_stage(run_name: str, plans: list[ArmPlan], *, held: dict[str, pd.DataFrame], max_length: int = 128,
              extra_pairs: pd.DataFrame | None = None, regions: Callable[[pd.DataFrame], pd.Series] | None = None,
              round_logs_per_epoch: int = 2, resume: bool = False) -> dict[str, dict]:
    """Train every arm; returns each arm's summary (the selected arm's with its rounds' maps).

    resume: an arm that an earlier run of this notebook (interrupted or finished) trained with the same plan is kept
    (nbutils.retrain.arm_record); its summary says `reused`.
    """
    base = json.loads((paths.run_dir(run_name) / "train_summary.json").read_text())
    if any(p.from_base for p in plans):
        check_base_model(base["model"])   # before any arm trains
    summaries = {}
    for plan in plans:
        folder = paths.model_dir(run_name, f"arms/{plan.name}")
        fingerprint = arm_record.fingerprint(plan, base=base, held=held, max_length=max_length, round_logs_per_epoch=round_logs_per_epoch,
                                             extra_pairs=extra_pairs if plan.name == "selected" else None)
        kept = arm_record.read(folder, fingerprint) if resume else None
        if kept is not None:
            print(f"arm {plan.name}: kept as an earlier run of notebook 04 trained it (same plan; {kept['seconds']:g} s not spent "
                  "again)", flush=True)
            summaries[plan.name] = {**kept, "reused": True}
            continue
        arm_record.clear(folder)
        print(f"arm {plan.name}: {len(plan.pairs):,} pairs, {plan.cfg.epochs:g} epochs per stage", flush=True)
        t0 = time.perf_counter()
        summaries[plan.name] = train_arm(run_name, plan, held=held, max_length=max_length, base=base,
                                         extra_pairs=extra_pairs if plan.name == "selected" else None,
                                         regions=regions if plan.name == "selected" else None,
                                         round_logs_per_epoch=round_logs_per_epoch)
        summaries[plan.name].update(seconds=round(time.perf_counter() - t0, 1), reused=False)
        arm_record.write(folder, fingerprint, summaries[plan.name])
    write_mix(run_name, pd.concat([p.pairs.assign(arm=p.name) for p in plans], ignore_index=True))
    saved = {name: {k: v for k, v in s.items() if k != "round_maps"} for name, s in summaries.items()}
    (paths.run_dir(run_name) / SUMMARY).write_text(json.dumps({"arms": saved, "reused_arms": [a for a, s in saved.items() if s["reused"]]},
                                                              indent=2, default=str))
    maps = [m for s in summaries.values() for m in s["round_maps"]]
    if maps:
        pd.concat(maps).to_parquet(paths.run_dir(run_name) / "rounds" / "round_maps.parquet", index=False)
    return summaries


def train_arm(run_name: str, plan: ArmPlan, *, held: dict[str, pd.DataFrame], max_length: int, base: dict,
              extra_pairs: pd.DataFrame | None = None, regions: Callable[[pd.DataFrame], pd.Series] | None = None,
              round_logs_per_epoch: int = 2) -> dict:
    """Fine-tune one arm (curriculum stages, weighted loss, rounds) and keep its best epoch on the model-selection slice.

    extra_pairs holds the text of set rows that are not training pairs (augmented ones). With a teacher model
    folder, the loss mixes cross-entropy with KL to its soft labels. With `regions`, each round's last stage logs
    dynamics of the set (eval passes), `regions` maps them, and the next round trains with the regions of that map.
    """
    cfg, mix, out_name = plan.cfg, plan.pairs, f"arms/{plan.name}"
    if plan.rounds < 1:
        raise WorkbookError(f"rounds={plan.rounds}: at least one round.")
    train_table = read_split(run_name, "train").set_index("example_id")
    texts = train_table if extra_pairs is None else pd.concat([train_table, extra_pairs.set_index("example_id")[train_table.columns.intersection(extra_pairs.columns)]])
    table = texts.loc[mix["example_id"]].reset_index()
    table["gold_label"] = mix["gold_label"].to_numpy()   # the arm's labels: the cleaned arm's relabelled pairs take the new one
    if plan.from_base:   # the paper's recipe: the pretrained model notebook 02 started from, its tokenizer as in 02
        start_texts = pd.concat([train_table["premise"], train_table["hypothesis"]]).tolist()
        model, tok = load_model_and_tokenizer(base["model"], tokenizer=base.get("tokenizer", ""), train_texts=start_texts,
                                              max_length=max_length, seed=cfg.seed)
    else:
        model, tok = load_model_and_tokenizer(str(paths.model_dir(run_name, "model")), max_length=max_length, seed=cfg.seed)
    soft = teacher_logits(plan.teacher, table, max_length) if plan.teacher else None
    evals = {}
    slice_table = read_split_if_present(run_name, holdout.SPLIT)
    if slice_table is not None:
        evals[model_choice.SELECTION] = encode_pairs(tok, slice_table, max_length)
    evals.update({r.split("-")[0]: encode_pairs(tok, train_table.loc[g["example_id"]].reset_index(), max_length) for r, g in held.items()})
    encoded = encode_pairs(tok, table, max_length).with_teacher(soft)
    choice = model_choice.BestOnSelection()
    history, skipped, maps, current = [], [], [], mix.copy()
    for rnd in range(1, plan.rounds + 1):
        stages = curriculum_stages(current, plan.curriculum)
        trained = [i for i, st in enumerate(stages) if len(st) and not (i and len(st) == len(stages[i - 1]))]
        skipped += [(rnd, i) for i in range(len(stages)) if i not in trained]  # a stage that adds no pairs
        dyn_folder = paths.run_dir(run_name) / "rounds" / f"round_{rnd}" / "dynamics"
        if regions is not None:
            shutil.rmtree(dyn_folder, ignore_errors=True)
        for i in trained:
            rows = current.index[current["example_id"].isin(set(stages[i]["example_id"]))].to_numpy()
            last = i == trained[-1]
            cfg_i = replace(cfg, dynamics_mode="eval_pass", logs_per_epoch=round_logs_per_epoch) if last and regions else cfg
            data = encoded.subset(rows).with_weights(region_weights(current["region"].iloc[rows], plan.weights))
            sampler = RegionBalancedBatchSampler(current["region"].iloc[rows].to_numpy(), cfg.batch_size, cfg.seed) if plan.balanced_batches else None
            trainer = build_trainer(model, tok, cfg_i, data, table["example_id"].iloc[rows].to_numpy(dtype=object),
                                    paths.checkpoints_dir(run_name, out_name) / f"round{rnd}_stage{i}", dyn_folder if last and regions else None,
                                    evals or None, batch_sampler=sampler)
            choice.where = {"round": rnd, "stage": i}
            trainer.add_callback(choice)
            trainer.train()
            optimizer_lr = trainer.optimizer.param_groups[0].get("initial_lr", trainer.optimizer.param_groups[0]["lr"])
            history += [{"round": rnd, "stage": i, "stage_pairs": len(rows), **h} for h in model_choice.history_from_log(trainer.state.log_history)]
            model = trainer.model
        if regions is not None:
            metrics = compute_metrics(read_matrix(dyn_folder))
            metrics["region"] = regions(metrics)
            maps.append(metrics.assign(round=rnd))
            new = current["example_id"].map(dict(zip(metrics["example_id"], metrics["region"])))
            current = current.assign(region=new.where(new.isin(MIX_REGIONS), current["region"]))  # 'other': keep the old region
        if rnd < plan.rounds:
            trainer.save_model(str(paths.model_dir(run_name, f"{out_name}_round{rnd}")))
            tok.save_pretrained(str(paths.model_dir(run_name, f"{out_name}_round{rnd}")))
    choice.restore(trainer.model)
    out = paths.model_dir(run_name, out_name)
    trainer.save_model(str(out))
    tok.save_pretrained(str(out))
    model_choice.write(out, has_slice=slice_table is not None, eval_sets=list(evals), chosen=choice.chosen, history=choice.history)
    teacher = plan.teacher
    return {"arm": plan.name, "starts_from": base["model"] if plan.from_base else "model", "learning_rate": cfg.learning_rate,
            "optimizer_lr": optimizer_lr, "epochs_per_stage": cfg.epochs, "curriculum": plan.curriculum, "skipped_stages": skipped,
            "balanced_batches": plan.balanced_batches, "weights": plan.weights, "pairs": len(mix),
            "augmented": int(mix.get("augmented", pd.Series(False)).sum()), "teacher": teacher or None,
            "distill_alpha": cfg.distill_alpha if teacher else None, "distill_temperature": cfg.distill_temperature if teacher else None,
            "rounds": plan.rounds, "model_choice": model_choice.read(out), "history": history, "round_maps": maps}


def notebook02_config(run_name: str, **changes) -> TrainConfig:
    """Notebook 02's training configuration (from train_summary.json), for arms that repeat its training."""
    saved = json.loads((paths.run_dir(run_name) / "train_summary.json").read_text())["config"]
    known = {f.name for f in fields(TrainConfig)}
    return replace(TrainConfig(**{k: v for k, v in saved.items() if k in known}), **changes)


def trained_arms(run_name: str) -> list[str]:
    """The arms notebook 04 trained for this run, in its order ([] before notebook 04)."""
    path = paths.run_dir(run_name) / SUMMARY
    return list(json.loads(path.read_text()).get("arms", {})) if path.exists() else []


def choice_table(summaries: dict[str, dict]) -> pd.DataFrame:
    """Per arm: which evaluation picked its model (rule, round, stage, epoch) and its accuracy on the slice."""
    rows = []
    for arm, s in summaries.items():
        c = s["model_choice"]
        chosen = c.get("chosen") or {}
        rows.append({"arm": arm, "rule": c.get("rule"), "round": chosen.get("round"), "stage": chosen.get("stage"),
                     "epoch": chosen.get("epoch"), "selection_accuracy": chosen.get(model_choice.SELECTION),
                     "evaluated_on": ", ".join(c.get("eval_sets", []))})
    return pd.DataFrame(rows).set_index("arm")


def history_table(summary: dict) -> pd.DataFrame:
    """Accuracy per stage and epoch on the model-selection slice and on each held-back region."""
    return pd.DataFrame(summary["history"])

"""Notebook 02's stage, also behind `python -m nbutils train` and torchrun: train the run's model with dynamics.

`outputs/<run>/train_summary.json`: config (every TrainConfig field), seconds, resumed_from, train_loss, epochs (per
epoch: epoch, seconds, pairs_per_s, selection_accuracy, train_loss), best_checkpoint, device, world_size,
dynamics_logging_s, dynamics_padded_repeats, model, tokenizer, max_length, train_pairs, mean_tokens, selection_pairs,
best_selection_accuracy, selected_by. Which epoch was kept, and on which data, is also in `model/model_choice.json` (nbutils.train.model_choice).
"""
from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from .. import paths
from ..data.encode import encode_pairs_cached
from ..data import holdout
from ..data.splits import read_split, read_split_if_present
from ..errors import WorkbookError
from . import model_choice
from .config import TrainConfig
from .models import load_model_and_tokenizer
from .trainer import is_main_process, newest_checkpoint, train

SUMMARY = "train_summary.json"
NOT_TRAINING = ("resume", "progress_bar", "num_workers", "eval_batch_size")   # settings that do not change what is trained
FINGERPRINT = "run_fingerprint.json"


def run_stage(run_name: str, *, model: str, tokenizer: str = "", max_length: int = 128, cfg: TrainConfig,
              export_cartography_format: bool = False) -> dict:
    """Fine-tune on the run's train split, write dynamics, the best model and a summary; returns the summary."""
    train_table, held = read_split(run_name, "train"), read_split_if_present(run_name, holdout.SPLIT)
    ckpts = paths.checkpoints_dir(run_name)
    fingerprint = {"model": model, "tokenizer": tokenizer, "max_length": max_length, "train_pairs": len(train_table),
                   "train_ids_sha1": _sha1(train_table), "selection_ids_sha1": _sha1(held) if held is not None else None,
                   **{k: v for k, v in asdict(cfg).items() if k not in NOT_TRAINING}}
    _check_or_start(ckpts, fingerprint, cfg.resume)
    texts = pd.concat([train_table["premise"], train_table["hypothesis"]]).tolist()
    net, tok = load_model_and_tokenizer(model, tokenizer=tokenizer, train_texts=texts, max_length=max_length, seed=cfg.seed)
    train_set = encode_pairs_cached(tok, train_table, max_length)
    selection = encode_pairs_cached(tok, held, max_length) if held is not None else None
    trainer, summary = train(net, tok, cfg, train_set, train_table["example_id"].to_numpy(dtype=object),
                             output_dir=paths.checkpoints_dir(run_name), dynamics_folder=paths.dynamics_dir(run_name),
                             selection=selection)
    summary.update(model=model, tokenizer=tokenizer, max_length=max_length, train_pairs=len(train_set),
                   selection_pairs=len(held) if held is not None else 0,
                   mean_tokens=float(train_set.lengths.mean()))
    if trainer.is_world_process_zero():
        out = paths.model_dir(run_name)
        trainer.save_model(str(out))
        tok.save_pretrained(str(out))
        model_choice.write(out, has_slice=selection is not None, eval_sets=[model_choice.SELECTION] if selection is not None else [],
                           chosen=_chosen(trainer), history=model_choice.history_from_log(trainer.state.log_history))
        (paths.run_dir(run_name) / SUMMARY).write_text(json.dumps(summary, indent=2, default=str))
        if export_cartography_format and cfg.dynamics_mode != "off":
            from .dynamics import write_cartography_jsonl
            write_cartography_jsonl(paths.dynamics_dir(run_name), paths.run_dir(run_name) / "training_dynamics")
    return summary


def _sha1(table: pd.DataFrame) -> str:
    return hashlib.sha1("\n".join(table["example_id"]).encode()).hexdigest()


def _chosen(trainer) -> dict | None:
    """The evaluation whose slice accuracy picked the model (the Trainer keeps the first best epoch)."""
    best = trainer.state.best_metric
    history = model_choice.history_from_log(trainer.state.log_history)
    return next((h for h in history if h.get(model_choice.SELECTION) == best), None) if best is not None else None


def _check_or_start(ckpts: Path, fingerprint: dict, resume: bool) -> None:
    """Resume only from this run's own checkpoints; a fresh start clears stale ones."""
    stamp = ckpts / FINGERPRINT
    if resume and newest_checkpoint(ckpts):
        earlier = json.loads(stamp.read_text()) if stamp.exists() else {}
        changed = {k: (earlier.get(k), v) for k, v in fingerprint.items() if earlier.get(k) != v}
        if changed:
            raise WorkbookError(f"cannot resume from {ckpts}: its checkpoints were made with other settings or data "
                                f"{changed} (was, now). Resume with the same settings, or start afresh with -p resume=false.")
        return
    if is_main_process():
        for old in ckpts.glob("checkpoint-*"):
            shutil.rmtree(old)
        stamp.write_text(json.dumps(fingerprint, indent=2))


def choice_line(summary: dict) -> str:
    """One sentence on which data picked the model and how well it did there."""
    if summary.get("best_selection_accuracy") is None:
        return f"model: {summary['selected_by']}"
    return (f"model: {summary['selected_by']} ({summary['selection_pairs']:,} training pairs held out before mapping): "
            f"accuracy {summary['best_selection_accuracy']:.4f} there; validation is scored only in notebook 05")


def epoch_table(summary: dict) -> pd.DataFrame:
    """Per-epoch speed, loss and accuracy on the model-selection slice."""
    return pd.DataFrame(summary["epochs"])

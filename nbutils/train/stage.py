"""Notebook 02's stage, also behind `python -m nbutils train` and torchrun: train the run's model with dynamics.

`outputs/<run>/train_summary.json`: config (every TrainConfig field), seconds, resumed_from, train_loss, epochs (per
epoch: epoch, seconds, pairs_per_s, val_accuracy, train_loss), best_checkpoint, best_val_accuracy, device, world_size,
dynamics_logging_s, model, tokenizer, max_length, train_pairs, mean_tokens.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd

from .. import paths
from ..data.encode import encode_pairs_cached
from ..data.splits import read_split
from ..errors import WorkbookError
from .config import TrainConfig
from .models import load_model_and_tokenizer
from .trainer import is_main_process, newest_checkpoint, train

SUMMARY = "train_summary.json"
FINGERPRINT = "run_fingerprint.json"


def run_stage(run_name: str, *, model: str, tokenizer: str = "", max_length: int = 128, cfg: TrainConfig,
              export_cartography_format: bool = False) -> dict:
    """Fine-tune on the run's train split, write dynamics, the best model and a summary; returns the summary."""
    train_table, validation = read_split(run_name, "train"), read_split(run_name, "validation")
    ckpts = paths.checkpoints_dir(run_name)
    fingerprint = {"model": model, "tokenizer": tokenizer, "max_length": max_length, "train_pairs": len(train_table),
                   "train_ids_sha1": hashlib.sha1("\n".join(train_table["example_id"]).encode()).hexdigest()}
    _check_or_start(ckpts, fingerprint, cfg.resume)
    texts = pd.concat([train_table["premise"], train_table["hypothesis"]]).tolist()
    net, tok = load_model_and_tokenizer(model, tokenizer=tokenizer, train_texts=texts, max_length=max_length, seed=cfg.seed)
    train_set, val_set = encode_pairs_cached(tok, train_table, max_length), encode_pairs_cached(tok, validation, max_length)
    trainer, summary = train(net, tok, cfg, train_set, train_table["example_id"].to_numpy(dtype=object),
                             output_dir=paths.checkpoints_dir(run_name), dynamics_folder=paths.dynamics_dir(run_name),
                             validation=val_set)
    summary.update(model=model, tokenizer=tokenizer, max_length=max_length, train_pairs=len(train_set),
                   mean_tokens=float(train_set.lengths.mean()))
    if trainer.is_world_process_zero():
        out = paths.model_dir(run_name)
        trainer.save_model(str(out))
        tok.save_pretrained(str(out))
        (paths.run_dir(run_name) / SUMMARY).write_text(json.dumps(summary, indent=2, default=str))
        if export_cartography_format and cfg.dynamics_mode != "off":
            from .dynamics import write_cartography_jsonl
            write_cartography_jsonl(paths.dynamics_dir(run_name), paths.run_dir(run_name) / "training_dynamics")
    return summary


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


def epoch_table(summary: dict) -> pd.DataFrame:
    """Per-epoch speed, loss and validation accuracy."""
    return pd.DataFrame(summary["epochs"])

"""Notebook 02's stage, also behind `python -m nbutils train` and torchrun: train the run's model with dynamics."""
from __future__ import annotations

import json

import pandas as pd

from . import paths
from .encode import encode_pairs
from .models import load_model_and_tokenizer
from .rundata import read_split
from .training import TrainConfig, save_summary, train

SUMMARY = "train_summary.json"


def train_run(run_name: str, *, model: str, tokenizer: str = "", max_length: int = 128, cfg: TrainConfig) -> dict:
    """Fine-tune on the run's train split, write dynamics, the best model and a summary; returns the summary."""
    train_table, validation = read_split(run_name, "train"), read_split(run_name, "validation")
    texts = pd.concat([train_table["premise"], train_table["hypothesis"]]).tolist()
    net, tok = load_model_and_tokenizer(model, tokenizer=tokenizer, train_texts=texts, max_length=max_length, seed=cfg.seed)
    train_set, val_set = encode_pairs(tok, train_table, max_length), encode_pairs(tok, validation, max_length)
    trainer, summary = train(net, tok, cfg, train_set, train_table["example_id"].to_numpy(dtype=object),
                             output_dir=paths.checkpoints_dir(run_name), dynamics_folder=paths.dynamics_dir(run_name),
                             validation=val_set)
    summary.update(model=model, tokenizer=tokenizer, max_length=max_length, train_pairs=len(train_set),
                   mean_tokens=float(train_set.lengths.mean()))
    if trainer.is_world_process_zero():
        out = paths.model_dir(run_name)
        trainer.save_model(str(out))
        tok.save_pretrained(str(out))
        save_summary(summary, paths.run_dir(run_name) / SUMMARY)
    return summary


def read_summary(run_name: str) -> dict:
    return json.loads((paths.run_dir(run_name) / SUMMARY).read_text())


def epoch_table(summary: dict) -> pd.DataFrame:
    """Per-epoch speed, loss and validation accuracy."""
    return pd.DataFrame(summary["epochs"])

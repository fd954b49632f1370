"""Fine-tuning on the Hugging Face Trainer: a Trainer subclass for per-example weights, distillation, dynamics and fast batching."""
from __future__ import annotations

import os
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from transformers import Trainer, TrainingArguments

from ..data.encode import EncodedPairs, PadCollator
from .config import TrainConfig
from .model_choice import RULE_BEST, RULE_LAST, SELECTION
from .progress import EpochLine
from .recorder import DynamicsRecorder


class DynamicsTrainer(Trainer):
    """Trainer whose loss takes per-example weights and teacher logits and hands each batch's logits to a recorder.

    Training batches group pairs of like length (or follow `batch_sampler`, e.g. the retraining's region mix);
    evaluation and prediction go longest first (`predict_logits` puts the results back in dataset order).
    """

    recorder: DynamicsRecorder | None = None
    batch_sampler: torch.utils.data.Sampler | None = None
    distill_alpha: float = 0.5
    distill_temperature: float = 2.0

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        index = inputs.pop("example_index", None)
        weight = inputs.pop("example_weight", None)
        teacher = inputs.pop("teacher_logits", None)
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        logits = outputs.logits.float()
        if teacher is not None:
            loss = distillation_loss(logits, teacher.float(), labels, self.distill_alpha, self.distill_temperature)
        else:
            loss = F.cross_entropy(logits, labels, reduction="none")
        loss = (loss * weight).mean() if weight is not None else loss.mean()
        if model.training and self.recorder is not None and index is not None:
            self.recorder.record(index, logits.detach(), labels)
        return (loss, outputs) if return_outputs else loss

    def _get_train_sampler(self, train_dataset=None):
        """Length-grouped batches from the precomputed lengths (the stock sampler reads every item to find them)."""
        data = train_dataset if train_dataset is not None else self.train_dataset
        if self.args.train_sampling_strategy == "group_by_length" and isinstance(data, EncodedPairs):
            from transformers.trainer_pt_utils import LengthGroupedSampler
            return LengthGroupedSampler(self.args.train_batch_size * self.args.gradient_accumulation_steps,
                                        lengths=data.lengths.tolist())
        return super()._get_train_sampler(train_dataset)

    def _get_eval_sampler(self, eval_dataset):
        return None if eval_dataset is None else eval_order(eval_dataset)

    def get_train_dataloader(self):
        """With a batch sampler, its batches as they are (single process); otherwise the Trainer's own loader."""
        if self.batch_sampler is None:
            return super().get_train_dataloader()
        loader = torch.utils.data.DataLoader(self.train_dataset, batch_sampler=self.batch_sampler, collate_fn=self.data_collator,
                                             num_workers=self.args.dataloader_num_workers, pin_memory=torch.cuda.is_available())
        return self.accelerator.prepare(loader)

    def predict_logits(self, data, prefix: str = "test") -> np.ndarray:
        """Logits of every pair in dataset order (prediction itself runs in eval_order)."""
        order = eval_order(data)
        logits = np.asarray(self.predict(data, metric_key_prefix=prefix).predictions)
        restored = np.empty_like(logits)
        restored[order] = logits
        return restored


def distillation_loss(student: torch.Tensor, teacher: torch.Tensor, labels: torch.Tensor, alpha: float, temperature: float) -> torch.Tensor:
    """Per example: (1 - alpha) * cross-entropy + alpha * T^2 * KL(teacher_T || student_T) (Hinton et al., 2015)."""
    ce = F.cross_entropy(student, labels, reduction="none")
    t = temperature
    kl = F.kl_div(F.log_softmax(student / t, dim=-1), F.log_softmax(teacher / t, dim=-1), reduction="none", log_target=True).sum(-1)
    return (1 - alpha) * ce + alpha * t * t * kl


def eval_order(data) -> list[int]:
    """Longest first: like lengths pad little (file order pads SNLI about 2x), and a batch too big for memory fails at once."""
    if isinstance(data, EncodedPairs):
        return np.argsort(-data.lengths, kind="stable").tolist()
    return list(range(len(data)))


def accuracy(eval_pred) -> dict[str, float]:
    logits, labels = eval_pred.predictions, eval_pred.label_ids
    return {"accuracy": float((np.asarray(logits).argmax(-1) == labels).mean())}


def training_arguments(cfg: TrainConfig, output_dir: Path, has_eval: bool, has_slice: bool | None = None) -> TrainingArguments:
    """TrainingArguments tuned for throughput: bf16/fp16, fused AdamW on CUDA, length grouping, no per-step syncs."""
    cuda = torch.cuda.is_available()
    precision = cfg.precision
    if precision == "auto":
        precision = ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if cuda else "fp32"
    has_slice = has_eval if has_slice is None else has_slice
    save = "epoch" if cfg.save_checkpoints else "no"
    return TrainingArguments(
        output_dir=str(output_dir), num_train_epochs=cfg.epochs, per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.eval_batch_size, learning_rate=cfg.learning_rate, weight_decay=cfg.weight_decay,
        warmup_steps=cfg.warmup_ratio, max_grad_norm=cfg.max_grad_norm, seed=cfg.seed, data_seed=cfg.seed,
        bf16=precision == "bf16", fp16=precision == "fp16",
        optim="adamw_torch_fused" if cuda else "adamw_torch",
        train_sampling_strategy="group_by_length",
        dataloader_num_workers=cfg.num_workers, dataloader_pin_memory=cuda,
        dataloader_persistent_workers=cfg.num_workers > 0,
        eval_strategy="epoch" if has_eval else "no", save_strategy=save,
        save_total_limit=2 if cfg.save_checkpoints else None, load_best_model_at_end=bool(has_slice and cfg.save_checkpoints),
        metric_for_best_model=f"{SELECTION}_accuracy" if (has_slice and cfg.save_checkpoints) else None, greater_is_better=True,
        logging_strategy="epoch", logging_nan_inf_filter=False, report_to="none", disable_tqdm=True,
        accelerator_config={"non_blocking": bool(cfg.non_blocking and cuda)},
        remove_unused_columns=False, torch_compile=cfg.torch_compile, save_only_model=False,
        use_cpu=not cuda, ddp_backend="gloo" if not cuda and int(os.environ.get("WORLD_SIZE", "1")) > 1 else None,
    )


def build_trainer(model, tokenizer, cfg: TrainConfig, train: EncodedPairs, train_ids: np.ndarray, output_dir: Path,
                  dynamics_folder: Path | None, evals: dict[str, EncodedPairs] | None = None,
                  batch_sampler: torch.utils.data.Sampler | None = None) -> DynamicsTrainer:
    """A DynamicsTrainer with the recorder and the epoch line, evaluating `evals` after each epoch.

    With checkpoints on, the best epoch by accuracy on evals["selection"] (the model-selection slice) is kept.
    batch_sampler fixes every training batch (retraining's region mix).
    """
    args = training_arguments(cfg, output_dir, bool(evals), SELECTION in (evals or {}))
    if torch.cuda.is_available():
        torch.backends.cuda.enable_cudnn_sdp(cfg.sdpa_cudnn)
    if cfg.torch_compile:  # batch widths vary: compile for any size once, not once static and again dynamic
        torch._dynamo.config.assume_static_by_default = False
    collator = PadCollator(pad_id=tokenizer.pad_token_id or 0, multiple=cfg.pad_multiple)
    trainer = DynamicsTrainer(model=model, args=args, train_dataset=train, eval_dataset=evals or None, data_collator=collator,
                              processing_class=tokenizer, compute_metrics=accuracy)
    trainer.distill_alpha, trainer.distill_temperature = cfg.distill_alpha, cfg.distill_temperature
    trainer.batch_sampler = batch_sampler
    if cfg.dynamics_mode != "off" and dynamics_folder is not None:
        trainer.recorder = DynamicsRecorder(trainer, train_ids, dynamics_folder, cfg.dynamics_mode, cfg.logs_per_epoch, train)
        trainer.add_callback(trainer.recorder)
    from transformers import PrinterCallback
    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()
    trainer.remove_callback(PrinterCallback)
    trainer.epoch_line = EpochLine(len(train), cfg.progress_bar)
    trainer.add_callback(trainer.epoch_line)
    return trainer


def newest_checkpoint(output_dir: Path) -> str | None:
    """The newest complete checkpoint-N folder (its trainer state written last), or None: a kill mid-save leaves a partial one."""
    ckpts = sorted((p for p in Path(output_dir).glob("checkpoint-*") if (p / "trainer_state.json").exists()),
                   key=lambda p: int(p.name.split("-")[-1]))
    return str(ckpts[-1]) if ckpts else None


def train(model, tokenizer, cfg: TrainConfig, train_set: EncodedPairs, train_ids: np.ndarray, *, output_dir: Path,
          dynamics_folder: Path | None, selection: EncodedPairs | None = None) -> tuple[DynamicsTrainer, dict]:
    """Fine-tune, recording dynamics; returns the trainer and a summary (per-epoch speed and accuracy).

    With a model-selection slice the best epoch on it is kept (checkpoints each epoch); without one, the last epoch.
    """
    if not cfg.resume and is_main_process() and dynamics_folder is not None and any(Path(dynamics_folder).glob("point_*")):
        for p in Path(dynamics_folder).glob("point_*"):
            p.unlink()
    trainer = build_trainer(model, tokenizer, cfg, train_set, train_ids, output_dir, dynamics_folder,
                            {SELECTION: selection} if selection is not None else None)
    resume_from = newest_checkpoint(output_dir) if cfg.resume else None
    earlier = _earlier_epochs(resume_from)   # now: save_total_limit may delete that checkpoint while training goes on
    t0 = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=resume_from)
    seconds = time.perf_counter() - t0
    summary = {"config": asdict(cfg), "seconds": seconds, "resumed_from": resume_from, "train_loss": result.training_loss,
               "epochs": earlier + trainer.epoch_line.history, "best_checkpoint": trainer.state.best_model_checkpoint,
               "best_selection_accuracy": trainer.state.best_metric, "selected_by": RULE_BEST if selection is not None else RULE_LAST,
               "device": device_name(), "world_size": trainer.args.world_size,
               "dynamics_logging_s": trainer.recorder.seconds if trainer.recorder is not None else 0.0,
               "dynamics_padded_repeats": trainer.recorder.padded_repeats if trainer.recorder is not None else 0}
    return trainer, summary


def _earlier_epochs(checkpoint: str | None) -> list[dict]:
    """The epochs a resumed run did before its checkpoint, from the checkpoint's trainer state (no timings: not recorded)."""
    if checkpoint is None:
        return []
    import json
    state = json.loads((Path(checkpoint) / "trainer_state.json").read_text())
    rows: dict[float, dict] = {}
    for rec in state["log_history"]:
        row = rows.setdefault(rec["epoch"], {"epoch": round(rec["epoch"], 3), "seconds": None, "pairs_per_s": None, "resumed": True})
        if "loss" in rec:
            row["train_loss"] = rec["loss"]
        if f"eval_{SELECTION}_accuracy" in rec:
            row[f"{SELECTION}_accuracy"] = rec[f"eval_{SELECTION}_accuracy"]
    return list(rows.values())


def is_main_process() -> bool:
    """Rank 0 under torchrun, always true otherwise."""
    return int(os.environ.get("RANK", "0")) == 0


def device_name() -> str:
    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"


def predict_pairs(model, tokenizer, table, max_length: int = 128, batch_size: int = 256) -> np.ndarray:
    """Logits of a model on a pair table, in the table's order (no training set-up: a throwaway output folder)."""
    import tempfile

    from ..data.encode import encode_pairs
    data = encode_pairs(tokenizer, table.assign(gold_label=0), max_length)   # prediction needs no labels (-1: allowed_labels rows)
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(output_dir=tmp, per_device_eval_batch_size=batch_size, report_to="none", disable_tqdm=True,
                                 remove_unused_columns=False, dataloader_pin_memory=torch.cuda.is_available())
        trainer = DynamicsTrainer(model=model, args=args, data_collator=PadCollator(pad_id=tokenizer.pad_token_id or 0))
        return trainer.predict_logits(data)

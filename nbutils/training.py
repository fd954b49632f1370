"""Fine-tuning on the Hugging Face Trainer while recording every training example's gold-label probability."""
from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from transformers import Trainer, TrainerCallback, TrainingArguments

from . import dynamics as dyn
from .encode import EncodedPairs, PadCollator
from .errors import WorkbookError

DYNAMICS_MODES = ("in_training", "eval_pass", "off")


@dataclass
class TrainConfig:
    """Everything that shapes one fine-tuning run; the names are the profile parameters."""

    epochs: float = 3
    batch_size: int = 32
    eval_batch_size: int = 256
    learning_rate: float = 5e-5
    weight_decay: float = 0.0
    warmup_ratio: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 42
    dynamics_mode: str = "in_training"   # in_training | eval_pass | off
    logs_per_epoch: int = 1              # eval_pass only: logging points per epoch
    precision: str = "auto"              # auto (bf16 on a GPU that has it, else fp16 on GPU, fp32 on CPU) | bf16 | fp16 | fp32
    num_workers: int = 0                 # dataloader worker processes
    group_by_length: bool = True         # batches of similar length: less padding
    pad_to_length: int = 0               # 0 = pad each batch to its longest pair; N = pad every pair to N (starter setup)
    pad_multiple: int = 1                # round each batch's width up to a multiple of this (8 adds 13% tokens on SNLI)
    fused_adamw: bool = True             # fused AdamW where torch offers it (CUDA)
    save_checkpoints: bool = True        # a checkpoint each epoch, and the best by validation accuracy
    resume: bool = False                 # continue from the newest checkpoint in the output folder
    progress_bar: bool = True            # tqdm bar with pairs/s (an epoch summary line is always printed)
    torch_compile: bool = False          # torch.compile the model (GPU: fuses kernels; the first epoch also compiles)
    distill_alpha: float = 0.5           # with teacher logits: weight of the KL term (1 - alpha on cross-entropy)
    distill_temperature: float = 2.0     # with teacher logits: softmax temperature of teacher and student
    non_blocking: bool = True            # GPU: copy batches from pinned memory without a host-device sync each step
    sdpa_cudnn: bool = False             # GPU: let attention use cuDNN kernels (slower on SNLI's short pairs on an H100)

    def __post_init__(self) -> None:
        if self.dynamics_mode not in DYNAMICS_MODES:
            raise WorkbookError(f"dynamics_mode={self.dynamics_mode!r}: use one of {DYNAMICS_MODES}.")
        if self.dynamics_mode == "in_training" and self.logs_per_epoch != 1:
            raise WorkbookError("logs_per_epoch > 1 needs dynamics_mode='eval_pass': the in-training pass sees each example once per epoch.")
        if self.logs_per_epoch < 1:
            raise WorkbookError("logs_per_epoch must be at least 1.")
        if self.pad_multiple < 1:
            raise WorkbookError("pad_multiple must be at least 1 (1 = no rounding of the batch width).")


class DynamicsTrainer(Trainer):
    """Trainer whose loss takes per-example weights and hands each training batch's logits to a recorder."""

    recorder: "DynamicsRecorder | None" = None

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


def distillation_loss(student: torch.Tensor, teacher: torch.Tensor, labels: torch.Tensor, alpha: float, temperature: float) -> torch.Tensor:
    """Per example: (1 - alpha) * cross-entropy + alpha * T^2 * KL(teacher_T || student_T) (Hinton et al., 2015)."""
    ce = F.cross_entropy(student, labels, reduction="none")
    t = temperature
    kl = F.kl_div(F.log_softmax(student / t, dim=-1), F.log_softmax(teacher / t, dim=-1), reduction="none", log_target=True).sum(-1)
    return (1 - alpha) * ce + alpha * t * t * kl


class DynamicsRecorder(TrainerCallback):
    """Collects gold probabilities on the device and writes one dynamics file per logging point."""

    def __init__(self, trainer: DynamicsTrainer, example_ids: np.ndarray, folder: Path, mode: str, logs_per_epoch: int,
                 train_dataset: EncodedPairs):
        self.trainer, self.example_ids, self.folder, self.mode = trainer, np.asarray(example_ids, dtype=object), folder, mode
        self.logs_per_epoch, self.train_dataset = logs_per_epoch, train_dataset
        self._index: list[torch.Tensor] = []
        self._logits: list[torch.Tensor] = []
        self._labels: list[torch.Tensor] = []
        self._point_steps: dict[int, tuple[int, float]] = {}
        self.seconds = 0.0   # host time spent recording and writing: the logging overhead, measured directly

    def record(self, index: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> None:
        if self.mode == "in_training":
            t0 = time.perf_counter()
            self._index.append(index)
            self._logits.append(logits)
            self._labels.append(labels)
            self.seconds += time.perf_counter() - t0

    def on_train_begin(self, args, state, control, **kw):
        steps_per_epoch = math.ceil(state.max_steps / args.num_train_epochs)
        for e in range(math.ceil(args.num_train_epochs)):
            for k in range(self.logs_per_epoch):
                step = e * steps_per_epoch + round((k + 1) * steps_per_epoch / self.logs_per_epoch)
                self._point_steps[min(step, state.max_steps)] = (e * self.logs_per_epoch + k, e + (k + 1) / self.logs_per_epoch)

    def on_epoch_begin(self, args, state, control, **kw):
        self._index, self._logits, self._labels = [], [], []

    def on_epoch_end(self, args, state, control, **kw):
        if self.mode != "in_training" or not self._index:
            return
        if torch.cuda.is_available():
            torch.cuda.synchronize()   # the steps still queued on the GPU are training, not logging
        t0 = time.perf_counter()
        index = torch.cat(self._index).cpu().numpy()
        logits = torch.cat(self._logits).cpu().numpy()
        labels = torch.cat(self._labels).cpu().numpy()
        point = int(round(state.epoch)) - 1
        dyn.write_point(self.folder, point, float(round(state.epoch)), self.example_ids[index], labels, logits, rank=args.process_index)
        self._index, self._logits, self._labels = [], [], []
        self.seconds += time.perf_counter() - t0

    def on_step_end(self, args, state, control, **kw):
        if self.mode != "eval_pass" or state.global_step not in self._point_steps:
            return
        point, epoch = self._point_steps[state.global_step]
        t0 = time.perf_counter()
        logits = predict_logits(self.trainer, self.train_dataset, prefix="dynamics")
        if args.process_index == 0:
            dyn.write_point(self.folder, point, epoch, self.example_ids, self.train_dataset.labels, logits)
        self.seconds += time.perf_counter() - t0


def eval_order(data) -> list[int]:
    """Longest first: like lengths pad little (file order pads SNLI about 2x), and a batch too big for memory fails at once."""
    if isinstance(data, EncodedPairs):
        return np.argsort(-data.lengths, kind="stable").tolist()
    return list(range(len(data)))


def sort_eval_batches(trainer: Trainer) -> Trainer:
    """Evaluation and prediction go through pairs in eval_order; predict_logits puts the results back in dataset order."""
    trainer._get_eval_sampler = eval_order
    return trainer


def predict_logits(trainer: Trainer, data, prefix: str = "test") -> np.ndarray:
    """Logits of every pair in dataset order, from a trainer set up by sort_eval_batches."""
    order = eval_order(data)
    logits = np.asarray(trainer.predict(data, metric_key_prefix=prefix).predictions)
    restored = np.empty_like(logits)
    restored[order] = logits
    return restored


class EpochLine(TrainerCallback):
    """A tqdm bar in pairs/s while training and one clean summary line per epoch (readable in papermill logs)."""

    def __init__(self, pairs_per_epoch: int, show_bar: bool):
        self.pairs_per_epoch, self.show_bar, self.bar, self.t0 = pairs_per_epoch, show_bar, None, 0.0
        self.history: list[dict] = []

    def on_epoch_begin(self, args, state, control, **kw):
        self.t0 = time.perf_counter()
        if self.show_bar and state.is_world_process_zero:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=self.pairs_per_epoch, unit="pairs", unit_scale=True, desc=f"epoch {int(state.epoch) + 1}", leave=False)

    def on_step_end(self, args, state, control, **kw):
        if self.bar is not None:
            self.bar.update(min(args.train_batch_size * args.world_size, self.bar.total - self.bar.n))

    def on_epoch_end(self, args, state, control, **kw):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        seconds = time.perf_counter() - self.t0
        self.history.append({"epoch": round(state.epoch, 3), "seconds": seconds, "pairs_per_s": self.pairs_per_epoch / max(seconds, 1e-9)})

    def on_evaluate(self, args, state, control, metrics=None, **kw):
        key = next((k for k in ("eval_accuracy", "eval_validation_accuracy") if k in (metrics or {})), None)
        if not state.is_world_process_zero or not self.history or key is None:
            return
        h = self.history[-1]
        h["val_accuracy"] = metrics[key]
        loss = next((x["loss"] for x in reversed(state.log_history) if "loss" in x), float("nan"))
        h["train_loss"] = loss
        print(f"epoch {h['epoch']:g}/{args.num_train_epochs:g}: {self.pairs_per_epoch:,} pairs in {h['seconds']:.1f} s "
              f"({h['pairs_per_s']:,.0f} pairs/s), train loss {loss:.4f}, validation accuracy {h['val_accuracy']:.4f}", flush=True)


def accuracy(eval_pred) -> dict[str, float]:
    logits, labels = eval_pred.predictions, eval_pred.label_ids
    return {"accuracy": float((np.asarray(logits).argmax(-1) == labels).mean())}


def training_arguments(cfg: TrainConfig, output_dir: Path, has_eval: bool) -> TrainingArguments:
    """TrainingArguments tuned for throughput: bf16/fp16, fused AdamW, length grouping, no per-step syncs."""
    cuda = torch.cuda.is_available()
    precision = cfg.precision
    if precision == "auto":
        precision = ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if cuda else "fp32"
    save = "epoch" if cfg.save_checkpoints else "no"
    return TrainingArguments(
        output_dir=str(output_dir), num_train_epochs=cfg.epochs, per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.eval_batch_size, learning_rate=cfg.learning_rate, weight_decay=cfg.weight_decay,
        warmup_steps=cfg.warmup_ratio, max_grad_norm=cfg.max_grad_norm, seed=cfg.seed, data_seed=cfg.seed,
        bf16=precision == "bf16", fp16=precision == "fp16",
        optim="adamw_torch_fused" if (cfg.fused_adamw and cuda) else "adamw_torch",
        train_sampling_strategy="group_by_length" if cfg.group_by_length else "random",
        dataloader_num_workers=cfg.num_workers, dataloader_pin_memory=cuda,
        dataloader_persistent_workers=cfg.num_workers > 0,
        eval_strategy="epoch" if has_eval else "no", save_strategy=save if has_eval or save == "no" else "epoch",
        save_total_limit=2 if cfg.save_checkpoints else None, load_best_model_at_end=bool(has_eval and cfg.save_checkpoints),
        metric_for_best_model="accuracy" if (has_eval and cfg.save_checkpoints) else None, greater_is_better=True,
        logging_strategy="epoch", logging_nan_inf_filter=False, report_to="none", disable_tqdm=True,
        accelerator_config={"non_blocking": bool(cfg.non_blocking and cuda)},
        remove_unused_columns=False, torch_compile=cfg.torch_compile, save_only_model=False,
        use_cpu=not cuda, ddp_backend="gloo" if not cuda and int(os.environ.get("WORLD_SIZE", "1")) > 1 else None,
    )


def build_trainer(model, tokenizer, cfg: TrainConfig, train: EncodedPairs, train_ids: np.ndarray, output_dir: Path,
                  dynamics_folder: Path | None, validation: EncodedPairs | None = None,
                  batch_regions: np.ndarray | None = None) -> DynamicsTrainer:
    """A DynamicsTrainer with the recorder and the epoch line; batch_regions mixes regions in every batch (retraining)."""
    args = training_arguments(cfg, output_dir, validation is not None)
    if torch.cuda.is_available():
        torch.backends.cuda.enable_cudnn_sdp(cfg.sdpa_cudnn)
    if cfg.torch_compile:  # batch widths vary: compile for any size once, not once static and again dynamic
        torch._dynamo.config.assume_static_by_default = False
    collator = PadCollator(pad_id=tokenizer.pad_token_id or 0, multiple=cfg.pad_multiple, fixed_length=cfg.pad_to_length)
    trainer = DynamicsTrainer(model=model, args=args, train_dataset=train, eval_dataset=validation, data_collator=collator,
                              processing_class=tokenizer, compute_metrics=accuracy)
    trainer.distill_alpha, trainer.distill_temperature = cfg.distill_alpha, cfg.distill_temperature
    trainer._get_train_sampler = _length_sampler(trainer, train) if cfg.group_by_length else trainer._get_train_sampler
    sort_eval_batches(trainer)
    if batch_regions is not None:
        trainer.get_train_dataloader = _balanced_loader(trainer, batch_regions, cfg)
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


def _length_sampler(trainer: Trainer, train: EncodedPairs):
    """LengthGroupedSampler fed the precomputed lengths (the stock one reads every item to find them)."""
    from transformers.trainer_pt_utils import LengthGroupedSampler

    def sampler(train_dataset=None):
        return LengthGroupedSampler(trainer.args.train_batch_size * trainer.args.gradient_accumulation_steps,
                                    lengths=train.lengths.tolist())
    return sampler


def _balanced_loader(trainer: Trainer, regions: np.ndarray, cfg: TrainConfig):
    """A train dataloader whose batches come from RegionBalancedBatchSampler (single process)."""
    from .sampling import RegionBalancedBatchSampler

    def loader():
        sampler = RegionBalancedBatchSampler(regions, trainer.args.train_batch_size, cfg.seed)
        dl = torch.utils.data.DataLoader(trainer.train_dataset, batch_sampler=sampler, collate_fn=trainer.data_collator,
                                         num_workers=cfg.num_workers, pin_memory=torch.cuda.is_available())
        return trainer.accelerator.prepare(dl)
    return loader


def newest_checkpoint(output_dir: Path) -> str | None:
    """The newest checkpoint-N folder, or None."""
    ckpts = sorted(Path(output_dir).glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))
    return str(ckpts[-1]) if ckpts else None


def train(model, tokenizer, cfg: TrainConfig, train_set: EncodedPairs, train_ids: np.ndarray, *, output_dir: Path,
          dynamics_folder: Path | None, validation: EncodedPairs | None = None) -> tuple[DynamicsTrainer, dict]:
    """Fine-tune, recording dynamics; returns the trainer and a summary (per-epoch speed and accuracy)."""
    if not cfg.resume and is_main_process() and dynamics_folder is not None and any(Path(dynamics_folder).glob("point_*")):
        for p in Path(dynamics_folder).glob("point_*"):
            p.unlink()
    trainer = build_trainer(model, tokenizer, cfg, train_set, train_ids, output_dir, dynamics_folder, validation)
    resume_from = newest_checkpoint(output_dir) if cfg.resume else None
    t0 = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=resume_from)
    seconds = time.perf_counter() - t0
    summary = {"config": asdict(cfg), "seconds": seconds, "resumed_from": resume_from, "train_loss": result.training_loss,
               "epochs": trainer.epoch_line.history, "best_checkpoint": trainer.state.best_model_checkpoint,
               "best_val_accuracy": trainer.state.best_metric, "device": device_name(), "world_size": trainer.args.world_size,
               "dynamics_logging_s": trainer.recorder.seconds if trainer.recorder is not None else 0.0}
    return trainer, summary


def is_main_process() -> bool:
    """Rank 0 under torchrun, always true otherwise."""
    return int(os.environ.get("RANK", "0")) == 0


def device_name() -> str:
    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"


def save_summary(summary: dict, path: Path) -> None:
    path.write_text(json.dumps(summary, indent=2, default=str))

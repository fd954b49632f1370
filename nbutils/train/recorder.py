"""Training dynamics recorded while training: the logits of every training batch, or an eval pass over the set."""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from transformers import TrainerCallback

from ..data.encode import EncodedPairs
from . import dynamics as dyn

if TYPE_CHECKING:
    from .trainer import DynamicsTrainer


class DynamicsRecorder(TrainerCallback):
    """Collects gold probabilities on the device and writes one dynamics file per logging point."""

    def __init__(self, trainer: "DynamicsTrainer", example_ids: np.ndarray, folder: Path, mode: str, logs_per_epoch: int,
                 train_dataset: EncodedPairs):
        self.trainer, self.example_ids, self.folder, self.mode = trainer, np.asarray(example_ids, dtype=object), folder, mode
        self.logs_per_epoch, self.train_dataset = logs_per_epoch, train_dataset
        self._index: list[torch.Tensor] = []
        self._logits: list[torch.Tensor] = []
        self._labels: list[torch.Tensor] = []
        self._point_steps: dict[int, tuple[int, float]] = {}
        self._steps_per_epoch = 1
        self.padded_repeats = 0   # records of pairs this process saw twice in an epoch (sampler padding), not written
        self.seconds = 0.0   # host time spent recording and writing: the logging overhead, measured directly

    def record(self, index: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> None:
        if self.mode == "in_training":
            t0 = time.perf_counter()
            self._index.append(index)
            self._logits.append(logits)
            self._labels.append(labels)
            self.seconds += time.perf_counter() - t0

    def on_train_begin(self, args, state, control, train_dataloader=None, **kw):
        """Logging points are keyed by training step, so a fractional last epoch is a point of its own."""
        if train_dataloader is not None and len(train_dataloader):
            steps_per_epoch = max(len(train_dataloader) // args.gradient_accumulation_steps, 1)
        else:
            steps_per_epoch = math.ceil(state.max_steps / args.num_train_epochs)
        self._steps_per_epoch = steps_per_epoch
        for e in range(math.ceil(args.num_train_epochs)):
            for k in range(self.logs_per_epoch):
                step = min(e * steps_per_epoch + round((k + 1) * steps_per_epoch / self.logs_per_epoch), state.max_steps)
                self._point_steps.setdefault(step, (len(self._point_steps), round(step / steps_per_epoch, 4)))

    def on_epoch_begin(self, args, state, control, **kw):
        self._index, self._logits, self._labels = [], [], []

    def on_epoch_end(self, args, state, control, **kw):
        if self.mode != "in_training" or not self._index:
            return
        if state.global_step % self._steps_per_epoch and state.global_step >= state.max_steps:
            print(f"the last {state.epoch % 1:g} epoch saw only part of the training pairs: no logging point for it "
                  "(in_training mode logs whole epochs; eval_pass logs any fraction)", flush=True)
            return
        if torch.cuda.is_available():
            torch.cuda.synchronize()   # the steps still queued on the GPU are training, not logging
        t0 = time.perf_counter()
        index = torch.cat(self._index).cpu().numpy()
        logits = torch.cat(self._logits).cpu().numpy()
        labels = torch.cat(self._labels).cpu().numpy()
        _, first = np.unique(index, return_index=True)   # a padded last batch can repeat pairs this process saw: keep the first
        keep = np.sort(first)
        self.padded_repeats += len(index) - len(keep)
        index, logits, labels = index[keep], logits[keep], labels[keep]
        point = math.ceil(state.global_step / self._steps_per_epoch) - 1   # epoch 2.5's end is point 2, not point 1 again
        dyn.write_point(self.folder, point, round(float(state.epoch), 4), self.example_ids[index], labels, logits, rank=args.process_index)
        self._index, self._logits, self._labels = [], [], []
        self.seconds += time.perf_counter() - t0

    def on_step_end(self, args, state, control, **kw):
        if self.mode != "eval_pass" or state.global_step not in self._point_steps:
            return
        point, epoch = self._point_steps[state.global_step]
        t0 = time.perf_counter()
        logits = self.trainer.predict_logits(self.train_dataset, prefix="dynamics")
        if args.process_index == 0:
            dyn.write_point(self.folder, point, epoch, self.example_ids, self.train_dataset.labels, logits)
        self.seconds += time.perf_counter() - t0

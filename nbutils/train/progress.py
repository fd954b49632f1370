"""What a person watches while a model trains: a tqdm bar in pairs/s and one summary line per epoch."""
from __future__ import annotations

import time

import torch
from transformers import TrainerCallback


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
        if args.eval_strategy == "no" and state.is_world_process_zero:  # no evaluation to wait for: say it now
            self._print(args, self.history[-1], "")

    def on_evaluate(self, args, state, control, metrics=None, **kw):
        if not state.is_world_process_zero or not self.history or "eval_selection_accuracy" not in (metrics or {}):
            return
        h = self.history[-1]
        h["selection_accuracy"] = metrics["eval_selection_accuracy"]
        h["train_loss"] = next((x["loss"] for x in reversed(state.log_history) if "loss" in x), float("nan"))
        self._print(args, h, f", train loss {h['train_loss']:.4f}, model-selection slice accuracy {h['selection_accuracy']:.4f}")

    def _print(self, args, h: dict, tail: str) -> None:
        print(f"epoch {h['epoch']:g}/{args.num_train_epochs:g}: {self.pairs_per_epoch:,} pairs in {h['seconds']:.1f} s "
              f"({h['pairs_per_s']:,.0f} pairs/s){tail}", flush=True)

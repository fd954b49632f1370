"""Which data picked a model, and which epoch: every model folder holds `model_choice.json`, written when it is saved.

`<model folder>/model_choice.json`:
    rule        "best epoch by accuracy on the model-selection slice", or "last epoch" when the run has no slice
    eval_sets   every set evaluated while the model trained: the slice ("selection") and, in notebook 04, the held-back
                pairs of each region; never validation, test or a contrast set (those are scored only in notebook 05)
    chosen      the evaluation that picked the model: epoch (and round, stage in notebook 04) with its accuracies
    history     every evaluation: epoch (round, stage) and each eval set's accuracy
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from transformers import TrainerCallback

FILE = "model_choice.json"
SELECTION = "selection"
RULE_BEST = "best epoch by accuracy on the model-selection slice"
RULE_LAST = "last epoch (no model-selection slice: selection_pairs=0)"


def accuracies(metrics: dict) -> dict[str, float]:
    """{eval set: accuracy} from the Trainer's metrics (eval_<set>_accuracy)."""
    return {k[5:-9]: v for k, v in metrics.items() if k.startswith("eval_") and k.endswith("_accuracy")}


def history_from_log(log_history: list[dict]) -> list[dict]:
    """One record per epoch with each eval set's accuracy, from a Trainer's log history."""
    per_epoch: dict[float, dict] = {}
    for rec in log_history:
        accs = accuracies(rec)
        if accs:
            per_epoch.setdefault(rec["epoch"], {"epoch": rec["epoch"]}).update(accs)
    return list(per_epoch.values())


class BestOnSelection(TrainerCallback):
    """Keeps the weights of the best evaluation on the slice, across every trainer it is added to (curriculum stages)."""

    def __init__(self) -> None:
        self.best, self.weights, self.chosen = -math.inf, None, None
        self.history: list[dict] = []
        self.where: dict = {}   # round and stage of the trainer now running, set by the caller

    def on_evaluate(self, args, state, control, model=None, metrics=None, **kw):
        accs = accuracies(metrics or {})
        key = {**self.where, "epoch": state.epoch}
        record = next((h for h in self.history if all(h.get(k) == v for k, v in key.items())), None)
        if record is None:
            record = dict(key)
            self.history.append(record)
        record.update(accs)
        if SELECTION in accs and accs[SELECTION] > self.best:   # strictly better: the first best epoch wins, as in the Trainer
            self.best, self.chosen = accs[SELECTION], record
            self.weights = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}

    def restore(self, model) -> None:
        """Load the chosen weights into the model (no slice: it keeps its last epoch)."""
        if self.weights is not None:
            model.load_state_dict(self.weights)


def write(folder: Path, *, has_slice: bool, eval_sets: list[str], chosen: dict | None, history: list[dict]) -> Path:
    """Write model_choice.json into a saved model folder."""
    record = {"rule": RULE_BEST if has_slice else RULE_LAST, "eval_sets": sorted(eval_sets),
              "chosen": chosen if has_slice else (history[-1] if history else None), "history": history}
    path = Path(folder) / FILE
    path.write_text(json.dumps(record, indent=2, default=float))
    return path


def read(folder: Path) -> dict:
    """A model folder's model_choice.json ({} for a folder saved without one)."""
    path = Path(folder) / FILE
    return json.loads(path.read_text()) if path.exists() else {}

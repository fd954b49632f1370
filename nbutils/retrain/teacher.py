"""Knowledge distillation's teacher: a trained model of the run (or any folder) and its soft labels on the set."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import paths
from ..train.dynamics import softmax
from ..train.models import load_model_and_tokenizer, require_trained_classifier
from ..train.trainer import predict_pairs


def teacher_logits(teacher: str, table: pd.DataFrame, max_length: int) -> np.ndarray:
    """The teacher's log-probabilities on the set (softmax-equivalent to its logits), after checking its label set."""
    require_trained_classifier(teacher)
    t_model, t_tok = load_model_and_tokenizer(teacher, max_length=max_length)
    probs = softmax(np.asarray(predict_pairs(t_model, t_tok, table, max_length), dtype=np.float64))
    return np.log(np.clip(probs, 1e-12, 1.0)).astype(np.float32)


def resolve_teacher(run_name: str, teacher: str) -> str:
    """A model of the run by name (e.g. 'model') or any model folder; '' keeps distillation off."""
    in_run = paths.run_dir(run_name) / teacher
    if teacher and "/" not in teacher and (in_run / "config.json").exists():
        return str(in_run)
    return teacher

"""What each notebook parameter may be: its type (from the notebook that declares it), its range and allowed values.

The notebooks' parameters cells stay the reference for what a parameter means (`papermill --help-notebook`); this
module declares what a value may be. The runner checks every parameter with it (pydantic, strict types: an int is no
bool, a float may be written as an int) before notebook 01 starts, and names every wrong value in one message, with a
"did you mean" where a close name or value exists.
"""
from __future__ import annotations

import difflib
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, create_model

from ..data.label_source import SOURCES as LABEL_SOURCES
from ..errors import WorkbookError
from ..map.regions import REGIONS
from ..map.selection import SOURCES as SELECTION_SOURCES
from ..retrain.arms import ARMS
from ..retrain.augment import RULES as AUGMENT_RULES
from ..review.oracle import ORACLES
from ..review.triage import SCORES as TRIAGE_SCORES
from ..train.config import DYNAMICS_MODES

TYPES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict}
CHOICES: dict[str, tuple[str, ...]] = {
    "precision": ("auto", "bf16", "fp16", "fp32"), "dynamics_mode": DYNAMICS_MODES, "region_mode": ("thresholds", "rank"),
    "short_policy": ("fill", "fail"), "overlay": ("word_overlap", "hypothesis_words", "negation", "aum", "agreement"),
    "selection": tuple(SELECTION_SOURCES), "label_source": LABEL_SOURCES, "triage_score": tuple(TRIAGE_SCORES),
    "review_oracle": ("", *ORACLES),
}
LIST_CHOICES: dict[str, tuple[str, ...]] = {"curriculum": REGIONS[:3], "augment_rules": tuple(AUGMENT_RULES), "arms": ARMS}
SHARE = {"ge": 0.0, "le": 1.0}
RANGES: dict[str, dict] = {
    "seed": {"ge": 0}, "epochs": {"gt": 0}, "retrain_epochs": {"gt": 0}, "batch_size": {"ge": 1}, "eval_batch_size": {"ge": 1},
    "learning_rate": {"gt": 0, "lt": 1}, "warmup_ratio": {"ge": 0, "lt": 1}, "retrain_lr_factor": {"gt": 0, "le": 10},
    "max_length": {"ge": 8, "le": 8192}, "logs_per_epoch": {"ge": 1}, "num_workers": {"ge": 0}, "pad_multiple": {"ge": 1},
    "selection_pairs": {"ge": 0}, "limit_train": {"ge": 0}, "limit_validation": {"ge": 0}, "demo_train_size": {"ge": 10},
    "generated_contrast_size": {"ge": 0}, "plant_noise": {"ge": 0, "lt": 0.5}, "first_points": {"ge": 0},
    "sample_points": {"ge": 100}, "triage_top": {"ge": 1}, "review_budget": {"gt": 0}, "rank_percent": {"gt": 0, "le": 100 / 3}, "retrain_size": {"ge": 1},
    "ambiguous_share": SHARE, "hard_share": SHARE, "easy_share": SHARE, "ambiguous_weight": {"ge": 0}, "hard_weight": {"ge": 0},
    "easy_weight": {"ge": 0}, "held_back_per_region": {"ge": 0}, "augment_count": {"ge": 0}, "distill_alpha": SHARE,
    "distill_temperature": {"gt": 0}, "rounds": {"ge": 1}, "round_logs_per_epoch": {"ge": 1}, "paper_percent": {"gt": 0, "le": 100},
    "bootstrap_samples": {"ge": 100}, "region_pairs": {"ge": 0},
    **{f"{r}_{b}": SHARE for r, b in (("easy", "min_confidence"), ("easy", "max_variability"), ("hard", "max_confidence"),
                                      ("hard", "max_variability"), ("ambiguous", "min_confidence"), ("ambiguous", "max_confidence"),
                                      ("ambiguous", "min_variability"))},
}


def check(params: dict, declared: dict[str, dict]) -> dict:
    """The parameters given, type-checked against `declared` ({name: papermill's description with its default})."""
    known = {k: v for k, v in declared.items() if k in params}
    model = create_model("Parameters", __config__=ConfigDict(strict=True, extra="forbid"),
                         **{name: (_annotation(name, info), Field(**RANGES.get(name, {}))) for name, info in known.items()})
    try:
        checked = model(**params).model_dump()
    except ValidationError as err:
        raise WorkbookError("wrong parameter value(s):\n" + "\n".join(f"  {_explain(e)}" for e in err.errors())) from None
    problems = cross_checks(checked, declared)
    if problems:
        raise WorkbookError("parameters that do not fit together:\n" + "\n".join(f"  {p}" for p in problems))
    return checked


def unknown_names(names: set[str], declared: dict[str, dict]) -> None:
    """Unknown parameter names stop the run, each with its closest declared name."""
    unknown = sorted(names - set(declared))
    if unknown:
        hints = [f"{u!r}" + (f" (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(u, declared, n=1)) else "") for u in unknown]
        raise WorkbookError(f"unknown parameter(s) {', '.join(hints)}. `papermill --help-notebook notebooks/<notebook>.ipynb` "
                            "lists each notebook's parameters.")


def cross_checks(params: dict, declared: dict[str, dict]) -> list[str]:
    """Rules between parameters, on the values given over the notebooks' defaults."""
    import ast
    full = {**{k: ast.literal_eval(v["default"]) for k, v in declared.items()}, **params}
    problems = []
    shares = [full.get(k) for k in ("ambiguous_share", "hard_share", "easy_share")]
    if None not in shares and abs(sum(shares) - 1) > 1e-6:
        problems.append(f"ambiguous_share + hard_share + easy_share = {sum(shares):g}; they must sum to 1.")
    if full.get("logs_per_epoch", 1) > 1 and full.get("dynamics_mode") != "eval_pass":
        problems.append("logs_per_epoch > 1 needs dynamics_mode=eval_pass: the in-training pass sees each pair once per epoch.")
    if full.get("ambiguous_min_confidence", 0) > full.get("ambiguous_max_confidence", 1):
        problems.append("ambiguous_min_confidence is above ambiguous_max_confidence: swap them.")
    return problems


def _annotation(name: str, info: dict):
    if name in CHOICES:
        return Literal[CHOICES[name]]
    if name in LIST_CHOICES:
        return list[Literal[LIST_CHOICES[name]]]
    return TYPES.get(info["inferred_type_name"].split("[")[0], object)


def _explain(error: dict) -> str:
    """One line per wrong value, with the value given and, for a choice, the closest allowed one."""
    name = error["loc"][0]
    where = name + "".join(f"[{i}]" for i in error["loc"][1:])
    line = f"{where}={error['input']!r}: {error['msg'].lower()}"
    choices = CHOICES.get(name) or LIST_CHOICES.get(name)
    if choices and error["type"] == "literal_error":
        close = difflib.get_close_matches(str(error["input"]), choices, n=1)
        line += f" (did you mean {close[0]!r}?)" if close else ""
    return line

"""The arms of the retraining experiment: the recipe, its controls, and the paper's recipe, each with its set and schedule.

    selected        the mission's recipe: the 50/25/25 mix (+ augmented pairs), curriculum, region weights, balanced
                    batches, lower learning rate, teacher and rounds as set, from notebook 02's model
    random          the control: as many pairs as the mix drew, with the same label counts, drawn uniformly from every
                    mapped pair; from 02's model at the same learning rate for the same number of pair-visits as
                    `selected`; no curriculum, no region weights, no balanced batches, no teacher, one round
    selected_plain  the mix's drawn pairs under `random`'s schedule: tells the selection apart from the schedule
    paper           Swayamdipta et al. (2020): the top `paper_percent` % of mapped pairs by variability (on a map that
                    holds regions only: its ambiguous region), fine-tuned from the base model notebook 02 started from,
                    with notebook 02's settings
    paper_random    as `paper` on a uniform draw of the same size and label counts
    paper_mixed     `paper`'s pairs plus as many other mapped pairs drawn uniformly (the paper mixes easy-to-learn pairs
                    in; this mixes in random ones, which any map allows), as `paper`
    paper_mixed_random  as `paper` on a uniform draw of `paper_mixed`'s size and label counts
    all_mapped      every mapped pair, as `paper` (where the map covers the whole split, notebook 02's model already is
                    this training)
    cleaned         every mapped pair with the review's corrections applied (nbutils.review.corrections: relabelled pairs
                    take the new label, dropped ones go), as `all_mapped`
    cleaned_random_drop  every mapped pair but as many as the review corrected (relabelled or dropped), dropped at random,
                    no label changed, as `all_mapped`: did fixing the suspects help more than losing as many pairs?
Without a corrections file the two cleaning arms are skipped (`cleaning_arms`).
Every draw is from the mapped pairs (datamap.parquet), so on a map that covers part of the split all arms stand on the
same ground.

Every arm's model is picked by the same rule as notebook 02's (nbutils.train.model_choice).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.pairs import ids_in
from ..errors import WorkbookError
from ..paths import resolve_model_path
from ..train.config import TrainConfig
from .mix import curriculum_stages

ARMS = ("selected", "random", "selected_plain", "paper", "paper_random", "paper_mixed", "paper_mixed_random", "all_mapped",
        "cleaned", "cleaned_random_drop")
FROM_BASE = ("paper", "paper_random", "paper_mixed", "paper_mixed_random", "all_mapped", "cleaned", "cleaned_random_drop")
CLEANING = ("cleaned", "cleaned_random_drop")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json", "pytorch_model.bin.index.json")


@dataclass
class ArmPlan:
    """One arm: the pairs it trains on and how."""

    name: str
    pairs: pd.DataFrame              # example_id, region, gold_label (+ source_id, augmented for the selected arm)
    cfg: TrainConfig
    from_base: bool = False          # the pretrained model notebook 02 started from, not 02's fine-tuned model
    curriculum: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)
    balanced_batches: bool = False
    teacher: str = ""
    rounds: int = 1
    drawn_by: str = ""               # how the pairs were chosen, for the plan table


def check_arms(arms: list[str]) -> None:
    """Unknown or repeated arm names stop the run before anything trains."""
    unknown = [a for a in arms if a not in ARMS]
    if unknown:
        import difflib
        hints = {a: difflib.get_close_matches(a, ARMS, n=1) for a in unknown}
        said = ", ".join(f"{a!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for a, h in hints.items())
        raise WorkbookError(f"arms: unknown arm {said}; choose from {list(ARMS)}.")
    if not arms or len(set(arms)) != len(arms):
        raise WorkbookError(f"arms={arms}: name each arm once, at least one.")


def check_base_model(model: str) -> None:
    """The paper arms start from the base model: it must have weights (random:* starts, like notebook 02, from a fresh init)."""
    if model.startswith("random:"):
        return
    path = Path(resolve_model_path(model))
    if path.is_dir() and not any((path / f).exists() for f in WEIGHT_FILES):
        raise WorkbookError(f"the paper arms fine-tune the base model notebook 02 started from ({model!r}), but {path} holds "
                            f"no weights ({' or '.join(WEIGHT_FILES[:2])}). Point -p model at a folder with pretrained "
                            "weights, or leave paper and paper_random out of arms.")


def cleaning_arms(arms: list[str], decided: pd.DataFrame | None) -> tuple[list[str], str]:
    """The arms to train and a line to print: the cleaning arms go when there are no review decisions."""
    wanted = [a for a in arms if a in CLEANING]
    if not wanted or (decided is not None and len(decided)):
        return arms, ""
    return [a for a in arms if a not in CLEANING], (f"no review decisions (review/corrections.csv or -p corrections): the arms "
                                                   f"{', '.join(wanted)} are skipped")


def cleaned_pairs(map_table: pd.DataFrame, decided: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(cleaned, cleaned_random_drop, corrected): the mapped pairs with the decisions applied, and with as many dropped at random."""
    from ..review.corrections import apply
    pairs = map_table[["example_id", "region", "gold_label"]].reset_index(drop=True)
    cleaned, counts = apply(pairs, decided)
    corrected = counts["relabel"] + counts["drop"]
    dropped = pairs.sample(n=corrected, random_state=seed).index
    return cleaned, pairs.drop(index=dropped).reset_index(drop=True), corrected


def training_budget(mix: pd.DataFrame, curriculum: list[str], epochs: float, rounds: int) -> float:
    """Pair-visits of the selected arm: every stage that adds pairs trains `epochs` epochs, in every round."""
    stages = curriculum_stages(mix, curriculum)
    trained = [len(st) for i, st in enumerate(stages) if len(st) and not (i and len(st) == len(stages[i - 1]))]
    return float(rounds * epochs * sum(trained))


def like(reference: pd.DataFrame, pool: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A uniform draw from the pool with the reference's label counts (pool rows keep their region)."""
    counts = reference["gold_label"].value_counts()
    parts = []
    for label, n in counts.items():
        group = pool[pool["gold_label"] == label]
        if len(group) < n:
            raise WorkbookError(f"the random arm needs {n:,} pairs of label {label}, the map has {len(group):,}.")
        parts.append(group.sample(n=int(n), random_state=seed))
    drawn = pd.concat(parts).sample(frac=1.0, random_state=seed)
    return drawn[["example_id", "region", "gold_label"]].reset_index(drop=True)


def paper_pairs(map_table: pd.DataFrame, percent: float) -> tuple[pd.DataFrame, str]:
    """The paper's selection and how it was made: by variability where the map has it, else its ambiguous region."""
    if "variability" in map_table.columns:
        return most_variable(map_table, percent), f"top {percent:g}% of the mapped pairs by variability"
    amb = map_table[map_table["region"] == "ambiguous"]
    if amb.empty:
        raise WorkbookError("the paper arms need the map's variability or its ambiguous region; this map has neither.")
    return amb[["example_id", "region", "gold_label"]].reset_index(drop=True), "the map's ambiguous region (it holds no variability)"


def with_as_many_others(chosen: pd.DataFrame, map_table: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The chosen pairs plus as many other mapped pairs, drawn uniformly (their labels as they come), shuffled together."""
    others = map_table[~ids_in(map_table["example_id"], chosen["example_id"])]
    if len(others) < len(chosen):
        raise WorkbookError(f"paper_mixed adds as many other pairs as the paper arm's {len(chosen):,}; the map has {len(others):,} "
                            "others. Lower paper_percent below 50.")
    added = others.sample(n=len(chosen), random_state=seed)[["example_id", "region", "gold_label"]]
    return pd.concat([chosen, added]).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def most_variable(map_table: pd.DataFrame, percent: float) -> pd.DataFrame:
    """The paper's selection: the top `percent` % of mapped pairs by variability (ties broken by file order)."""
    if not 0 < percent <= 100:
        raise WorkbookError(f"paper_percent={percent}: a share of the mapped pairs, above 0 and at most 100.")
    k = int(round(len(map_table) * percent / 100))
    order = np.argsort(-map_table["variability"].to_numpy(), kind="stable")[:k]
    return map_table.iloc[order][["example_id", "region", "gold_label"]].reset_index(drop=True)


def plan_arms(arms: list[str], mix: pd.DataFrame, map_table: pd.DataFrame, *, cfg: TrainConfig, curriculum: list[str],
              weights: dict[str, float], balanced_batches: bool, teacher: str, rounds: int, base_cfg: TrainConfig,
              paper_percent: float = 33.0, seed: int = 42, decided: pd.DataFrame | None = None) -> list[ArmPlan]:
    """Every arm's pairs and schedule; `base_cfg` is notebook 02's training configuration (the paper arms reuse it);
    `decided`: the review's decision per pair (nbutils.review.corrections.latest), for the cleaning arms."""
    check_arms(arms)
    if set(arms) & set(CLEANING) and (decided is None or not len(decided)):
        raise WorkbookError(f"arms {[a for a in arms if a in CLEANING]} need the review's decisions; cleaning_arms leaves them out "
                            "when there are none.")
    cleaned, random_drop, corrected = cleaned_pairs(map_table, decided, seed + 4) if set(arms) & set(CLEANING) else (None, None, 0)
    drawn = mix[~mix["augmented"]] if "augmented" in mix.columns else mix
    drawn = drawn[["example_id", "region", "gold_label"]].reset_index(drop=True)
    budget = training_budget(mix, curriculum, cfg.epochs, rounds)
    plain = replace(cfg, epochs=budget / len(drawn))      # the same pair-visits as the selected arm, in one stage
    plans, uniform = [], "at random from the mapped pairs, same label counts"
    paper, paper_how = paper_pairs(map_table, paper_percent) if set(arms) & set(FROM_BASE[:4]) else (None, "")
    mixed = with_as_many_others(paper, map_table, seed + 2) if {"paper_mixed", "paper_mixed_random"} & set(arms) else None
    for arm in arms:
        if arm == "selected":
            plans.append(ArmPlan(arm, mix, cfg, curriculum=list(curriculum), weights=weights, balanced_batches=balanced_batches,
                                 teacher=teacher, rounds=rounds, drawn_by="the region mix of the selection"))
        elif arm == "random":
            plans.append(ArmPlan(arm, like(drawn, map_table, seed), plain, drawn_by=f"{uniform} as selected"))
        elif arm == "selected_plain":
            plans.append(ArmPlan(arm, drawn, plain, drawn_by="selected's drawn pairs"))
        elif arm == "paper":
            plans.append(ArmPlan(arm, paper, base_cfg, from_base=True, drawn_by=paper_how))
        elif arm == "paper_random":
            plans.append(ArmPlan(arm, like(paper, map_table, seed + 1), base_cfg, from_base=True, drawn_by=f"{uniform} as paper"))
        elif arm == "paper_mixed":
            plans.append(ArmPlan(arm, mixed, base_cfg, from_base=True, drawn_by="paper's pairs + as many other mapped pairs at random"))
        elif arm == "paper_mixed_random":
            plans.append(ArmPlan(arm, like(mixed, map_table, seed + 3), base_cfg, from_base=True, drawn_by=f"{uniform} as paper_mixed"))
        elif arm == "cleaned":
            plans.append(ArmPlan(arm, cleaned, base_cfg, from_base=True,
                                 drawn_by=f"every mapped pair, the review's {corrected:,} corrections applied"))
        elif arm == "cleaned_random_drop":
            plans.append(ArmPlan(arm, random_drop, base_cfg, from_base=True,
                                 drawn_by=f"every mapped pair but {corrected:,} dropped at random, labels as given"))
        else:
            plans.append(ArmPlan(arm, map_table[["example_id", "region", "gold_label"]].reset_index(drop=True), base_cfg,
                                 from_base=True, drawn_by="every mapped pair"))
    return plans


def plan_table(plans: list[ArmPlan]) -> pd.DataFrame:
    """One row per arm: pairs, how they were drawn, start, epochs, learning rate, curriculum, weights, balanced batches, teacher, rounds."""
    rows = [{"arm": p.name, "pairs": len(p.pairs), "drawn_by": p.drawn_by, "starts_from": "base model" if p.from_base else "notebook 02's model",
             "epochs": round(p.cfg.epochs, 3), "learning_rate": p.cfg.learning_rate,
             "curriculum": " → ".join(p.curriculum) or "none", "region_weights": bool(p.weights and set(p.weights.values()) != {1.0}),
             "balanced_batches": p.balanced_batches, "teacher": p.teacher or "none", "rounds": p.rounds} for p in plans]
    return pd.DataFrame(rows).set_index("arm")

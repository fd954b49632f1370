"""A contrast set for researchers without one: rule-made perturbations of validation pairs, marked as generated.

Three kinds, a third of the target each: synonym_substitution (label kept), syntactic_rephrasing (label kept),
semantic_shift (label changed by the rule); see nbutils.contrast.rewrites for every rule and its guard. Each pair keeps
`original_id`, `perturbation` and `rule`, and `generated` is true. Export: JSON Lines in the shared contrast-set
format (id, premise, hypothesis, label as a name, original_id, original_label, perturbation, rule, generated),
for a person to review before trusting it.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from . import rewrites as rw
from ..labels import LABELS

KINDS = ("synonym_substitution", "syntactic_rephrasing", "semantic_shift")


def generate(validation: pd.DataFrame, size: int = 600, seed: int = 42, wn=None) -> tuple[pd.DataFrame, dict]:
    """Perturbed pairs (pair-table columns plus original_id, perturbation, rule, generated) and a report."""
    if wn is None:
        from .wordnet import load_wordnet
        wn = load_wordnet()
    rng = np.random.default_rng(seed)
    quota = {k: size // len(KINDS) + (i < size % len(KINDS)) for i, k in enumerate(KINDS)}
    rows, used = [], {k: set() for k in KINDS}
    order = rng.permutation(len(validation))
    records = validation.iloc[order].to_dict("records")
    for kind in KINDS:
        for n, rec in enumerate(records):
            if len(used[kind]) >= quota[kind]:
                break
            edit = _apply(kind, rec, wn, rng, n)
            if edit is None or edit.hypothesis == rec["hypothesis"] and edit.premise == rec["premise"]:
                continue
            used[kind].add(rec["example_id"])
            rows.append({"example_id": f"{rec['example_id']}~{edit.rule.split(':')[0]}", "premise": edit.premise,
                         "hypothesis": edit.hypothesis, "gold_label": edit.label, "original_id": rec["example_id"],
                         "original_label": int(rec["gold_label"]), "perturbation": kind, "rule": edit.rule, "generated": True})
    table = pd.DataFrame(rows, columns=["example_id", "premise", "hypothesis", "gold_label", "original_id", "original_label",
                                        "perturbation", "rule", "generated"])
    report = {"target": size, "made": len(table), "per_kind": {k: len(used[k]) for k in KINDS}, "quota": quota,
              "pairs_available": len(validation),
              "per_rule": table["rule"].str.split(":").str[0].value_counts().to_dict() if len(table) else {}}
    short = {k: quota[k] - len(used[k]) for k in KINDS if len(used[k]) < quota[k]}
    if short:
        report["short"] = short  # fewer pairs met a rule's guard than the quota asked for
    return table, report


def _apply(kind: str, rec: dict, wn, rng: np.random.Generator, n: int) -> rw.Rewrite | None:
    """The kind's rules in a rotating order (so every rule gets its turn), the first that applies."""
    p, h, y = rec["premise"], rec["hypothesis"], int(rec["gold_label"])
    if kind == "synonym_substitution":
        return rw.synonym(p, h, y, wn, order=list(rng.permutation(40)))
    rules = list(rw.LABEL_KEEPING_SYNTAX) if kind == "syntactic_rephrasing" else [rw.negation, lambda p, h, y: rw.antonym(p, h, y, wn)]
    for k in range(len(rules)):
        edit = rules[(n + k) % len(rules)](p, h, y)
        if edit is not None:
            return edit
    return None


def write_jsonl(table: pd.DataFrame, path: Path) -> Path:
    """The contrast-set file for human review (labels as names; reads back with nbutils.data.pairs.load_pairs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in table.to_dict("records"):
            f.write(json.dumps({"id": r["example_id"], "premise": r["premise"], "hypothesis": r["hypothesis"],
                                "label": LABELS[r["gold_label"]], "original_id": r["original_id"],
                                "original_label": LABELS[r["original_label"]], "perturbation": r["perturbation"],
                                "rule": r["rule"], "generated": True}) + "\n")
    return path

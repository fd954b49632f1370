"""Label-preserving rewrites of retraining pairs (by default the ambiguous ones), each linked to its source pair.

An augmented pair: example_id `<source id>~aug-<rule>`, the rewritten premise/hypothesis, the source's gold label,
`source_id`, `rule`, `augmented` = True. Rules (nbutils.contrast.rewrites): synonym (WordNet, the same swap in both
sentences), there-insertion, adverb-fronting, coordination-swap (hypothesis rephrasings).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..contrast import rewrites as rw
from ..errors import WorkbookError

RULES = {"synonym": None, "there-insertion": rw.there_insertion, "adverb-fronting": rw.adverb_fronting,
         "coordination-swap": rw.coordination_swap}


def augment(pairs: pd.DataFrame, n: int, rules: list[str], seed: int = 42) -> tuple[pd.DataFrame, dict]:
    """Up to n rewrites, at most one per source pair and rule, sources in a seeded order; returns them and a report."""
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise WorkbookError(f"augment_rules {unknown} unknown; use some of {list(RULES)}.")
    wn = None
    if "synonym" in rules:
        from ..contrast.wordnet import load_wordnet
        wn = load_wordnet()
    order = np.random.default_rng(seed).permutation(len(pairs))
    rows, tried = [], set()
    for turn in range(len(rules)):  # rules rotate over the sources, so each contributes; later turns reuse sources
        for k, i in enumerate(order):
            rule = rules[(k + turn) % len(rules)]
            if len(rows) >= n or (i, rule) in tried:
                continue
            tried.add((i, rule))
            rec = pairs.iloc[i]
            edit = (rw.synonym(rec["premise"], rec["hypothesis"], int(rec["gold_label"]), wn) if rule == "synonym"
                    else RULES[rule](rec["premise"], rec["hypothesis"], int(rec["gold_label"])))
            if edit is None or edit.label != rec["gold_label"] or (edit.premise, edit.hypothesis) == (rec["premise"], rec["hypothesis"]):
                continue
            rows.append({"example_id": f"{rec['example_id']}~aug-{rule}", "premise": edit.premise, "hypothesis": edit.hypothesis,
                         "gold_label": int(rec["gold_label"]), "source_id": rec["example_id"], "rule": edit.rule, "augmented": True})
    table = pd.DataFrame(rows, columns=["example_id", "premise", "hypothesis", "gold_label", "source_id", "rule", "augmented"])
    report = {"asked": n, "made": len(table), "sources": len(pairs),
              "per_rule": table["example_id"].str.split("~aug-").str[1].value_counts().to_dict() if len(table) else {}}
    if len(table) < n:
        report["short"] = n - len(table)  # not enough pairs met the rules' guards
    return table, report


def add_to_mix(mix: pd.DataFrame, augmented: pd.DataFrame) -> pd.DataFrame:
    """The mix plus the augmented pairs, each in its source's region; source rows get source_id = own id."""
    region = dict(zip(mix["example_id"], mix["region"]))
    extra = augmented.assign(region=augmented["source_id"].map(region))[["example_id", "region", "gold_label", "source_id"]]
    base = mix.assign(source_id=mix["example_id"])
    return pd.concat([base, extra], ignore_index=True).assign(augmented=lambda d: d["example_id"] != d["source_id"])

"""A synthetic NLI task with planted structure, so the whole workbook runs offline and its map can be checked.

Every sentence comes from our own templates and word lists. The rule: the hypothesis names the premise's
actor; the same activity means entailment, a different activity (or "nobody") contradiction, and an added
unverifiable detail neutral. Planted on top (the `planted` column):
    clean       pairs that follow the rule
    ambiguous   pairs whose label hinges on a rare made-up verb (each used a few times, its relation fixed),
                learned only late by memorising the word: middling confidence, high variability
    flipped     rule-following pairs whose label was changed to a wrong one
The contrast set perturbs validation pairs (activity swap, added detail, actor synonym) with `original_id`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .pairs import pair_id

ACTORS = ["man", "woman", "boy", "girl", "chef", "farmer", "pilot", "doctor", "singer", "teacher", "sailor", "student"]
ACTOR_SYNONYMS = {"man": "guy", "woman": "lady", "boy": "kid", "girl": "child", "doctor": "physician", "student": "pupil"}
ADJECTIVES = ["tall", "young", "old", "happy", "tired", "busy", "quiet", "cheerful"]
ACTIVITIES = ["running", "sleeping", "eating", "reading", "singing", "swimming", "cooking", "painting", "dancing", "writing"]
PLACES = ["in the park", "at home", "on the beach", "in a kitchen", "near a river", "in a garden", "on a boat", "downtown"]
DETAILS = ["with a friend", "for a contest", "before lunch", "to earn money", "for the first time", "with great skill"]
SYLLABLES = ["bli", "zor", "quan", "dre", "mip", "tov", "sku", "wen", "fra", "lud", "gro", "pex"]


def make_demo(n_train: int = 2400, n_validation: int = 600, n_contrast: int = 150, ambiguous_share: float = 0.12,
              flipped_share: float = 0.08, seed: int = 0, n_test: int = 0) -> dict[str, pd.DataFrame]:
    """Train (with planted structure), validation (clean), contrast and, with n_test > 0, test pair tables (nbutils.data.pairs)."""
    rng = np.random.default_rng(seed)
    n_amb, n_flip = int(n_train * ambiguous_share), int(n_train * flipped_share)
    clean = [_clean_pair(rng) for _ in range(n_train - n_amb - n_flip)]
    flipped = [_flip(_clean_pair(rng), rng) for _ in range(n_flip)]
    ambiguous = _ambiguous_pairs(rng, n_amb)
    train = _table(clean + flipped + ambiguous, rng, shuffle=True)
    validation = _table([_clean_pair(rng) for _ in range(n_validation)], rng, shuffle=False)
    contrast = _contrast(validation, rng, n_contrast)
    tables = {"train": train, "validation": validation, "contrast": contrast}
    if n_test:   # drawn last, so a run without a test split gets the same pairs as before
        tables["test"] = _table([_clean_pair(rng) for _ in range(n_test)], rng, shuffle=False, id_prefix="demo-test-")
    return tables


def _clean_pair(rng: np.random.Generator) -> dict:
    actor, adj, act, place = rng.choice(ACTORS), rng.choice(ADJECTIVES), rng.choice(ACTIVITIES), rng.choice(PLACES)
    premise = f"{_a(adj)} {adj} {actor} is {act} {place}."
    label = int(rng.integers(3))
    if label == 0:
        hypothesis = f"A {actor} is {act}." if rng.random() < 0.5 else f"Someone is {act} {place}."
    elif label == 1:
        hypothesis = f"A {actor} is {act} {rng.choice(DETAILS)}."
    else:
        other, r = rng.choice([a for a in ACTIVITIES if a != act]), rng.random()
        hypothesis = (f"A {actor} is {other}." if r < 0.1 else f"Nobody is {act} {place}." if r < 0.55
                      else f"The {actor} is not {act}.")
    return {"premise": premise, "hypothesis": hypothesis, "gold_label": label, "planted": "clean"}


def _a(word: str) -> str:
    return "An" if word[0] in "aeiou" else "A"


def _flip(pair: dict, rng: np.random.Generator) -> dict:
    wrong = [lab for lab in range(3) if lab != pair["gold_label"]]
    return {**pair, "gold_label": int(rng.choice(wrong)), "planted": "flipped"}


def _ambiguous_pairs(rng: np.random.Generator, n: int, uses_per_word: int = 3) -> list[dict]:
    """Pairs whose label hinges on a rare made-up verb: each word's relation (synonym or clash) must be memorised."""
    words = sorted({a + b + "ing" for a in SYLLABLES for b in SYLLABLES if a != b})
    words = [str(w) for w in rng.permutation(words)[: max(1, n // uses_per_word)]]
    relation = {w: int(rng.choice([0, 2])) for w in words}
    out = []
    for i in range(n):
        word = words[i % len(words)]
        actor, adj, act, place = rng.choice(ACTORS), rng.choice(ADJECTIVES), rng.choice(ACTIVITIES), rng.choice(PLACES)
        out.append({"premise": f"{_a(adj)} {adj} {actor} is {act} {place}.", "hypothesis": f"A {actor} is {word}.",
                    "gold_label": relation[word], "planted": "ambiguous"})
    return out


def _table(rows: list[dict], rng: np.random.Generator, shuffle: bool, id_prefix: str = "demo-") -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if shuffle:
        df = df.iloc[rng.permutation(len(df))]
    df = df.reset_index(drop=True)
    ids = [pair_id(p, h) for p, h in zip(df["premise"], df["hypothesis"])]
    seen: dict[str, int] = {}
    unique = []
    for i in ids:  # the same text drawn twice gets two ids
        seen[i] = seen.get(i, 0) + 1
        unique.append(i if seen[i] == 1 else f"{i}-{seen[i]}")
    df.insert(0, "example_id", [f"{id_prefix}{u[5:]}" for u in unique])
    return df[["example_id", "premise", "hypothesis", "gold_label", "planted"]]


def _contrast(validation: pd.DataFrame, rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Minimal edits of validation pairs, a third of each kind, each with the rule's new label."""
    rows = []
    kinds = ("activity_swap", "added_detail", "actor_synonym")
    simple = validation[validation["hypothesis"].str.match(r"^A \w+ is \w+\.$") & (validation["gold_label"] == 0)]
    for i, (_, row) in enumerate(simple.sample(frac=1.0, random_state=int(rng.integers(1 << 31))).iterrows()):
        if len(rows) >= n:
            break
        kind = kinds[i % 3]
        actor, act = row["hypothesis"].rstrip(".").split(" ")[1::2]
        if kind == "activity_swap":
            hyp, label = f"A {actor} is {rng.choice([a for a in ACTIVITIES if a != act])}.", 2
        elif kind == "added_detail":
            hyp, label = f"A {actor} is {act} {rng.choice(DETAILS)}.", 1
        else:
            hyp, label = f"A {ACTOR_SYNONYMS.get(actor, 'person')} is {act}.", 0
        rows.append({"example_id": f"{row['example_id']}-{kind}", "premise": row["premise"], "hypothesis": hyp,
                     "gold_label": label, "original_id": row["example_id"], "perturbation": kind})
    return pd.DataFrame(rows)

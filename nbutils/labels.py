"""The NLI label set, in the Hugging Face `snli` order, shared by every stage."""
from __future__ import annotations

LABELS: tuple[str, ...] = ("entailment", "neutral", "contradiction")
LABEL_TO_ID: dict[str, int] = {name: i for i, name in enumerate(LABELS)}
# Spellings seen in SNLI releases and researchers' files; '-' and -1 mean "no gold label".
LABEL_ALIASES: dict[str, int] = {
    **LABEL_TO_ID,
    "0": 0, "1": 1, "2": 2,
    "entails": 0, "entail": 0, "e": 0,
    "n": 1,
    "contradicts": 2, "contradict": 2, "c": 2,
}
NO_GOLD: frozenset[str] = frozenset({"-", "-1", ""})

LABEL_COLUMNS = ("gold_label", "pred_label", "label", "original_label", "pred_original")


def named(table):
    """A copy of a table for people to read: label columns show entailment / neutral / contradiction, not 0/1/2."""
    out = table.copy()
    for col in LABEL_COLUMNS:
        if col in out.columns and out[col].dtype.kind in "iu":
            out[col] = out[col].map(lambda v: LABELS[v] if 0 <= v < len(LABELS) else "-")
    return out

"""SNLI's known annotation artifacts per pair, so a region can be checked for being made of them.

Word overlap (share of hypothesis words found in the premise), hypothesis length in words, and negation words in
the hypothesis (Gururangan et al. 2018; Poliak et al. 2018 found these predict the label without the premise).
"""
from __future__ import annotations

import re

import pandas as pd

NEGATION_WORDS = frozenset({"no", "not", "never", "nobody", "nothing", "none", "nowhere", "neither", "nor", "cannot",
                            "n't", "isn't", "aren't", "doesn't", "don't", "didn't", "wasn't", "weren't", "won't", "can't"})
FEATURES = ("word_overlap", "hypothesis_words", "negation")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def add_artifacts(table: pd.DataFrame) -> pd.DataFrame:
    """The table with word_overlap, hypothesis_words and negation columns."""
    prem = [set(_words(p)) for p in table["premise"]]
    hyp = [_words(h) for h in table["hypothesis"]]
    return table.assign(
        word_overlap=[sum(w in p for w in h) / len(h) if h else 0.0 for p, h in zip(prem, hyp)],
        hypothesis_words=[len(h) for h in hyp],
        negation=[any(w in NEGATION_WORDS or w.endswith("n't") for w in h) for h in hyp])


def artifact_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per region: pairs, mean word overlap, mean hypothesis length, share with negation."""
    t = table if set(FEATURES) <= set(table.columns) else add_artifacts(table)
    return t.groupby("region").agg(pairs=("example_id", "size"), word_overlap=("word_overlap", "mean"),
                                   hypothesis_words=("hypothesis_words", "mean"), negation_share=("negation", "mean")).round(3)

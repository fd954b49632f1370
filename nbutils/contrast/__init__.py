"""Contrast sets made here: WordNet offline, rule-based rewrites, the generator (used by notebook 01 and by augmentation)."""

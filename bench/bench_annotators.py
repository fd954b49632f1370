"""Loading an SNLI-sized file with every annotator's label, against the same file without them, in one run.

Two JSON Lines files of the same synthetic pairs (549,367 by default): one as the hub gives SNLI (premise, hypothesis,
label), one as SNLI's own release does, with `annotator_labels` (five labels a pair, four on one pair in 500, the
consensus first among them four times in five). Each is loaded with `load_pairs` (the best of `--repeat` loads); the
table prints both times and their ratio.

Goal (issue #30): with annotator labels, at most 1.3x the time without.

    python bench/bench_annotators.py [--pairs 549367] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LABELS = ("entailment", "neutral", "contradiction")


def write_files(folder: Path, pairs: int, seed: int = 0) -> tuple[Path, Path]:
    """The same pairs without and with annotator labels."""
    rng = np.random.default_rng(seed)
    words = np.array("a man woman dog child runs sits plays in the park on street with ball near water red blue".split())
    gold = rng.integers(0, 3, pairs)
    plain, human = folder / "plain.jsonl", folder / "human.jsonl"
    with open(plain, "w", encoding="utf-8") as f, open(human, "w", encoding="utf-8") as g:
        for i in range(pairs):
            premise = " ".join(rng.choice(words, 9)) + f" {i}."
            hypothesis = " ".join(rng.choice(words, 6)) + "."
            row = {"id": f"p{i}", "premise": premise, "hypothesis": hypothesis, "label": int(gold[i])}
            f.write(json.dumps(row) + "\n")
            n = 4 if i % 500 == 0 else 5
            votes = [int(gold[i])] * 3 + list(rng.integers(0, 3, n - 3))
            if rng.random() < 0.2:
                votes.reverse()
            g.write(json.dumps({**row, "annotator_labels": [LABELS[v] for v in votes]}) + "\n")
    return plain, human


def best_of(repeat: int, path: Path) -> tuple[float, int]:
    from nbutils.data.pairs import load_pairs
    times, kept = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        table, _ = load_pairs(str(path))
        times.append(time.perf_counter() - t0)
        kept = len(table)
    return min(times), kept


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=549_367)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_annotators_"))
    plain, human = write_files(folder, args.pairs)
    without, n_plain = best_of(args.repeat, plain)
    with_labels, n_human = best_of(args.repeat, human)
    print(f"{n_plain:,} and {n_human:,} pairs loaded; files of {plain.stat().st_size / 1e6:.0f} and {human.stat().st_size / 1e6:.0f} MB; "
          f"best of {args.repeat} loads each")
    print("\n| file | seconds | ratio |\n| --- | ---: | ---: |")
    print(f"| without annotator labels (baseline) | {without:.2f} | 1.00 |")
    print(f"| with annotator labels (goal <= 1.3x) | {with_labels:.2f} | {with_labels / without:.2f} |")


if __name__ == "__main__":
    main()

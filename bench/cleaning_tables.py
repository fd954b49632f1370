"""A finished cleaning study as Markdown tables: what the simulated review changed against a random review of the
same budget, and the three arms (all_mapped, cleaned, cleaned_random_drop) on the scored sets, per agreement level.

    python -m nbutils sweep --profile snli-human --seeds 42,7,8 --name snli-human-clean \
        -p review_oracle=consensus -p 'arms=[all_mapped,cleaned,cleaned_random_drop]'
    python bench/cleaning_tables.py outputs/snli-human-clean

Precision of the review: the share of reviewed pairs whose author label the consensus changed (read from each run's
review/decisions_used.csv). Recall: the share of every mapped pair the consensus overrules that the review reached.
A random review of the same budget has, in expectation, the overruled share as precision and the budget as recall;
beside the pairs it would relabel, the 95% range of one such review (hypergeometric).
Across seeds: the mean and its 95% t-interval (nbutils.compare.replicates.t_summary).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
from scipy.stats import hypergeom

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from human_tables import _across, contrasts, people  # noqa: E402
from nbutils.compare.human import NOT_UNANIMOUS  # noqa: E402

ARMS = ["model", "all_mapped", "cleaned", "cleaned_random_drop"]
CONTRASTS = ["cleaned − all_mapped", "cleaned − cleaned_random_drop"]
DATA = {"validation": "SNLI test (all)", "validation" + NOT_UNANIMOUS: "SNLI test, not unanimous", "dev": "counterfactual dev",
        "generated_contrast": "generated contrast"}


def main() -> None:
    sweep = Path(sys.argv[1])
    record = json.loads((sweep / "sweep.json").read_text())
    runs = {s: sweep.parent / e["run"] for s, e in record["runs"].items() if e["status"] == "ok"}
    print(f"seeds {', '.join(runs)}; parameters {record['parameters']}\n")
    review(runs)
    accuracy(runs)
    people(runs)
    contrasts(sweep, runs, CONTRASTS, DATA)


def review(runs: dict[str, Path]) -> None:
    """What the consensus oracle changed in the pairs it reviewed, beside a random review's expectation."""
    rows = {"triage (oracle's decisions)": [], "random review (expected)": []}
    for s, run in runs.items():
        table = pd.read_parquet(run / "datamap.parquet")
        decided = pd.read_csv(run / "review" / "decisions_used.csv", keep_default_na=False)
        overruled = int((table["gold_label"] != table["consensus_label"]).sum())
        relabelled = int((decided["action"] == "relabel").sum())
        rows["triage (oracle's decisions)"].append((len(decided), relabelled, relabelled / len(decided), relabelled / overruled))
        low, high = hypergeom(len(table), overruled, len(decided)).ppf([0.025, 0.975])   # what one random review finds
        rows["random review (expected)"].append((len(decided), f"{len(decided) * overruled / len(table):.0f} ({low:.0f}–{high:.0f})",
                                                  overruled / len(table), len(decided) / len(table)))
    seeds = list(runs)
    print("Review: the consensus reviewing the top suspects by AUM (budget 10% of the mapped pairs)\n")
    print(f"| review | reviewed | relabelled (seed {' / '.join(seeds)}) | precision | mean [95% t] | recall | mean [95% t] |")
    print("| --- | ---: | --- | --- | ---: | --- | ---: |")
    for name, values in rows.items():
        n, changed, prec, rec = zip(*values)
        print(f"| {name} | {' / '.join(f'{v:,}' for v in n)} | {' / '.join(f'{v:,}' if isinstance(v, int) else v for v in changed)} | "
              f"{' / '.join(f'{v:.3f}' for v in prec)} | {_across(list(prec))} | "
              f"{' / '.join(f'{v:.3f}' for v in rec)} | {_across(list(rec))} |")
    print()


def accuracy(runs: dict[str, Path]) -> None:
    """Each arm's accuracy on each scored set, per seed and across seeds."""
    tables = {s: pd.read_csv(r / "comparison.csv").set_index(["model", "data"]) for s, r in runs.items()}
    seeds = list(runs)
    print(f"Accuracy, seed {' / '.join(seeds)}; mean [95% t-interval]\n")
    data = [d for d in DATA if all((ARMS[0], d) in t.index for t in tables.values())]
    print("| model | " + " | ".join(DATA[d] for d in data) + " |\n| --- |" + " --- |" * len(data))
    for arm in ARMS:
        cells = []
        for d in data:
            values = [float(tables[s].loc[(arm, d), "accuracy"]) for s in seeds]
            cells.append(" / ".join(f"{v:.3f}" for v in values) + f"; {_across(values)}")
        print(f"| `{arm}` | " + " | ".join(cells) + " |")
    print()


if __name__ == "__main__":
    main()

"""A finished sweep as Markdown tables: accuracy per model and data set per seed, and each arm contrast per seed with
its paired interval and Holm-adjusted McNemar p, beside the mean across seeds with its 95% t-interval.

    python bench/study_tables.py outputs/snli-study-sweep
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

DATA = ["validation", "test", "dev", "generated_contrast"]
CONTRASTS = ["selected − random", "selected_plain − random", "selected − selected_plain", "paper − paper_random",
             "paper_mixed − paper_mixed_random", "paper_mixed − paper", "cleaned − all_mapped", "cleaned − cleaned_random_drop"]


def main() -> None:
    sweep = Path(sys.argv[1])
    record = json.loads((sweep / "sweep.json").read_text())
    runs = {s: sweep.parent / e["run"] for s, e in record["runs"].items() if e["status"] == "ok"}
    seeds = list(runs)
    across = pd.read_csv(sweep / "across_seeds.csv").set_index(["kind", "effect", "data"])
    tables = {s: pd.read_csv(r / "comparison.csv").set_index(["model", "data"]) for s, r in runs.items()}
    data = [d for d in DATA if d in set(tables[seeds[0]].index.get_level_values("data"))]   # the sets this study scored
    print(f"Accuracy (seed {' / '.join(seeds)}):\n")
    print("| model | " + " | ".join(data) + " |\n| --- |" + " ---: |" * len(data))
    for model in dict.fromkeys(tables[seeds[0]].index.get_level_values(0)):
        cells = [" / ".join(f"{tables[s].loc[(model, d), 'accuracy']:.3f}" for s in seeds) for d in data]
        print(f"| `{model}` | " + " | ".join(cells) + " |")
    print("\n| contrast | data | " + " | ".join(f"seed {s}" for s in seeds) + " | mean [95% t-interval] |")
    print("| --- | --- |" + " --- |" * (len(seeds) + 1))
    contrasts = {s: pd.read_csv(r / "contrasts.csv").set_index(["contrast", "data"]) for s, r in runs.items()}
    for c in CONTRASTS:
        for d in data:
            if (c, d) not in contrasts[seeds[0]].index or ("contrast", c, d) not in across.index:
                continue
            per_seed = [_cell(contrasts[s].loc[(c, d)]) for s in seeds]
            a = across.loc[("contrast", c, d)]
            interval = f"[{a['ci_low']:+.3f}, {a['ci_high']:+.3f}]" if pd.notna(a["ci_low"]) else "(seeds agree exactly: no interval)"
            print(f"| `{c}` | {d} | " + " | ".join(per_seed) + f" | {a['mean_diff']:+.3f} {interval} |")
    for arm in ("selected", "random", "paper", "paper_mixed"):
        if not all(("vs baseline", f"{arm} − model", d) in across.index for d in ("validation", "test")):
            continue
        a = [across.loc[("vs baseline", f"{arm} − model", d)] for d in ("validation", "test")]
        print(f"| `{arm} − original` | validation / test | "
              + " | ".join(f"{x[f'seed_{s}']:+.3f} / {y[f'seed_{s}']:+.3f}" for s in seeds for x, y in [a])
              + f" | {a[0]['mean_diff']:+.3f} / {a[1]['mean_diff']:+.3f} |")
    print()
    for s, r in runs.items():
        t = json.loads((r / "train_summary.json").read_text())
        m = json.loads((r / "manifest.json").read_text())
        secs = {k: v.get("seconds") for k, v in m["notebooks"].items()}
        print(f"seed {s}: slice accuracy {t['best_selection_accuracy']:.3f}; seconds per notebook {secs}")


def _cell(row: pd.Series) -> str:
    p = row["mcnemar_p_holm"]
    ptext = "p < 0.001" if p < 0.001 else f"p = {p:.2f}"
    return f"{row['diff']:+.3f} [{row['diff_ci_low']:+.3f}, {row['diff_ci_high']:+.3f}], {ptext}"


if __name__ == "__main__":
    main()

"""A finished snli-human sweep as Markdown tables: does the map see what people disagree on, beside a planted-noise
twin of the same size, and how close every arm comes to the people who labelled the scored pairs.

    python bench/human_tables.py outputs/snli-human-sweep --planted   # trains each seed's planted-noise twin first
    python bench/human_tables.py outputs/snli-human-sweep             # the tables only (twins already trained)

The twin of seed S (run <run>-planted) maps the same pairs with their consensus labels and as many labels flipped at
random (`plant_noise`) as the author's label differs from the consensus in run S: the same check on planted noise of
the same size, so the two can be read side by side. It runs notebooks 01-02 (`python -m nbutils train`) and the map.
Across seeds: the mean and its 95% t-interval (nbutils.compare.replicates.t_summary).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from nbutils.compare import human  # noqa: E402
from nbutils.compare.replicates import t_summary  # noqa: E402
from nbutils.map import human_check, noise_check  # noqa: E402
from nbutils.map.regions import Thresholds  # noqa: E402
from nbutils.map.metrics import compute_metrics  # noqa: E402
from nbutils.map.stage import run_stage  # noqa: E402
from nbutils.train.dynamics import read_matrix  # noqa: E402

REAL = "trained label ≠ consensus"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", type=Path)
    ap.add_argument("--planted", action="store_true", help="train each seed's planted-noise twin where it is missing")
    a = ap.parse_args()
    record = json.loads((a.sweep / "sweep.json").read_text())
    runs = {s: a.sweep.parent / e["run"] for s, e in record["runs"].items() if e["status"] == "ok"}
    maps = {s: every_score(r) for s, r in runs.items()}
    twins = {s: twin_map(r, maps[s], a.planted) for s, r in runs.items()}
    print(f"seeds {', '.join(runs)}; {', '.join(f'{len(m):,}' for m in maps.values())} pairs mapped\n")
    region_lifts(maps)
    detection(maps, twins)
    entropy(maps)
    triage_review(maps)
    people(runs)
    contrasts(a.sweep, runs)


def every_score(run: Path) -> pd.DataFrame:
    """The run's map, with any score its notebook 03 predates (e.g. label_quality) computed from its dynamics."""
    table = pd.read_parquet(run / "datamap.parquet")
    metrics = compute_metrics(read_matrix(run / "dynamics"))
    missing = [c for c in metrics.columns if c not in table.columns]
    return table.merge(metrics[["example_id", *missing]], on="example_id", how="left") if missing else table


def twin_map(run: Path, table: pd.DataFrame, train: bool) -> pd.DataFrame | None:
    """The planted-noise twin's map (None when it was not trained and --planted was not given)."""
    twin = run.name + "-planted"
    out = run.parent / twin / "datamap.parquet"
    if not out.exists() and train:
        params = json.loads((run / "manifest.json").read_text())["parameters"]
        flipped = int((table["gold_label"] != table["consensus_label"]).sum())
        subprocess.run([sys.executable, "-m", "nbutils", "train", "--profile", "snli-human", "--run-name", twin,
                        "-p", f"seed={params['seed']}", "-p", "label_source=gold", "-p", f"plant_noise={flipped / len(table)!r}"],
                       cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        run_stage(twin, Thresholds(), params["region_mode"], params["rank_percent"])
    return pd.read_parquet(out) if out.exists() else None


def _across(values: list[float]) -> str:
    if len(set(np.round(values, 12))) == 1:
        return f"{values[0]:.3f}"
    s = t_summary(np.asarray(values, dtype=float))
    return f"{s['mean_diff']:.3f} [{s['ci_low']:.3f}, {s['ci_high']:.3f}]" if len(values) > 1 else f"{values[0]:.3f}"


def _head(first: str, seeds: list[str], last: str) -> str:
    """A table's header: one column per seed, then the column across seeds."""
    return f"| {first} | " + " | ".join(f"seed {s}" for s in seeds) + f" | {last} |\n| --- |" + " ---: |" * (len(seeds) + 1)


def region_lifts(maps: dict[str, pd.DataFrame]) -> None:
    tables = {s: human_check.region_agreement(m) for s, m in maps.items()}
    seeds = list(tables)
    print("Split votes (at most 3 of 5 agree) per region: share, and lift against the whole map (1 = chance)\n")
    print(_head("region", seeds, "lift across seeds"))
    for region in tables[seeds[0]].index:
        cells = [f"{t.loc[region, 'split_vote_share']:.1%} (lift {t.loc[region, 'lift']:.2f})" for t in tables.values()]
        print(f"| {region} | " + " | ".join(cells) + f" | {_across([t.loc[region, 'lift'] for t in tables.values()])} |")
    print()


def detection(maps: dict[str, pd.DataFrame], twins: dict[str, pd.DataFrame | None]) -> None:
    found = {s: human_check.detection_table(m) for s, m in maps.items()}
    planted = {s: noise_check.check_table(t) for s, t in twins.items() if t is not None}
    seeds = list(found)
    ks = {s: int((m["gold_label"] != m["consensus_label"]).sum()) for s, m in maps.items()}
    print(f"How well each score ranks first: (a) the pairs not all annotators agreed on; (b) the pairs whose trained "
          f"(author's) label is not the consensus, k = {', '.join(f'{k:,}' for k in ks.values())} (seed "
          f"{', '.join(seeds)}); (c) beside (b), the planted-noise twin: as many labels flipped at random\n")
    head = "| score | measure | (a) not unanimous | (b) author ≠ consensus | (c) planted, same size |"
    print(head + "\n| --- | --- | ---: | ---: | ---: |")
    for score in found[seeds[0]].index:
        for measure in ("roc_auc", "precision_at_k"):
            cells = []
            for target, tables in (("not unanimous", found), (REAL, found), (None, planted)):
                values = []
                for s, t in tables.items():
                    if target is None:
                        col = "roc_auc" if measure == "roc_auc" else next(c for c in t.columns if c.startswith("precision_at_"))
                        values.append(t.loc[score, col])
                    else:
                        col = measure if measure == "roc_auc" else next(c for c in t[target].columns if c.startswith("precision_at_"))
                        values.append(t.loc[score, (target, col)])
                per_seed = " / ".join(f"{v:.3f}" for v in values)
                cells.append(f"{per_seed}; {_across(values)}" if values else "not trained")
            print(f"| {score} | {measure.replace('_', ' ')} | " + " | ".join(cells) + " |")
    print("\nEach cell: seed " + " / ".join(seeds) + "; mean [95% t-interval]. 0.5 is chance for ROC AUC; for precision "
          "at k, chance is the target's share.\n")


def triage_review(maps: dict[str, pd.DataFrame], budget: float = 0.1) -> None:
    """What the consensus oracle would change reviewing the top 10% by each triage score, against a random 10%."""
    from nbutils.review import triage
    seeds = list(maps)
    print(f"Triage: the consensus reviewing the top {budget:.0%} of the mapped pairs by each score. Precision: the share of "
          "reviewed pairs whose author label the consensus changes; recall: the share of all such pairs reviewed. A random "
          f"review of the same budget has the base rate as precision and {budget:.0%} as recall.\n")
    print("| ranking | precision (seed " + " / ".join(seeds) + ") | mean [95% t] | recall | mean [95% t] |\n| --- | --- | ---: | --- | ---: |")
    rows = {}
    for s, m in maps.items():
        wrong = m.set_index("example_id").eval("gold_label != consensus_label")
        k = int(round(budget * len(m)))
        for name in triage.SCORES:
            if triage.SCORES[name] not in m.columns:
                continue
            top = triage.suspects(m, name, k)["example_id"]
            rows.setdefault(name, []).append((wrong[top].mean(), wrong[top].sum() / wrong.sum()))
        rows.setdefault("random (expected)", []).append((wrong.mean(), budget))
    for name, values in rows.items():
        prec, rec = np.array(values).T
        print(f"| {name} | " + " / ".join(f"{v:.3f}" for v in prec) + f" | {_across(list(prec))} | "
              + " / ".join(f"{v:.3f}" for v in rec) + f" | {_across(list(rec))} |")
    print()


def entropy(maps: dict[str, pd.DataFrame]) -> None:
    tables = {s: human_check.entropy_correlation(m) for s, m in maps.items()}
    seeds = list(tables)
    print("Spearman correlation of each score with the entropy of the five human labels\n")
    print(_head("score", seeds, "across seeds"))
    for score in tables[seeds[0]].index:
        values = [t.loc[score, "spearman_rho"] for t in tables.values()]
        print(f"| {score} | " + " | ".join(f"{v:+.3f}" for v in values) + f" | {_across(values)} |")
    print()


def people(runs: dict[str, Path]) -> None:
    """Item 4 for every arm: accuracy per agreement level, distance to the human distribution, across seeds."""
    by_level, against = [], []
    for s, run in runs.items():
        preds = {}
        for f in sorted((run / "predictions").glob("*__*.parquet")):
            model, data = f.stem.split("__", 1)
            preds[(model, data)] = pd.read_parquet(f)
        if (t := human.agreement_table(preds)) is not None:
            by_level.append(t.assign(seed=s))
        if (t := human.distribution_table(preds)) is not None:
            against.append(t.assign(seed=s))
    if not by_level:
        print(human.NO_LABELS)
        return
    for title, frames in (("Accuracy per agreement level", by_level), ("Against the human label distribution", against)):
        table = pd.concat(frames).reset_index()
        keys = [c for c in ("data", "model") if c in table.columns]
        values = [c for c in table.columns if c not in (*keys, "seed", "index") and pd.api.types.is_numeric_dtype(table[c])]
        mean = table.groupby(keys, sort=False)[values].mean()
        print(f"{title}, mean over seeds {', '.join(runs)}\n")
        print(_markdown(mean))
        print()


def contrasts(sweep: Path, runs: dict[str, Path], names: list[str] | None = None, data: dict[str, str] | None = None) -> None:
    """The arm contrasts (default: every study contrast on the scored SNLI pairs and on those not all annotators agreed
    on) per seed, with the paired interval and Holm-adjusted McNemar p, and across seeds."""
    from study_tables import CONTRASTS, _cell
    data = data or {"validation": "validation", "validation" + human.NOT_UNANIMOUS: "validation" + human.NOT_UNANIMOUS}
    across = pd.read_csv(sweep / "across_seeds.csv").set_index(["kind", "effect", "data"])
    per_seed = {s: pd.read_csv(r / "contrasts.csv").set_index(["contrast", "data"]) for s, r in runs.items()}
    seeds = list(runs)
    print("Arm contrasts (paired 95% bootstrap interval, Holm-adjusted McNemar p) per seed, and across seeds\n")
    print("| contrast | data | " + " | ".join(f"seed {s}" for s in seeds) + " | mean [95% t-interval] |")
    print("| --- | --- |" + " --- |" * (len(seeds) + 1))
    for c in names or CONTRASTS:
        for d, shown in data.items():
            if ("contrast", c, d) not in across.index or any((c, d) not in t.index for t in per_seed.values()):
                continue
            a = across.loc[("contrast", c, d)]
            interval = f"[{a['ci_low']:+.3f}, {a['ci_high']:+.3f}]" if pd.notna(a["ci_low"]) else "(one seed: no interval)"
            print(f"| `{c}` | {shown} | " + " | ".join(_cell(t.loc[(c, d)]) for t in per_seed.values()) + f" | {a['mean_diff']:+.3f} {interval} |")
    print()


def _markdown(table: pd.DataFrame) -> str:
    keys = list(table.index.names)
    rows = ["| " + " | ".join([*keys, *table.columns]) + " |", "|" + " --- |" * len(keys) + " ---: |" * len(table.columns)]
    for key, row in table.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        cells = [f"{v:,.0f}" if c.startswith("pairs") else f"{v:.4f}" for c, v in row.items()]
        rows.append("| " + " | ".join([*map(str, key), *cells]) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    main()

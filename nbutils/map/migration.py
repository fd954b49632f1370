"""How examples move between two data maps: original vs retrained model, or two seeds of the same training."""
from __future__ import annotations

import pandas as pd

from .regions import REGIONS
from .figures import REGION_COLORS

MAP_COLUMNS = ["example_id", "region", "confidence", "variability"]


def per_example(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Both maps' region and metrics for every example in both; agree = same region."""
    cols = [c for c in MAP_COLUMNS if c in before.columns and c in after.columns]   # a regions-only map: regions only
    both = before[cols].merge(after[cols], on="example_id", suffixes=("_before", "_after"), validate="one_to_one")
    return both.assign(agree=both["region_before"] == both["region_after"])


def migration_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """Region before (rows) × region after (columns), with totals."""
    ct = pd.crosstab(pairs["region_before"], pairs["region_after"], margins=True, margins_name="total")
    order = [r for r in REGIONS if r in ct.index or r in ct.columns]
    return ct.reindex(index=order + ["total"], columns=order + ["total"], fill_value=0)


def agreement(before: pd.DataFrame, after: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Examples compared (and in one map only), region agreement, Cohen's kappa, Spearman rho of the two metrics.

    A reference that holds regions only (no confidence or variability) gets no Spearman rho.
    """
    from scipy.stats import spearmanr
    from statsmodels.stats.inter_rater import cohens_kappa
    square = pd.crosstab(pairs["region_before"], pairs["region_after"])
    labels = sorted(set(square.index) | set(square.columns))
    square = square.reindex(index=labels, columns=labels, fill_value=0)
    row = {"compared": len(pairs), "only_before": len(before) - len(pairs), "only_after": len(after) - len(pairs),
           "same_region": pairs["agree"].mean(),
           "cohens_kappa": cohens_kappa(square.to_numpy()).kappa if len(labels) > 1 else float("nan")}
    for metric in ("confidence", "variability"):
        if {f"{metric}_before", f"{metric}_after"} <= set(pairs.columns):
            row[f"spearman_{metric}"] = spearmanr(pairs[f"{metric}_before"], pairs[f"{metric}_after"]).statistic
    return pd.DataFrame([row])


def sankey_figure(table: pd.DataFrame, before: str = "before", after: str = "after"):
    """Alluvial view of the migration table: one band per region pair, width = examples."""
    import plotly.graph_objects as go
    body = table.drop(index="total", columns="total")
    left, right = list(body.index), list(body.columns)
    nodes = [f"{r} ({before})" for r in left] + [f"{r} ({after})" for r in right]
    src, dst, val = [], [], []
    for i, r in enumerate(left):
        for j, c in enumerate(right):
            if body.loc[r, c]:
                src.append(i), dst.append(len(left) + j), val.append(int(body.loc[r, c]))
    colors = [REGION_COLORS.get(r, "#888") for r in left + right]
    fig = go.Figure(go.Sankey(node=dict(label=nodes, color=colors, pad=14), link=dict(source=src, target=dst, value=val)))
    fig.update_layout(title=f"Region migration: {before} → {after}", height=420)
    return fig

"""Does the map see what people disagree on? Its regions and scores held against every annotator's label.

Where the training pairs carry annotator labels (nbutils.data.annotators), notebook 03 shows:
- per region, the pairs by agreement level (5/5, 4/5, 3/5, ...) and the lift of the split votes (pairs whose largest
  label holds at most 3 of 5, i.e. agreement <= 0.6) against their share of the whole map;
- for every score the map has (nbutils.map.noise_check.suspicion_scores), ROC AUC and precision at k for two targets:
  (a) not unanimous, and (b) under label_source=first_annotator, trained label != consensus: SNLI's own mistakes, the
  real-noise twin of the planted-noise check, in the same table form;
- each score's Spearman correlation with the entropy of the human label distribution (natural log);
- one sentence that reads these for the user.
Only the pairs several people labelled count (nbutils.data.annotators.voted: in SNLI's train file, the validated
tenth); "whole map" means those pairs of the map. Every function returns None where no pair has such labels;
notebook 03 then prints NO_LABELS.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.annotators import agreement_counts, agreement_levels, has_annotators, voted
from .noise_check import detection_rows, suspicion_scores

NO_LABELS = "no annotator labels in this data"
SPLIT_VOTE = 0.6   # agreement at or below this: at most 3 of 5 annotators chose the label the most chose


def region_agreement(table: pd.DataFrame) -> pd.DataFrame | None:
    """Pairs per region and agreement level, the split-vote share per region and its lift against the whole map."""
    if not has_annotators(table):
        return None
    table = table[voted(table)]   # the pairs several people labelled
    levels = agreement_counts(table).index.tolist()
    level = agreement_levels(table)
    counts = pd.crosstab(table["region"], level).reindex(columns=levels, fill_value=0)
    split = table["agreement"].to_numpy() <= SPLIT_VOTE + 1e-9
    share = pd.Series(split, index=table.index).groupby(table["region"]).mean()
    counts["pairs"] = counts[levels].sum(axis=1)
    counts["split_vote_share"] = share.reindex(counts.index)
    counts["lift"] = counts["split_vote_share"] / split.mean() if split.any() else np.nan
    counts.loc["whole map"] = [*(level.value_counts().reindex(levels, fill_value=0)), len(table), split.mean(), 1.0]
    return counts.rename_axis(index="region", columns=None)


def detection_table(table: pd.DataFrame) -> pd.DataFrame | None:
    """Per score: ROC AUC and precision at k for not unanimous, and for trained label != consensus where that exists."""
    if not has_annotators(table) or not suspicion_scores(table):
        return None
    table = table[voted(table)]
    targets = {"not unanimous": table["agreement"].to_numpy() < 1 - 1e-9}
    if "consensus_label" in table.columns:
        targets["trained label ≠ consensus"] = (table["gold_label"] != table["consensus_label"]).to_numpy()
    parts = {name: detection_rows(target, table) for name, target in targets.items() if 0 < target.sum() < len(target)}
    if not parts:
        return None
    return pd.concat(parts, axis=1, names=["target", "measure"])


def entropy_correlation(table: pd.DataFrame) -> pd.DataFrame | None:
    """Each score's Spearman correlation with the human label entropy (nats), with its p-value."""
    from scipy.stats import spearmanr
    if not has_annotators(table) or not suspicion_scores(table):
        return None
    table = table[voted(table)]
    entropy = human_entropy(table)
    rows = []
    for score, values in suspicion_scores(table).items():
        result = spearmanr(values, entropy)
        rows.append({"score": score, "spearman_rho": float(result.statistic), "p_value": float(result.pvalue)})
    return pd.DataFrame(rows).set_index("score")


def human_entropy(table: pd.DataFrame) -> np.ndarray:
    """The entropy of each pair's human label distribution, in nats (0 for a unanimous pair)."""
    dist = np.stack(table["human_dist"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(dist > 0, dist * np.log(dist), 0.0).sum(axis=1)


def reading(table: pd.DataFrame) -> str:
    """One sentence for a user about to retrain on ambiguous pairs: are they the pairs people find ambiguous?"""
    regions = region_agreement(table)
    if regions is None:
        return NO_LABELS
    overall = regions.loc["whole map", "split_vote_share"]
    parts = []
    if "ambiguous" in regions.index and regions.loc["ambiguous", "pairs"]:
        share, lift = regions.loc["ambiguous", "split_vote_share"], regions.loc["ambiguous", "lift"]
        more = "more" if lift > 1 else "fewer" if lift < 1 else "as many"
        parts.append(f"Of the {int(regions.loc['whole map', 'pairs']):,} mapped pairs with annotator labels, this map's ambiguous "
                     f"region holds {share:.1%} split votes (at most 3 of 5 annotators agree), against {overall:.1%} over the "
                     f"whole map: {more} than chance (lift {lift:.2f}).")
    else:
        parts.append(f"This map has no ambiguous pair to compare; {overall:.1%} of its pairs are split votes.")
    found = detection_table(table)
    if found is not None and ("not unanimous", "roc_auc") in found.columns:
        auc = found[("not unanimous", "roc_auc")]
        parts.append(f"The score that finds people's disagreement best is {auc.idxmax()} (ROC AUC {auc.max():.3f} for not "
                     "unanimous; 0.5 is chance).")
    return " ".join(parts)


"""What notebook 01 shows of the loaded data: load report, label balance, token lengths, contrast-set composition."""
from __future__ import annotations

import pandas as pd

from ..labels import LABELS, named
from ..paths import shown


def load_report_table(reports: dict) -> pd.DataFrame:
    """One row per source: rows read, kept, and each drop reason as a column."""
    rows = [{"split": k, "source": shown(v["source"]), "rows_read": v["rows_read"], "kept": v["kept"], **v["dropped"]} for k, v in reports.items()]
    df = pd.DataFrame(rows)
    counts = [c for c in df.columns if c not in ("split", "source")]
    df[counts] = df[counts].fillna(0).astype(int)
    return df.set_index("split")


def label_balance(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Label counts per split."""
    return pd.DataFrame({k: t["gold_label"].map(dict(enumerate(LABELS))).value_counts() for k, t in tables.items()}).reindex(list(LABELS)).fillna(0).astype(int)


def contrast_composition(contrasts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Pairs per contrast set × perturbation kind."""
    rows = [{"contrast_set": name, "perturbation": k, "pairs": int(n)}
            for name, t in contrasts.items()
            for k, n in (t["perturbation"].value_counts().items() if "perturbation" in t else [("(unlabelled)", len(t))])]
    return pd.DataFrame(rows).pivot_table(index="perturbation", columns="contrast_set", values="pairs", aggfunc="sum", fill_value=0).astype(int) if rows else pd.DataFrame()


def contrast_examples(contrasts: dict[str, pd.DataFrame], per_kind: int = 2, seed: int = 0) -> pd.DataFrame:
    """A few pairs of every contrast set and perturbation kind (with the rule, for generated sets)."""
    cols = ["premise", "hypothesis", "gold_label", "perturbation", "rule"]
    parts = [t.groupby("perturbation").sample(n=per_kind, replace=True, random_state=seed).drop_duplicates("example_id")
             .assign(contrast_set=name) for name, t in contrasts.items() if len(t) and "perturbation" in t]
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts)
    return named(out[["contrast_set"] + [c for c in cols if c in out.columns]].reset_index(drop=True))


def sample_pairs(table: pd.DataFrame, n: int = 5, seed: int = 0) -> pd.DataFrame:
    """A few pairs to read, labels by name."""
    return named(table.sample(min(n, len(table)), random_state=seed)).set_index("example_id")


def token_lengths(splits: dict[str, pd.DataFrame], model: str, tokenizer: str = "", max_length: int = 128) -> pd.DataFrame:
    """Untruncated token count of every pair (premise + hypothesis + special tokens), per split."""
    from .tokenizers import tokenizer_for
    train = splits["train"]
    tok = tokenizer_for(model, tokenizer, pd.concat([train["premise"], train["hypothesis"]]).tolist(), max_length)
    parts = []
    for name, t in splits.items():
        enc = tok(t["premise"].tolist(), t["hypothesis"].tolist(), truncation=False, return_attention_mask=False,
                  return_token_type_ids=False)
        parts.append(pd.DataFrame({"split": name, "tokens": [len(x) for x in enc["input_ids"]]}))
    return pd.concat(parts, ignore_index=True)


def truncation_table(lengths: pd.DataFrame, max_length: int) -> pd.DataFrame:
    """Per split: pairs, median and 99th-percentile tokens, and how many pairs max_length truncates."""
    g = lengths.groupby("split", sort=False)["tokens"]
    return pd.DataFrame({"pairs": g.size(), "median_tokens": g.median(), "p99_tokens": g.quantile(0.99),
                         "max_tokens": g.max(), f"truncated_at_{max_length}": g.apply(lambda x: int((x > max_length).sum()))})

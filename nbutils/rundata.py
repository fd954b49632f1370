"""The run's normalised splits: notebook 01 writes them once, every later notebook reads the same rows.

Files: `outputs/<run>/data/{train,validation,test}.parquet` and `contrast/<name>.parquet` (pair tables, see
nbutils.snli), plus `load_report.json` (rows read, kept and dropped per reason, per source file).
A split's source is a path, `hub:<dataset id>` (e.g. hub:stanfordnlp/snli), `demo` (generated here) or "" (none).
A contrast source may also be `generated`: rule-made perturbations of the run's validation split (nbutils.contrast_gen),
also written as `contrast/generated_contrast.jsonl` for review.
"""
from __future__ import annotations

import json
import pandas as pd

from . import paths
from .demo_data import make_demo
from .errors import WorkbookError
from .snli import LoadReport, load_pairs, stratified_sample

SPLITS = ("train", "validation", "test")


def prepare_splits(run_name: str, *, train_file: str, validation_file: str, test_file: str = "",
                   contrast_files: list[str] | None = None, limit_train: int = 0, limit_validation: int = 0,
                   demo_train_size: int = 4000, seed: int = 42, column_map: dict[str, str] | None = None,
                   generated_contrast_size: int = 600) -> dict:
    """Load every split named, sample to the limits, write them into the run; returns tables and reports."""
    sources = {"train": train_file, "validation": validation_file, "test": test_file}
    limits = {"train": limit_train, "validation": limit_validation, "test": 0}
    demo = make_demo(n_train=demo_train_size, seed=seed) if "demo" in (*sources.values(), *(contrast_files or [])) else {}
    tables, reports = {}, {}
    for split, source in sources.items():
        if not source:
            continue
        if source == "demo":
            table = demo.get(split)
            if table is None:
                raise WorkbookError(f"the demo generator has no {split} split; point {split}_file at a file or leave it empty.")
            report = LoadReport(source="demo", rows_read=len(table), kept=len(table))
            if limits[split] and limits[split] < len(table):
                table = stratified_sample(table, limits[split], seed).reset_index(drop=True)
                report.drop(f"not sampled (limit={limits[split]})", report.kept - len(table))
                report.kept = len(table)
        else:
            table, report = load_pairs(_source(source), split=split, limit=limits[split], seed=seed, columns=column_map)
        tables[split], reports[split] = table, report.as_dict()
    for need in ("train", "validation"):
        if need not in tables:
            raise WorkbookError(f"{need}_file is empty: the workbook needs a {need} split (a path, hub:stanfordnlp/snli, or demo).")
    contrasts = {}
    for source in contrast_files or []:
        if source == "demo":
            name, table, report = "demo_contrast", demo["contrast"], LoadReport("demo", len(demo["contrast"]), len(demo["contrast"]))
        elif source == "generated":
            from . import contrast_gen
            name = "generated_contrast"
            table, gen = contrast_gen.generate(tables["validation"], generated_contrast_size, seed)
            report = LoadReport(f"generated from {gen['pairs_available']:,} validation pairs", generated_contrast_size, len(table))
            if "short" in gen:
                report.drop(f"too few pairs met the rules' guards ({gen['short']})", sum(gen["short"].values()))
            contrast_gen.write_jsonl(table, paths.run_data_dir(run_name) / "contrast" / f"{name}.jsonl")
        else:
            path = paths.resolve_input(source)
            name = path.name.split(".")[0]
            table, report = load_pairs(str(path), columns=column_map)
        contrasts[name] = table
        reports[f"contrast:{name}"] = report.as_dict()
    write_splits(run_name, tables, contrasts, reports)
    return {"splits": tables, "contrast": contrasts, "reports": reports}


def write_splits(run_name: str, tables: dict[str, pd.DataFrame], contrasts: dict[str, pd.DataFrame], reports: dict) -> None:
    folder = paths.run_data_dir(run_name)
    for old in list(folder.glob("*.parquet")) + list((folder / "contrast").glob("*.parquet")):
        old.unlink()
    for split, table in tables.items():
        table.to_parquet(folder / f"{split}.parquet", index=False)
    (folder / "contrast").mkdir(exist_ok=True)
    for name, table in contrasts.items():
        table.to_parquet(folder / "contrast" / f"{name}.parquet", index=False)
    (folder / "load_report.json").write_text(json.dumps(reports, indent=2))


def read_split(run_name: str, split: str) -> pd.DataFrame:
    """A split written by notebook 01."""
    path = paths.run_data_dir(run_name) / f"{split}.parquet"
    if not path.exists():
        raise WorkbookError(f"{path} is missing: run notebook 01 (load data) for run {run_name!r} first.")
    return pd.read_parquet(path)


def read_contrasts(run_name: str) -> dict[str, pd.DataFrame]:
    """Every contrast set of the run, by name."""
    folder = paths.run_data_dir(run_name) / "contrast"
    return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


def read_load_report(run_name: str) -> dict:
    return json.loads((paths.run_data_dir(run_name) / "load_report.json").read_text())


def load_report_table(reports: dict) -> pd.DataFrame:
    """One row per source: rows read, kept, and each drop reason as a column."""
    rows = [{"split": k, "source": v["source"], "rows_read": v["rows_read"], "kept": v["kept"], **v["dropped"]} for k, v in reports.items()]
    df = pd.DataFrame(rows)
    counts = [c for c in df.columns if c not in ("split", "source")]
    df[counts] = df[counts].fillna(0).astype(int)
    return df.set_index("split")


def label_balance(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Label counts per split."""
    from .labels import LABELS
    return pd.DataFrame({k: t["gold_label"].map(dict(enumerate(LABELS))).value_counts() for k, t in tables.items()}).reindex(list(LABELS)).fillna(0).astype(int)


def _source(source: str) -> str:
    return source if source.startswith("hub:") else str(paths.resolve_input(source))



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
    return out[["contrast_set"] + [c for c in cols if c in out.columns]].reset_index(drop=True)


def token_lengths(splits: dict[str, pd.DataFrame], model: str, tokenizer: str = "", max_length: int = 128) -> pd.DataFrame:
    """Untruncated token count of every pair (premise + hypothesis + special tokens), per split."""
    from .models import tokenizer_for
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

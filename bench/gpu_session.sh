#!/usr/bin/env bash
# One GPU session (at most about 8 minutes on an H100; each step has its own time limit so a slow one cannot starve
# the rest): full-epoch timings of the logged setup with batch widths padded to the longest pair (the default) vs
# rounded to a multiple of 8, prediction order, torch.compile, batch 4096, then where a step's GPU time goes.
# Prepare with `bash bench/make_devcarry.sh` where the workbook is installed; then, on the GPU machine, in a copy of the
# repository with .devcarry/: `bash bench/gpu_session.sh`.
# Results under $OUT. Output unfiltered and unbuffered: a pipe through grep would hold it back if the call is cut off.
set -uo pipefail
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
D=.devcarry/snli_train_subset.jsonl.gz; T=.devcarry/minilm
B="python3 bench/bench_train.py --data $D --tokenizer $T --pairs 549367 --no-starter --logged-only"
step() { local limit=$1 name=$2; shift 2; timeout "$limit" "$@" > >(tee "$OUT/$name.log") 2>&1 || echo "step $name ended with $? (124: its time limit)"; }
nvidia-smi --query-gpu=name,driver_version,memory.used --format=csv,noheader | tee "$OUT/gpu.txt"
step 170 bench_pad $B --batch-size 2048 --pad-multiple 1 8 --repeats 2 --out "$OUT/bench_pad.json"
step 45 bench_predict python3 bench/bench_predict.py --data .devcarry/snli_validation.jsonl.gz --tokenizer $T --out "$OUT/bench_predict.json"
step 180 bench_compile $B --batch-size 2048 --repeats 1 --compile-only --out "$OUT/bench_compile.json"
step 60 bench_4096 $B --batch-size 4096 --repeats 1 --out "$OUT/bench_4096.json"
step 45 profile_step python3 bench/profile_step.py --data $D --tokenizer $T --pairs 40000 --batch-size 2048 --steps 10 --workers 4

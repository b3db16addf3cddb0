#!/usr/bin/env bash
# Ablation of the text terms (issue #4) on MoNuSeg with 25 % of the training images labeled, at the budget of
# bench-monuseg.sh: DuSSS with L_semi^merged only (no L_semi^text) and with L_semi^text only (no merged term).
# The full preset and mean teacher (the preset without any text term) come from bench-monuseg.sh.
# Usage: bash scripts/bench-ablation.sh [STEPS=300] [OUT=runs/ablation]
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS="${1:-300}"
OUT="${2:-runs/ablation}"
DATA="../shared/datasets/monuseg"
[ -d "$DATA" ] || { echo "skipped: $DATA is absent"; exit 0; }
mkdir -p "$OUT"
run() {
  local name=$1
  shift
  npx pseudolab train --data "$DATA" --preset duss --labeled-fraction 0.25 --steps "$STEPS" --vlm-steps 200 --patch 128 --width 8 --depth 3 \
    --batch-labeled 4 --batch-unlabeled 4 --seed 1 --eval-every 100000 --out "$OUT/$name" "$@" > "$OUT/$name.log" 2>&1 || echo "failed: $name (see $OUT/$name.log)"
}
run duss-merged-only --set text.textTerm=false
run duss-text-only --set text.merged=false
node -e '
const fs = require("fs");
const out = process.argv[1];
console.log("| variant | Dice | IoU | HD95 (px) |");
console.log("|---|---|---|---|");
for (const v of ["duss-merged-only", "duss-text-only"]) {
  const f = `${out}/${v}/metrics.json`;
  if (!fs.existsSync(f)) { console.log(`| ${v} | failed | | |`); continue; }
  const m = JSON.parse(fs.readFileSync(f, "utf8"));
  console.log(`| ${v} | ${m.mean.dice.toFixed(4)} | ${m.mean.iou.toFixed(4)} | ${m.mean.hd95.toFixed(1)} |`);
}' "$OUT"

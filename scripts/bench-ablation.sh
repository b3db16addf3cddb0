#!/usr/bin/env bash
# Ablation of the text terms (issue #4) on MoNuSeg with 25 % of the training images labeled, at the budget of
# bench-monuseg.sh. Variants (each one run of the CLI with switches; two at a time, WASM uses one core each):
#   duss-merged-only   DuSSS with L_semi^merged only (no L_semi^text)
#   duss-text-only     DuSSS with L_semi^text only (no merged pseudo-label)
#   promptssl-no-aux   PromptSSL without its auxiliary L_region and L_feat (eq 9-10), L_semi kept
# The full presets and mean teacher (the preset without any text term) come from bench-monuseg.sh.
# Usage: bash scripts/bench-ablation.sh [STEPS=300] [OUT=runs/ablation] [VARIANTS="duss-merged-only duss-text-only promptssl-no-aux"]
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS="${1:-300}"
OUT="${2:-runs/ablation}"
VARIANTS="${3:-duss-merged-only duss-text-only promptssl-no-aux}"
DATA="../shared/datasets/monuseg"
[ -d "$DATA" ] || { echo "skipped: $DATA is absent"; exit 0; }
mkdir -p "$OUT"
switches() {
  case "$1" in
    duss-merged-only) echo "--preset duss --set text.textTerm=false" ;;
    duss-text-only) echo "--preset duss --set text.merged=false" ;;
    promptssl-no-aux) echo "--preset promptssl --set text.regionWeight=0 --set text.featWeight=0" ;;
    *) echo "unknown variant: $1" >&2; return 1 ;;
  esac
}
run() {
  local name=$1
  local args
  args=$(switches "$name")
  # shellcheck disable=SC2086
  npx pseudolab train --data "$DATA" $args --labeled-fraction 0.25 --steps "$STEPS" --vlm-steps 200 --patch 128 --width 8 --depth 3 \
    --batch-labeled 4 --batch-unlabeled 4 --seed 1 --eval-every 100000 --out "$OUT/$name" > "$OUT/$name.log" 2>&1 || echo "failed: $name (see $OUT/$name.log)"
}
i=0
for v in $VARIANTS; do
  run "$v" &
  i=$((i + 1))
  if [ $((i % 2)) -eq 0 ]; then wait; fi
done
wait
node -e '
const fs = require("fs");
const [out, variants] = process.argv.slice(1);
console.log("| variant | Dice | IoU | HD95 (px) |");
console.log("|---|---|---|---|");
for (const v of variants.split(" ")) {
  const f = `${out}/${v}/metrics.json`;
  if (!fs.existsSync(f)) { console.log(`| ${v} | failed | | |`); continue; }
  const m = JSON.parse(fs.readFileSync(f, "utf8"));
  console.log(`| ${v} | ${m.mean.dice.toFixed(4)} | ${m.mean.iou.toFixed(4)} | ${m.mean.hd95.toFixed(1)} |`);
}' "$OUT" "$VARIANTS"

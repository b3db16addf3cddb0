#!/usr/bin/env bash
# MoNuSeg benchmark of issue #4: train on Train_Folder (24 images), report Dice and IoU on Val_Folder (6 images),
# scored by train and again as a user scores a model (pseudolab predict on Val_Folder/img, then eval against its
# labelcol/); the two must agree;
# `supervised`, `mean-teacher`, `duss` and `promptssl` with a share of the training images labeled, at the same step
# budget and seed. Two runs at a time (tfjs's WASM backend uses one core each).
# Usage: bash scripts/bench-monuseg.sh [SHARES="0.25 0.5"] [STEPS=300] [OUT=runs/monuseg] [PRESETS="supervised mean-teacher duss promptssl"]
set -euo pipefail
cd "$(dirname "$0")/.."
SHARES="${1:-0.25 0.5}"
STEPS="${2:-300}"
OUT="${3:-runs/monuseg}"
PRESETS="${4:-supervised mean-teacher duss promptssl}"
DATA="../shared/datasets/monuseg"
[ -d "$DATA" ] || { echo "skipped: $DATA is absent"; exit 0; }
mkdir -p "$OUT"
jobs=()
for share in $SHARES; do
  for preset in $PRESETS; do
    jobs+=("$share $preset")
  done
done
run() {
  local share=$1 preset=$2
  local dir="$OUT/$preset-$share"
  npx pseudolab train --data "$DATA" --preset "$preset" --labeled-fraction "$share" --steps "$STEPS" --vlm-steps 200 \
    --patch 128 --width 8 --depth 3 --batch-labeled 4 --batch-unlabeled 4 --seed 1 --eval-every 100000 --out "$dir" > "$dir.log" 2>&1 \
    && npx pseudolab predict --model "$dir" --images "$DATA/Val_Folder/img" --out "$dir/predictions" >> "$dir.log" 2>&1 \
    && npx pseudolab eval --pred "$dir/predictions" --labels "$DATA/Val_Folder/labelcol" --json "$dir/eval.json" >> "$dir.log" 2>&1 \
    || echo "failed: $preset $share (see $dir.log)"
}
i=0
for job in "${jobs[@]}"; do
  run $job &
  i=$((i + 1))
  if [ $((i % 2)) -eq 0 ]; then wait; fi
done
wait
node -e '
const fs = require("fs");
const [out, shares, presets] = process.argv.slice(1);
console.log("| labeled | preset | Dice | IoU | HD95 (px) | minutes | slices/s | predict + eval Dice |");
console.log("|---|---|---|---|---|---|---|---|");
let disagree = false;
for (const s of shares.split(" ")) for (const p of presets.split(" ")) {
  const f = `${out}/${p}-${s}/metrics.json`;
  if (!fs.existsSync(f)) { console.log(`| ${s} | ${p} | failed | | | | |`); continue; }
  const m = JSON.parse(fs.readFileSync(f, "utf8"));
  const ef = `${out}/${p}-${s}/eval.json`;
  const e = fs.existsSync(ef) ? JSON.parse(fs.readFileSync(ef, "utf8")) : null;
  if (!e || Math.abs(e.mean.dice - m.mean.dice) > 1e-3) disagree = true;
  console.log(`| ${Math.round(100 * s)} % | ${p} | ${m.mean.dice.toFixed(4)} | ${m.mean.iou.toFixed(4)} | ${m.mean.hd95.toFixed(1)} | ${(m.seconds / 60).toFixed(1)} | ${m.slicesPerSecond.toFixed(1)} | ${e ? e.mean.dice.toFixed(4) : "missing"} |`);
}
if (disagree) { console.error("predict + eval and train disagree by more than 1e-3 Dice (or eval is missing)"); process.exit(1); }' "$OUT" "$SHARES" "$PRESETS"

#!/usr/bin/env bash
# Hippocampus benchmark of issue #3: the fixed split in bench/hippocampus-split.json, 10 % of the training cases
# labeled, the rest unlabeled; `supervised` and `mean-teacher` at the same step budget and seed; metrics on the
# 44 validation cases, scored twice: by train itself, and as a user scores a model on images it has not seen
# (pseudolab predict on the validation images, then pseudolab eval against their labels). The two must agree.
# Usage: bash scripts/bench-hippocampus.sh [STEPS] [WIDTH] [OUT] [PRESETS="supervised mean-teacher"]
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS="${1:-1500}"
WIDTH="${2:-8}"
OUT="${3:-runs/hippocampus}"
PRESETS="${4:-supervised mean-teacher}"
DATA="../shared/datasets/hippocampus"
[ -d "$DATA" ] || { echo "skipped: $DATA is absent"; exit 0; }
mkdir -p "$OUT/held-out/images" "$OUT/held-out/labels"
for id in $(node -e 'console.log(require("./bench/hippocampus-split.json").val.join(" "))'); do
  ln -sf "$(realpath "$DATA/imagesTr/$id.nii.gz")" "$OUT/held-out/images/$id.nii.gz"
  ln -sf "$(realpath "$DATA/labelsTr/$id.nii.gz")" "$OUT/held-out/labels/$id.nii.gz"
done
for preset in $PRESETS; do
  npx pseudolab train --data "$DATA" --split bench/hippocampus-split.json --labeled-fraction 0.1 \
    --preset "$preset" --steps "$STEPS" --width "$WIDTH" --seed 1 --eval-every 250 --out "$OUT/$preset" \
    | tee "$OUT-$preset.log"
  npx pseudolab predict --model "$OUT/$preset" --images "$OUT/held-out/images" --out "$OUT/$preset/predictions"
  npx pseudolab eval --pred "$OUT/$preset/predictions" --labels "$OUT/held-out/labels" --json "$OUT/$preset/eval.json" \
    | tee "$OUT-$preset-eval.log"
done
node -e '
const fs = require("fs");
const [out, presets] = process.argv.slice(1);
console.log("| preset | steps | minutes | slices/s | anterior Dice | posterior Dice | mean Dice | mean HD95 (mm) | mean ASD (mm) | predict + eval mean Dice |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
let disagree = false;
for (const p of presets.split(" ")) {
  const m = JSON.parse(fs.readFileSync(`${out}/${p}/metrics.json`, "utf8"));
  const e = JSON.parse(fs.readFileSync(`${out}/${p}/eval.json`, "utf8"));
  const c = m.byClass;
  if (Math.abs(e.mean.dice - m.mean.dice) > 1e-3) disagree = true;
  console.log(`| ${p} | ${m.steps} | ${(m.seconds / 60).toFixed(1)} | ${m.slicesPerSecond.toFixed(1)} | ${c["1"].dice.toFixed(4)} | ${c["2"].dice.toFixed(4)} | ${m.mean.dice.toFixed(4)} | ${m.mean.hd95.toFixed(2)} | ${m.mean.asd.toFixed(2)} | ${e.mean.dice.toFixed(4)} |`);
}
if (disagree) { console.error("predict + eval and train disagree by more than 1e-3 Dice"); process.exit(1); }' "$OUT" "$PRESETS"

#!/usr/bin/env bash
# Hippocampus benchmark of issue #3: the fixed split in bench/hippocampus-split.json, 10 % of the training cases
# labeled, the rest unlabeled; `supervised` and `mean-teacher` at the same step budget and seed; metrics on the
# 44 validation cases. Usage: bash scripts/bench-hippocampus.sh [STEPS] [WIDTH] [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS="${1:-1500}"
WIDTH="${2:-8}"
OUT="${3:-runs/hippocampus}"
DATA="../shared/datasets/hippocampus"
[ -d "$DATA" ] || { echo "skipped: $DATA is absent"; exit 0; }
for preset in supervised mean-teacher; do
  npx pseudolab train --data "$DATA" --split bench/hippocampus-split.json --labeled-fraction 0.1 \
    --preset "$preset" --steps "$STEPS" --width "$WIDTH" --seed 1 --eval-every 250 --out "$OUT/$preset" \
    | tee "$OUT-$preset.log"
done
node -e '
const fs = require("fs");
const out = process.argv[1];
console.log("| preset | steps | minutes | slices/s | anterior Dice | posterior Dice | mean Dice | mean HD95 (mm) | mean ASD (mm) |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const p of ["supervised", "mean-teacher"]) {
  const m = JSON.parse(fs.readFileSync(`${out}/${p}/metrics.json`, "utf8"));
  const c = m.byClass;
  console.log(`| ${p} | ${m.steps} | ${(m.seconds / 60).toFixed(1)} | ${m.slicesPerSecond.toFixed(1)} | ${c["1"].dice.toFixed(4)} | ${c["2"].dice.toFixed(4)} | ${m.mean.dice.toFixed(4)} | ${m.mean.hd95.toFixed(2)} | ${m.mean.asd.toFixed(2)} |`);
}' "$OUT"

#!/usr/bin/env bash
# Hippocampus benchmark of issue #5: the fixed split of issue #3 (bench/hippocampus-split.json), 10 % of the training
# cases labeled, the rest unlabeled; the 3D V-Net with `supervised`, `mean-teacher` and `tak`, each for the same
# wall-clock budget as the 2D mean-teacher run of issue #3 (25 minutes on this 2-core CPU); metrics on the 44
# validation cases. Two runs at a time (tfjs's WASM backend uses one core each).
# Usage: bash scripts/bench-hippocampus-3d.sh [MINUTES=25] [OUT=runs/hippocampus-3d] [PRESETS="supervised mean-teacher tak"]
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES="${1:-25}"
OUT="${2:-runs/hippocampus-3d}"
PRESETS="${3:-supervised mean-teacher tak}"
DATA="../shared/datasets/hippocampus"
[ -d "$DATA" ] || { echo "skipped: $DATA is absent"; exit 0; }
mkdir -p "$OUT"
run() {
  local preset=$1
  npx pseudolab train --data "$DATA" --split bench/hippocampus-split.json --labeled-fraction 0.1 --preset "$preset" --network 3d \
    --minutes "$MINUTES" --width 4 --depth 2 --patch 16x32x32 --batch-labeled 2 --batch-unlabeled 2 --seed 1 --eval-every 100000 \
    --out "$OUT/$preset" > "$OUT/$preset.log" 2>&1 || echo "failed: $preset (see $OUT/$preset.log)"
}
i=0
for p in $PRESETS; do
  run "$p" &
  i=$((i + 1))
  if [ $((i % 2)) -eq 0 ]; then wait; fi
done
wait
node -e '
const fs = require("fs");
const [out, presets] = process.argv.slice(1);
console.log("| network | preset | steps | minutes | anterior Dice | posterior Dice | mean Dice | anterior HD95 | posterior HD95 | mean HD95 (mm) |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
const row = (net, p, m) => {
  const c = m.byClass;
  console.log(`| ${net} | ${p} | ${m.steps} | ${(m.seconds / 60).toFixed(1)} | ${c["1"].dice.toFixed(4)} | ${c["2"].dice.toFixed(4)} | ${m.mean.dice.toFixed(4)} | ${c["1"].hd95.toFixed(2)} | ${c["2"].hd95.toFixed(2)} | ${m.mean.hd95.toFixed(2)} |`);
};
for (const p of presets.split(" ")) {
  const f = `${out}/${p}/metrics.json`;
  if (fs.existsSync(f)) row("3D", p, JSON.parse(fs.readFileSync(f, "utf8")));
  else console.log(`| 3D | ${p} | failed | | | | | | | |`);
}
for (const [p, f] of [["supervised", "bench/results/hippocampus-2026-11-22-supervised-metrics.json"], ["mean-teacher", "bench/results/hippocampus-2026-11-22-mean-teacher-metrics.json"], ["promptssl", "bench/results/hippocampus-2026-12-01-promptssl-metrics.json"]]) {
  if (fs.existsSync(f)) row("2D", p, JSON.parse(fs.readFileSync(f, "utf8")));
}' "$OUT" "$PRESETS"

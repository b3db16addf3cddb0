// Writes bench/hippocampus-split.json: the fixed, seeded train/validation split of the shared hippocampus cases
// that every benchmark in the README uses. Run: npx tsx scripts/make-split.ts
import { writeFileSync } from 'node:fs';
import { readMsdFolder } from '../src/cli/dataset.ts';
import { seededSplit } from '../src/data/split.ts';

const folder = readMsdFolder('../shared/datasets/hippocampus');
const split = seededSplit(
  folder.cases.filter((c) => c.labelPath).map((c) => c.id),
  0.2,
  2026,
);
writeFileSync('bench/hippocampus-split.json', `${JSON.stringify(split, null, 1)}\n`);
console.log(`${split.train.length} train, ${split.val.length} val`);

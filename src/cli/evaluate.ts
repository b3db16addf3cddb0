import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labelMetrics, type ClassMetrics } from '../train/metrics.ts';
import { loadImage, niftiFilesIn } from './dataset.ts';
import { readNiftiLabelValues } from '../io/nifti/readNifti.ts';
import { readFileSync } from 'node:fs';
import type { EvalArgs } from './args.ts';
import { summarise, type Log } from './train.ts';

function cell(v: number | undefined, digits: number): string {
  return v === undefined ? '—'.padStart(8) : v.toFixed(digits).padStart(8);
}

/**
 * `pseudolab eval`: per-class and mean Dice, IoU, HD95 and ASD (mm) of predictions against labels, paired by
 * file name, averaged over cases (docs/METHOD.md "Metrics"). Table on stdout; JSON with every case on request.
 */
export async function runEval(args: EvalArgs, log: Log = console.log): Promise<void> {
  const labelFiles = niftiFilesIn(args.labels);
  if (labelFiles.length === 0) throw new Error(`${args.labels} holds no NIfTI label files`);
  const perCase: { id: string; metrics: Record<number, ClassMetrics | null> }[] = [];
  const classes = new Set<number>();
  const read = (path: string) => readNiftiLabelValues(new Uint8Array(readFileSync(path)), path);
  const loaded = labelFiles.map((f) => {
    const predPath = join(args.pred, f);
    if (!existsSync(predPath)) throw new Error(`no prediction ${predPath} for label ${f}`);
    const truth = read(join(args.labels, f));
    const pred = read(predPath);
    if (pred.dims.some((d, n) => d !== truth.dims[n])) throw new Error(`${f}: prediction is ${pred.dims.join('×')}, label ${truth.dims.join('×')}`);
    for (const v of truth.values) if (v) classes.add(v);
    return { f, truth, pred };
  });
  const classList = [...classes].sort((a, b) => a - b);
  for (const { f, truth, pred } of loaded) {
    const spacing = loadImage(join(args.labels, f)).geometry.spacing;
    perCase.push({ id: f, metrics: labelMetrics(pred.values, truth.values, truth.dims, spacing, classList) });
  }
  const { byClass, mean } = summarise(perCase.map((p) => p.metrics), classList);
  log(`${perCase.length} cases`);
  log(`${'class'.padEnd(10)}${'Dice'.padStart(8)}${'IoU'.padStart(8)}${'HD95 mm'.padStart(8)}${'ASD mm'.padStart(8)}`);
  for (const c of classList) {
    const m = byClass[c];
    log(`${String(c).padEnd(10)}${cell(m?.dice, 4)}${cell(m?.iou, 4)}${cell(m?.hd95, 2)}${cell(m?.asd, 2)}`);
  }
  log(`${'mean'.padEnd(10)}${cell(mean?.dice, 4)}${cell(mean?.iou, 4)}${cell(mean?.hd95, 2)}${cell(mean?.asd, 2)}`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ cases: perCase.length, byClass, mean, perCase }, null, 2));
}

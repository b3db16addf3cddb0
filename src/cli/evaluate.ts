import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MASKS_FOLDER } from '../io/monuseg/monusegLayout.ts';
import { labelMetrics, type ClassMetrics } from '../train/metrics.ts';
import type { Vec3 } from '../volume/geometry.ts';
import type { EvalArgs } from './args.ts';
import { caseId, predictableFilesIn, readLabelFile, type LabelFile } from './dataset.ts';
import { summarise, type Log } from './train.ts';

/** mm where every label file gives its voxel size (NIfTI); px where none does (2D masks); never a mix of both. */
export type DistanceUnit = 'mm' | 'px';

function cell(v: number | undefined, digits: number, width = 8): string {
  return v === undefined ? '—'.padStart(width) : v.toFixed(digits).padStart(width);
}

/** The unit distances are reported in, or one sentence when the label folder mixes 3D volumes and 2D masks. */
export function distanceUnit(labels: readonly { file: string; spacing: Vec3 | null }[]): DistanceUnit {
  const withSpacing = labels.filter((l) => l.spacing !== null);
  if (withSpacing.length === labels.length) return 'mm';
  if (withSpacing.length === 0) return 'px';
  const mm = withSpacing[0]!.file;
  const px = labels.find((l) => l.spacing === null)!.file;
  throw new Error(`the labels mix volumes with a voxel size (${mm}: mm) and images without one (${px}: pixels); evaluate them in separate folders`);
}

/**
 * `pseudolab eval`: per-class and mean Dice, IoU, HD95 and ASD of predictions against labels, paired by case name
 * (the file name without its extension, so `a.tif`'s label `a.png` meets prediction `a.png`), averaged over cases
 * (docs/METHOD.md "Metrics"). Labels are NIfTI label maps or PNG/TIFF/JPEG masks, in --labels or in its
 * labelcol/ (a MoNuSeg folder). Distances are in mm for NIfTI, in pixels for 2D masks (which carry no pixel size),
 * and the table says which. Table on stdout; JSON with every case on request.
 */
export async function runEval(args: EvalArgs, log: Log = console.log): Promise<void> {
  const labels = predictableFilesIn(args.labels, MASKS_FOLDER);
  if (labels.files.length === 0) throw new Error(`${args.labels} holds no NIfTI label files or PNG, TIFF or JPEG masks`);
  const predictions = predictableFilesIn(args.pred, MASKS_FOLDER);
  const preds = new Map<string, string>();
  for (const f of predictions.files) if (!preds.has(caseId(f))) preds.set(caseId(f), f);
  const classes = new Set<number>();
  const loaded: { f: string; truth: LabelFile; pred: LabelFile }[] = [];
  for (const f of labels.files) {
    // The same file name first (NIfTI predictions keep it), else any prediction of the same case.
    const predName = predictions.files.includes(f) ? f : preds.get(caseId(f));
    if (!predName) throw new Error(`no prediction of ${caseId(f)} in ${args.pred} for label ${f}`);
    const truth = await readLabelFile(join(labels.dir, f));
    const pred = await readLabelFile(join(predictions.dir, predName));
    if (pred.dims.some((d, n) => d !== truth.dims[n])) throw new Error(`${f}: prediction ${predName} is ${pred.dims.join('×')}, label ${truth.dims.join('×')}`);
    for (const v of truth.values) if (v) classes.add(v);
    loaded.push({ f, truth, pred });
  }
  const unit = distanceUnit(loaded.map((l) => ({ file: l.f, spacing: l.truth.spacing })));
  const classList = [...classes].sort((a, b) => a - b);
  const perCase: { id: string; metrics: Record<number, ClassMetrics | null> }[] = [];
  for (const { f, truth, pred } of loaded) {
    // A pixel is one unit along each axis: HD95 and ASD come out in pixels.
    perCase.push({ id: f, metrics: labelMetrics(pred.values, truth.values, truth.dims, truth.spacing ?? [1, 1, 1], classList) });
  }
  const { byClass, mean } = summarise(
    perCase.map((p) => p.metrics),
    classList,
  );
  log(`${perCase.length} cases`);
  log(`${'class'.padEnd(10)}${'Dice'.padStart(8)}${'IoU'.padStart(8)}${`HD95 (${unit})`.padStart(11)}${`ASD (${unit})`.padStart(10)}`);
  const row = (name: string, m: ClassMetrics | null | undefined) =>
    `${name.padEnd(10)}${cell(m?.dice, 4)}${cell(m?.iou, 4)}${cell(m?.hd95, 2, 11)}${cell(m?.asd, 2, 10)}`;
  for (const c of classList) log(row(String(c), byClass[c]));
  log(row('mean', mean));
  if (args.json) writeFileSync(args.json, JSON.stringify({ cases: perCase.length, distanceUnit: unit, byClass, mean, perCase }, null, 2));
}

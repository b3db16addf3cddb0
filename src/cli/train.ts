import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseLabeledCases, chooseLabeledSlices, seededSplit, type CaseSplit } from '../data/split.ts';
import { toTrainingVolume, type TrainingVolume } from '../data/trainingVolume.ts';
import { encodeCheckpoint } from '../train/checkpoint.ts';
import { presetConfig, presetModelKind, type TrainConfig } from '../train/config.ts';
import { labelMetrics, meanMetrics, type ClassMetrics } from '../train/metrics.ts';
import { runCheckpoint } from '../train/session/checkpoints.ts';
import { createTrainer, describeNetwork, predictVolume, type SegmentationRun } from '../train/session/trainerOps.ts';
import { createLabelMap, markAllSlices, SliceProvenance } from '../volume/labels.ts';
import type { TrainArgs } from './args.ts';
import { readDatasetFolder, readImageFile, readLabelFile, splitFromRoles, type Case } from './dataset.ts';
import { textStages } from './trainTextStages.ts';
import { startNodeBackend } from './nodeBackend.ts';

export type Log = (line: string) => void;

interface EvalCase {
  id: string;
  volume: TrainingVolume;
  truth: Uint8Array;
  spacing: [number, number, number];
}

/** Per-class metrics averaged over cases (a class absent from a case is skipped there), and their mean. */
export function summarise(
  perCase: Record<number, ClassMetrics | null>[],
  classes: number[],
): { byClass: Record<number, ClassMetrics | null>; mean: ClassMetrics | null } {
  const byClass: Record<number, ClassMetrics | null> = {};
  for (const c of classes) {
    const scored = perCase.map((m) => m[c]).filter((m): m is ClassMetrics => m != null);
    byClass[c] = scored.length ? meanMetrics(Object.fromEntries(scored.map((m, n) => [n, m]))) : null;
  }
  return { byClass, mean: meanMetrics(byClass) };
}

async function evaluate(
  trainer: SegmentationRun,
  cases: EvalCase[],
  classValues: number[],
): Promise<{
  byClass: Record<number, ClassMetrics | null>;
  mean: ClassMetrics | null;
  perCase: { id: string; metrics: Record<number, ClassMetrics | null> }[];
}> {
  const perCase: { id: string; metrics: Record<number, ClassMetrics | null> }[] = [];
  const indices = classValues.map((_, n) => n + 1);
  for (const c of cases) {
    // Exactly what `predict` does with the saved model: windows of the training patch (2D slice by slice, 3D
    // Gaussian-weighted sliding windows), so this score and predict + eval agree.
    const pred = (await predictVolume(trainer, c.volume))!;
    perCase.push({ id: c.id, metrics: labelMetrics(pred, c.truth, c.volume.dims, c.spacing, indices) });
  }
  const { byClass, mean } = summarise(
    perCase.map((p) => p.metrics),
    indices,
  );
  return { byClass, mean, perCase };
}

/** Distances in mm for volumes with a voxel size, in pixels for 2D images (whose pixels have none). */
function fmt(m: ClassMetrics | null | undefined, unit: 'mm' | 'px'): string {
  return m ? `Dice ${m.dice.toFixed(3)} HD95 ${m.hd95.toFixed(2)} ${unit}` : 'n/a';
}

/** The case's label file, refused with the file's name when its grid is not the image's. */
async function labelsFor(c: Case, image: { geometry: { dims: readonly number[] } }): Promise<Uint8Array> {
  const l = await readLabelFile(c.labelPath!);
  const want = image.geometry.dims;
  if (l.dims.some((d, n) => d !== want[n])) {
    throw new Error(`${c.labelPath}: the label is ${l.dims.join('×')} but its image ${c.imagePath} is ${want.join('×')}; they must cover the same voxels`);
  }
  return l.values;
}

/**
 * `pseudolab train`: a seeded split of a Decathlon folder, F of the training cases labeled (optionally only N
 * slices each), the rest unlabeled; trains for a step or time budget; evaluates on the validation cases in 3D;
 * writes the model, the config, the split, a log and the metrics to the run folder.
 */
export async function runTrain(args: TrainArgs, log: Log = console.log): Promise<void> {
  const backend = await startNodeBackend(args.backend, args.kernels);
  const folder = readDatasetFolder(args.data);
  for (const w of folder.warnings) log(`warning: ${w}`);
  const labeledCases = folder.cases.filter((c) => c.labelPath);
  if (labeledCases.length === 0) throw new Error(`${args.data} has no label files: training needs labels`);
  const split: CaseSplit = args.split
    ? readSplitFile(args.split)
    : (splitFromRoles(folder.cases, args.seed) ??
      seededSplit(
        labeledCases.map((c) => c.id),
        0.2,
        args.seed,
      ));
  const byId = new Map(folder.cases.map((c) => [c.id, c]));
  const missing = [...split.train, ...split.val].filter((id) => !byId.has(id));
  if (missing.length) throw new Error(`split names cases not in ${args.data}: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? '…' : ''}`);
  const labeled = new Set(chooseLabeledCases(split.train, args.labeledFraction, args.seed));
  const classValues = folder.classes.length ? folder.classes.map((c) => c.value) : [1];

  // Training volumes: labeled cases carry their labels (all slices, or N per case); the rest carry none.
  const train: TrainingVolume[] = [];
  let labeledSlices = 0;
  for (const id of split.train) {
    const c = byId.get(id) as Case;
    const volume = await readImageFile(c.imagePath);
    const labels = createLabelMap(volume.geometry.dims);
    if (labeled.has(id) && c.labelPath) {
      const truth = await labelsFor(c, volume);
      if (args.labeledSlices === null) {
        labels.voxels.set(truth);
        markAllSlices(labels, SliceProvenance.Imported);
        labeledSlices += volume.geometry.dims[2];
      } else {
        const per = volume.geometry.dims[0] * volume.geometry.dims[1];
        for (const k of chooseLabeledSlices(truth, volume.geometry.dims, args.labeledSlices)) {
          labels.voxels.set(truth.subarray(k * per, (k + 1) * per), k * per);
          labels.slices[2][k] = SliceProvenance.Imported;
          labeledSlices++;
        }
      }
    }
    train.push(toTrainingVolume(volume, labels, classValues));
  }
  const val: EvalCase[] = [];
  let unit: 'mm' | 'px' = 'mm';
  for (const id of split.val) {
    const c = byId.get(id) as Case;
    const volume = await readImageFile(c.imagePath);
    if (volume.source.format === 'image') unit = 'px';
    const truth = await labelsFor(c, volume);
    const tv = toTrainingVolume(volume, createLabelMap(volume.geometry.dims), classValues);
    const table = new Uint8Array(256);
    classValues.forEach((v, n) => (table[v] = n + 1));
    val.push({ id, volume: tv, truth: truth.map((v) => table[v]!), spacing: [...volume.geometry.spacing] });
  }

  const required = presetModelKind(args.preset);
  if (args.network && required && args.network !== required)
    throw new Error(`preset ${args.preset} trains a ${required.toUpperCase()} network; drop --network ${args.network}`);
  const kind = args.network ?? required ?? '2d';
  const patch = args.patch;
  if (patch && kind === '2d' && patch.length === 3) throw new Error('--patch has three sides; a 2D network takes one or two (HxW)');
  if (patch && kind === '3d' && patch.length === 2) throw new Error('--patch has two sides; a 3D network takes one or three (DxHxW)');
  const cfg = applySettings(
    presetConfig(args.preset, {
      seed: args.seed,
      model: { kind, width: args.width ?? 16, depth: args.depth ?? 3 },
      optimiser: { schedule: args.steps ? 'cosine' : 'constant', totalSteps: args.steps ?? 0 },
      // The held-out cases measure the run; every labeled slice trains.
      validation: { fraction: 0, minLabeledSlices: Number.MAX_SAFE_INTEGER },
      ...(args.batchLabeled !== null ? { batchLabeled: args.batchLabeled } : {}),
      ...(args.batchUnlabeled !== null ? { batchUnlabeled: args.batchUnlabeled } : {}),
      ...(patch && kind === '2d' ? { patch: (patch.length === 1 ? [patch[0]!, patch[0]!] : patch) as [number, number] } : {}),
      ...(patch && kind === '3d' ? { patch3d: (patch.length === 1 ? [patch[0]!, patch[0]!, patch[0]!] : patch) as [number, number, number] } : {}),
      ...(args.vlmSteps !== null ? { vlm: { steps: args.vlmSteps } } : {}),
    }),
    args.set,
  );
  const trainer = createTrainer(train, classValues.length + 1, cfg);
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'config.json'), JSON.stringify({ args, config: cfg, backend }, null, 2));
  writeFileSync(join(args.out, 'split.json'), JSON.stringify({ ...split, labeled: [...labeled].sort() }, null, 2));
  if (backend.customKernels) log(backend.customKernels.note);
  log(
    `backend ${backend.name}${backend.adapter ? ` (${backend.adapter})` : ''}; ${split.train.length} training cases (${labeled.size} labeled, ${labeledSlices} labeled slices), ${split.val.length} validation cases`,
  );
  log(`preset ${args.preset}, ${describeNetwork(trainer)}, ${trainer.student.count()} parameters, patch ${trainer.patch.join('×')}`);

  const stages = await textStages(trainer, cfg, train, { folder, args, caseIds: split.train, classValues }, log);

  const csv = ['step,seconds,lr,lambda_u,total,ce,dice,consistency,val_mean_dice,text_head,text_region,text_feat,text_tg'];
  const started = performance.now();
  const deadline = args.minutes !== null ? started + args.minutes * 60_000 : Infinity;
  const maxSteps = args.steps ?? Number.MAX_SAFE_INTEGER;
  const quickVal = val.slice(0, Math.min(val.length, 10));
  let slicesSeen = 0;
  while (trainer.step < maxSteps && performance.now() < deadline) {
    const r = await trainer.trainStep();
    slicesSeen += cfg.batchLabeled + (cfg.consistency.weight > 0 ? cfg.batchUnlabeled : 0);
    let valDice = '';
    if (r.step % args.evalEvery === 0 && quickVal.length > 0) {
      const m = await evaluate(trainer, quickVal, classValues);
      valDice = m.mean ? m.mean.dice.toFixed(4) : '';
    }
    const seconds = (performance.now() - started) / 1000;
    const t = r.text;
    csv.push(
      [
        r.step,
        seconds.toFixed(1),
        r.lr.toExponential(3),
        r.lambdaU.toFixed(4),
        r.losses.total.toFixed(5),
        r.losses.ce.toFixed(5),
        r.losses.dice.toFixed(5),
        r.losses.consistency.toFixed(6),
        valDice,
      ]
        .concat(t ? [t.head, t.region, t.feat, t.tg].map((x) => x.toFixed(5)) : ['', '', '', ''])
        .join(','),
    );
    if (r.step % 10 === 0 || valDice) {
      log(
        `step ${r.step}${args.steps ? `/${args.steps}` : ''}  loss ${r.losses.total.toFixed(4)} (ce ${r.losses.ce.toFixed(4)} dice ${r.losses.dice.toFixed(4)} ${t ? 'semi' : 'cons'} ${r.losses.consistency.toFixed(5)}${t ? ` text-head ${t.head.toFixed(4)}` : ''})  lr ${r.lr.toExponential(2)}  ${(slicesSeen / seconds).toFixed(1)} slices/s${valDice ? `  val Dice (first ${quickVal.length} cases) ${valDice}` : ''}`,
      );
    }
  }
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(join(args.out, 'log.csv'), `${csv.join('\n')}\n`);
  const checkpoint = await runCheckpoint(
    trainer,
    classValues.map((v) => ({ value: v, name: folder.classes.find((c) => c.value === v)?.name ?? `Class ${v}` })),
    stages,
  );
  writeFileSync(join(args.out, 'model.pslb'), encodeCheckpoint(checkpoint));

  log(`evaluating on ${val.length} validation cases…`);
  const final = await evaluate(trainer, val, classValues);
  const names = Object.fromEntries(checkpoint.classes.map((c, n) => [n + 1, c.name]));
  writeFileSync(
    join(args.out, 'metrics.json'),
    JSON.stringify(
      { steps: trainer.step, seconds, slicesPerSecond: slicesSeen / seconds, classes: names, byClass: final.byClass, mean: final.mean, perCase: final.perCase },
      null,
      2,
    ),
  );
  for (const [idx, name] of Object.entries(names)) log(`  ${name}: ${fmt(final.byClass[Number(idx)], unit)}`);
  log(
    `done: ${trainer.step} steps in ${seconds.toFixed(0)} s (${(slicesSeen / seconds).toFixed(1)} slices/s); mean ${fmt(final.mean, unit)}; run saved to ${args.out}`,
  );
  trainer.dispose();
  stages.text?.dispose();
  stages.tak?.dispose();
}

/** A split file written by make-split or a run folder's split.json; refused with its name when it is not one. */
function readSplitFile(path: string): CaseSplit {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: the split file is not readable JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const s = parsed as Partial<CaseSplit> | null;
  if (!s || !Array.isArray(s.train) || !Array.isArray(s.val)) throw new Error(`${path}: a split file needs "train" and "val" lists of case names`);
  return s as CaseSplit;
}

/** Applies `--set path=value` overrides; a path that names no knob is an error, not a silent no-op. */
export function applySettings(cfg: TrainConfig, settings: { path: string[]; value: unknown }[]): TrainConfig {
  const out = structuredClone(cfg) as unknown as Record<string, unknown>;
  for (const { path, value } of settings) {
    let node = out;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (!next || typeof next !== 'object' || Array.isArray(next)) throw new Error(`--set ${path.join('.')}: ${key} is not a config section`);
      node = next as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    if (!(last in node)) throw new Error(`--set ${path.join('.')}: no such config knob`);
    if (typeof node[last] !== typeof value) throw new Error(`--set ${path.join('.')}: expected a ${typeof node[last]}, got ${JSON.stringify(value)}`);
    node[last] = value;
  }
  return out as unknown as TrainConfig;
}

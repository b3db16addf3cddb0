import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDatasetFolder, readImageFile, readLabelFile, splitFromRoles, type Case } from '../../src/cli/dataset.ts';
import { chooseLabeledCases, chooseLabeledSlices, type CaseSplit } from '../../src/data/split.ts';
import type { ClassInfo, WorkerVolume } from '../../src/train/protocol.ts';
import type { WorkspaceTexts } from '../../src/train/vlm/textStage.ts';
import { withAnatomyDefaults } from '../../src/text/anatomyDefaults.ts';
import { workspaceTexts } from '../../src/text/workspaceTexts.ts';
import { makeClass } from '../../src/volume/classes.ts';
import type { ScoredVolume } from './unlabeledDice.ts';

/** What a run trains on, as the page would send it, and the truth its pseudo-labels are scored against. */
export interface BenchCases {
  dataset: 'hippocampus' | 'monuseg';
  classes: ClassInfo[];
  /** The volumes with only the chosen slices labeled; fresh copies per run (their buffers are transferred). */
  volumes: () => WorkerVolume[];
  scored: (ScoredVolume & { id: string })[];
  /** The texts the text presets get: class prompts (name, position, shape) and the volumes' descriptions. */
  texts: WorkspaceTexts;
  /** In words, for the results: which cases, which slices. */
  description: string;
}

/** A volume as the page sends it: raw voxels, the labeled slices' labels (class values) and their k flags. */
function workerVolume(id: string, image: Awaited<ReturnType<typeof readImageFile>>, truth: Uint8Array, ks: readonly number[]): WorkerVolume {
  const dims = image.geometry.dims;
  const per = dims[0] * dims[1];
  const labels = new Uint8Array(truth.length);
  const slicesK = new Uint8Array(dims[2]);
  for (const k of ks) {
    labels.set(truth.subarray(k * per, (k + 1) * per), k * per);
    // 1 = painted by the user (volume/labels.ts SliceProvenance); the session only asks whether it is non-zero.
    slicesK[k] = 1;
  }
  return {
    id,
    validation: [],
    dims: [...dims],
    spacing: [...image.geometry.spacing],
    channels: image.channels,
    voxels: image.voxels,
    labels,
    slices: [new Uint8Array(dims[0]), new Uint8Array(dims[1]), slicesK],
  };
}

function copied(v: WorkerVolume): WorkerVolume {
  return { ...v, voxels: v.voxels.slice(), labels: v.labels.slice(), slices: [v.slices[0].slice(), v.slices[1].slice(), v.slices[2].slice()] };
}

async function load(data: string, ids: readonly string[], labeledKs: (id: string, truth: Uint8Array, dims: [number, number, number]) => number[]) {
  const folder = readDatasetFolder(data);
  const byId = new Map<string, Case>(folder.cases.map((c) => [c.id, c]));
  const volumes: WorkerVolume[] = [];
  const scored: BenchCases['scored'] = [];
  for (const id of ids) {
    const c = byId.get(id);
    if (!c?.labelPath) throw new Error(`${data} has no labeled case ${id}`);
    const image = await readImageFile(c.imagePath);
    const truth = (await readLabelFile(c.labelPath)).values;
    const dims: [number, number, number] = [...image.geometry.dims];
    const ks = labeledKs(id, truth, dims);
    volumes.push(workerVolume(id, image, truth, ks));
    scored.push({ id, dims, truth, labeledKs: ks });
  }
  const classes = folder.classes.length ? folder.classes.map((c) => ({ value: c.value, name: c.name })) : [{ value: 1, name: 'Foreground' }];
  // As `train` builds them (cli/trainTextStages.ts): the dataset's name fills in known anatomy.
  const defs = classes.map((c) => withAnatomyDefaults(makeClass(c.value, c.name), folder.name));
  const texts = workspaceTexts(
    defs,
    ids.map((id) => byId.get(id)?.description),
    folder.modality,
  );
  return { classes, volumes, scored, texts };
}

/**
 * Hippocampus: `cases` training volumes of the benchmark split (seeded, as `train` picks labeled cases), each with
 * `slices` k-slices labeled as `train --labeled-slices` picks them; the rest of each volume is unlabeled.
 */
export async function hippocampusCases(o: { data: string; split: string; cases: number; slices: number; seed: number }): Promise<BenchCases> {
  const split = JSON.parse(readFileSync(o.split, 'utf8')) as CaseSplit;
  const ids = chooseLabeledCases(split.train, o.cases / split.train.length, o.seed);
  const { classes, volumes, scored, texts } = await load(o.data, ids, (_, truth, dims) => chooseLabeledSlices(truth, dims, o.slices));
  return {
    dataset: 'hippocampus',
    classes,
    volumes: () => volumes.map(copied),
    scored,
    texts,
    description: `${ids.length} training volumes of ${o.split} (${scored.map((s) => `${s.id}: slices ${s.labeledKs.join(', ')} of ${s.dims[2]}`).join('; ')})`,
  };
}

/**
 * MoNuSeg: `labeled` tiles of Train_Folder labeled whole (seeded), the other Train_Folder tiles unlabeled; `scored`
 * of those (seeded; all when null) are scored.
 */
export async function monusegCases(o: { data: string; labeled: number; scored: number | null; seed: number }): Promise<BenchCases> {
  const folder = readDatasetFolder(o.data);
  const split = splitFromRoles(folder.cases, o.seed);
  if (!split) throw new Error(`${o.data} has no Train_Folder/`);
  const labeled = new Set(chooseLabeledCases(split.train, o.labeled / split.train.length, o.seed));
  const loaded = await load(o.data, split.train, (id) => (labeled.has(id) ? [0] : []));
  // Whole labeled tiles have no unlabeled slice: scoring is on the other tiles.
  const unlabeled = split.train.filter((id) => !labeled.has(id));
  const picked = new Set(o.scored === null ? unlabeled : chooseLabeledCases(unlabeled, o.scored / unlabeled.length, o.seed + 1));
  const scored = loaded.scored.filter((s) => picked.has(s.id));
  return {
    dataset: 'monuseg',
    classes: loaded.classes,
    volumes: () => loaded.volumes.map(copied),
    scored,
    texts: loaded.texts,
    description: `${join(o.data, 'Train_Folder')}: ${labeled.size} labeled tiles (${[...labeled].join(', ')}), ${unlabeled.length} unlabeled; ${scored.length} of those scored (${scored.map((s) => s.id).join(', ')})`,
  };
}

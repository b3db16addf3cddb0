/*
 * The two benchmarks of the semi-supervised harness: where their data lives, how each label regime turns into
 * `pseudolab train` flags, and which images are held out for predict + eval. Paths are relative to the repository
 * root, where the harness runs; the data sits beside the repository (../shared/datasets), never inside it.
 */

export type DatasetName = 'hippocampus' | 'monuseg';

/** One way of labeling the training set: the flags that choose what is labeled. */
export interface Regime {
  name: string;
  /** What the table says about it, e.g. "3 slices on 10 % of volumes". */
  label: string;
  flags: string[];
}

export interface DatasetSpec {
  name: DatasetName;
  data: string;
  /** Flags every run of this dataset gets, whatever the regime and arm. */
  baseFlags: string[];
  regimes: Regime[];
  /** Regimes run when --regimes is not given. */
  defaultRegimes: string[];
  defaultSteps: number;
  /**
   * Held-out images and their labels: a folder pair that exists already (MoNuSeg's Val_Folder), or case ids of the
   * split that the harness links into `--out/held-out/` (hippocampus), so no model has trained on any of them.
   */
  heldOut: { images: string; labels: string } | { splitFile: string; imagesDir: string; labelsDir: string; trainChecks: number };
  /** Label value → name for the per-class columns; eval.json keys classes by label value. */
  classNames: Record<string, string>;
}

const HIPPOCAMPUS_SPLIT = 'bench/hippocampus-split.json';

export const DATASETS: Record<DatasetName, DatasetSpec> = {
  hippocampus: {
    name: 'hippocampus',
    data: '../shared/datasets/hippocampus',
    // The split's 44 `val` cases are the held-out set; 10 % of its 176 training cases are labeled (chosen by seed).
    // The split itself is passed by the matrix (matrix.ts, trainSplitFile).
    baseFlags: ['--labeled-fraction', '0.1'],
    regimes: [
      { name: 'slices3', label: '3 slices on 10 % of volumes', flags: ['--labeled-slices', '3'] },
      { name: 'slices10', label: '10 slices on 10 % of volumes', flags: ['--labeled-slices', '10'] },
      { name: 'volumes', label: 'whole volumes, 10 %', flags: [] },
    ],
    defaultRegimes: ['slices3', 'slices10', 'volumes'],
    defaultSteps: 1500,
    heldOut: {
      splitFile: HIPPOCAMPUS_SPLIT,
      imagesDir: '../shared/datasets/hippocampus/imagesTr',
      labelsDir: '../shared/datasets/hippocampus/labelsTr',
      // Train scores its split's val cases at the end, which predict + eval does again; on the loaded 2-core
      // machine all 44 took minutes a run. Train keeps this many, enough to check the two scorings agree.
      trainChecks: 4,
    },
    classNames: { '1': 'anterior', '2': 'posterior' },
  },
  monuseg: {
    name: 'monuseg',
    data: '../shared/datasets/monuseg',
    // bench-monuseg.sh's settings: 128² patches, 4 + 4 a step, the text presets pre-train 200 steps first.
    baseFlags: ['--patch', '128', '--depth', '3', '--batch-labeled', '4', '--batch-unlabeled', '4', '--vlm-steps', '200'],
    regimes: [
      { name: 'labeled25', label: '25 % of Train_Folder', flags: ['--labeled-fraction', '0.25'] },
      { name: 'labeled50', label: '50 % of Train_Folder', flags: ['--labeled-fraction', '0.5'] },
    ],
    defaultRegimes: ['labeled25', 'labeled50'],
    defaultSteps: 300,
    heldOut: { images: '../shared/datasets/monuseg/Val_Folder/img', labels: '../shared/datasets/monuseg/Val_Folder/labelcol' },
    classNames: { '255': 'nuclei' },
  },
};

export function datasetNamed(name: string): DatasetSpec {
  if (name !== 'hippocampus' && name !== 'monuseg') throw new Error(`unknown dataset "${name}" (hippocampus, monuseg)`);
  return DATASETS[name];
}

/** The regimes named in `names`, in the dataset's order; an unknown name is an error that lists the known ones. */
export function pickRegimes(spec: DatasetSpec, names: readonly string[]): Regime[] {
  const known = new Map(spec.regimes.map((r) => [r.name, r]));
  for (const n of names) if (!known.has(n)) throw new Error(`unknown regime "${n}" for ${spec.name} (known: ${[...known.keys()].join(', ')})`);
  return spec.regimes.filter((r) => names.includes(r.name));
}

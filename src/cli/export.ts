import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseLabeledSlices } from '../data/split.ts';
import { caseNames, nnunetDatasetFiles, planNnunetDataset, type NnunetSourceCase } from '../io/nnunet/buildNnunetDataset.ts';
import { writeLabelSidecar, writeNiftiLabels } from '../io/nifti/writeNiftiLabels.ts';
import { makeClass, type ClassDef } from '../volume/classes.ts';
import { createLabelMap, markAllSlices, SliceProvenance } from '../volume/labels.ts';
import { UsageError } from './args.ts';
import { isSegExport, segExportCommand } from './exportSeg.ts';
import { readDatasetFolder, readImageFile, readLabelFile, type Case } from './dataset.ts';

export type ExportFormat = 'nnunet' | 'nifti';

export interface ExportArgs {
  format: ExportFormat;
  data: string;
  out: string;
  /** Case ids to export (all when null). */
  cases: string[] | null;
  /** Label only N k-slices per case, as `train --labeled-slices` does; the rest become nnU-Net's ignore. */
  labeledSlices: number | null;
  datasetId: number;
  name: string | null;
  pseudoLabels: boolean;
  channelNames: string[] | null;
}

export const EXPORT_USAGE = {
  summary: "write a labeled folder as an nnU-Net v2 dataset or as NIfTI label maps (--format seg: a DICOM series' labels as DICOM SEG)",
  synopsis: `pseudolab export --format nnunet|nifti --data DIR --out DIR [--cases ID,…] [--labeled-slices N]
                 [--dataset-id N] [--name NAME] [--pseudo-labels on|off] [--channel-names CT,…]`,
  details: `DIR is a Decathlon or MoNuSeg folder, as train reads it. Cases with a label file are labeled on every slice, or
on N k-slices with --labeled-slices (spread through the structure, as train picks them); the others are unlabeled.
nnunet writes OUT/Dataset<N>_<NAME>/ (dataset.json, imagesTr/<case>_0000.nii.gz…, labelsTr/, imagesTs/ for the
unlabeled cases): classes renumbered 1…n, voxels outside labeled slices get the "ignore" label n+1. --dataset-id
defaults to 500, --name to the folder's name, channel names to the dataset's modality. nifti writes
OUT/<case>_labels.nii.gz for each labeled case and OUT/classes.json, as the app's Export labels does. See
docs/interop.md for training the export with nnU-Net. --format seg writes a DICOM SEG of one DICOM series from
its label map: pseudolab export --format seg --help.`,
};

function usage(): string {
  return `Usage: ${EXPORT_USAGE.synopsis.replace(/\n/g, '\n       ')}\n${EXPORT_USAGE.summary[0]!.toUpperCase()}${EXPORT_USAGE.summary.slice(1)}.\n\n${EXPORT_USAGE.details}`;
}

/** `pseudolab export …`'s arguments; null when it asks for help. */
export function parseExportArgs(argv: string[]): ExportArgs | null {
  if (argv.includes('--help') || argv.includes('-h')) return null;
  let v: Record<string, string | undefined>;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      options: Object.fromEntries(
        ['format', 'data', 'out', 'cases', 'labeled-slices', 'dataset-id', 'name', 'pseudo-labels', 'channel-names'].map((k) => [
          k,
          { type: 'string' as const },
        ]),
      ),
    }).values as Record<string, string | undefined>;
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  const need = (k: string): string => {
    const s = v[k];
    if (!s) throw new UsageError(`--${k} is required`);
    return s;
  };
  const format = need('format');
  if (format !== 'nnunet' && format !== 'nifti') throw new UsageError(`--format must be nnunet or nifti (or seg), got "${format}"`);
  const int = (k: string, min: number, max: number): number | null => {
    const s = v[k];
    if (s === undefined) return null;
    const n = Number(s);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${k} must be a whole number from ${min} to ${max}, got "${s}"`);
    return n;
  };
  const pseudo = v['pseudo-labels'] ?? 'on';
  if (pseudo !== 'on' && pseudo !== 'off') throw new UsageError(`--pseudo-labels must be on or off, got "${pseudo}"`);
  const list = (k: string): string[] | null =>
    v[k] === undefined
      ? null
      : v[k]!.split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  return {
    format,
    data: need('data'),
    out: need('out'),
    cases: list('cases'),
    labeledSlices: int('labeled-slices', 1, 100_000),
    datasetId: int('dataset-id', 1, 999) ?? 500,
    name: v.name ?? null,
    pseudoLabels: pseudo === 'on',
    channelNames: list('channel-names'),
  };
}

/** The folder's cases as the app would hold them: image, labels on every (or N) k-slices, provenance imported. */
async function loadCases(args: ExportArgs, cases: Case[]): Promise<NnunetSourceCase[]> {
  const out: NnunetSourceCase[] = [];
  for (const c of cases) {
    const volume = await readImageFile(c.imagePath);
    const labels = createLabelMap(volume.geometry.dims);
    if (c.labelPath) {
      const truth = await readLabelFile(c.labelPath);
      if (truth.dims.some((d, n) => d !== volume.geometry.dims[n])) {
        throw new Error(`${c.labelPath}: the label is ${truth.dims.join('×')} but its image is ${volume.geometry.dims.join('×')}`);
      }
      if (args.labeledSlices === null) {
        labels.voxels.set(truth.values);
        markAllSlices(labels, SliceProvenance.Imported);
      } else {
        const per = volume.geometry.dims[0] * volume.geometry.dims[1];
        for (const k of chooseLabeledSlices(truth.values, volume.geometry.dims, args.labeledSlices)) {
          labels.voxels.set(truth.values.subarray(k * per, (k + 1) * per), k * per);
          labels.slices[2][k] = SliceProvenance.Imported;
        }
      }
    }
    out.push({ volume, labels, committed: labels.voxels });
  }
  return out;
}

function write(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** `pseudolab export`: reads a dataset folder and writes it as nnU-Net's raw dataset or as NIfTI label maps. */
export async function runExport(args: ExportArgs, log: (line: string) => void = console.log): Promise<void> {
  const folder = readDatasetFolder(args.data);
  let cases = folder.cases;
  if (args.cases) {
    const byId = new Map(cases.map((c) => [c.id, c]));
    const unknown = args.cases.filter((id) => !byId.has(id));
    if (unknown.length) throw new Error(`--cases names cases not in ${args.data}: ${unknown.slice(0, 3).join(', ')}`);
    cases = args.cases.map((id) => byId.get(id)!);
  }
  const classes: ClassDef[] = folder.classes.length ? folder.classes.map((c) => makeClass(c.value, c.name)) : [makeClass(1, 'foreground')];
  const sources = await loadCases(args, cases);
  if (args.format === 'nifti') {
    const names = caseNames(sources.map((s) => s.volume.name));
    let n = 0;
    sources.forEach((s, m) => {
      if (!s.labels.slices.some((a) => a.some((p) => p !== 0))) return;
      write(join(args.out, `${names[m]}_labels.nii.gz`), writeNiftiLabels(s.committed, s.volume));
      n++;
    });
    write(join(args.out, 'classes.json'), new TextEncoder().encode(writeLabelSidecar(classes)));
    log(`wrote ${n} label maps and classes.json to ${args.out}`);
    return;
  }
  const plan = planNnunetDataset(sources, {
    datasetId: args.datasetId,
    datasetName: args.name ?? folder.name,
    classes,
    includePseudoLabels: args.pseudoLabels,
    // The dataset's modality names a grey channel; RGB tiles keep R, G, B.
    ...(args.channelNames
      ? { channelNames: args.channelNames }
      : folder.modality && sources.every((s) => s.volume.channels === 1)
        ? { channelNames: [folder.modality] }
        : {}),
  });
  for (const files of nnunetDatasetFiles(plan, args.pseudoLabels)) for (const f of files) write(join(args.out, f.path), f.bytes);
  log(
    `wrote ${join(args.out, plan.folder)}: ${plan.trainCases.length} training cases, ${plan.testCases.length} in imagesTs, labels ${JSON.stringify(plan.datasetJson.labels)}`,
  );
}

/** The export command's entry from main: help or run. */
export async function exportCommand(argv: string[]): Promise<void> {
  // DICOM SEG takes one series and its label map, not a dataset folder: its own options (exportSeg.ts).
  if (isSegExport(argv)) return segExportCommand(argv);
  const args = parseExportArgs(argv);
  if (!args) console.log(usage());
  else await runExport(args);
}

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeDicomSeg } from '../io/dicomSeg/writeSeg.ts';
import { importLabelFile, openInputs } from '../io/openInputs.ts';
import type { InputFile } from '../io/types.ts';
import { makeClass, type ClassDef } from '../volume/classes.ts';
import { createLabelMap, SliceProvenance } from '../volume/labels.ts';
import { UsageError } from './args.ts';

export interface SegExportArgs {
  /** Folder of one DICOM series. */
  data: string;
  /** A label map of that series (NIfTI, same grid). */
  labels: string;
  out: string;
  /** Class names and colours: Pseudolab's classes.json, or a dataset.json (MSD or nnU-Net form). */
  classes: string | null;
  provenance: SliceProvenance;
}

const PROVENANCE_FLAGS: Record<string, SliceProvenance> = {
  painted: SliceProvenance.Painted,
  accepted: SliceProvenance.AcceptedPseudoLabel,
  imported: SliceProvenance.Imported,
};

export const SEG_EXPORT_USAGE = `Usage: pseudolab export --format seg --data SERIES_DIR --labels LABELS.nii.gz --out FILE.dcm
                        [--classes classes.json|dataset.json] [--provenance painted|accepted|imported]
Write a label map of a DICOM series as a DICOM Segmentation (BINARY) of that series.

SERIES_DIR holds one DICOM series; LABELS is a NIfTI label map on its grid (as Export labels or nnU-Net writes
it). One segment per class, one frame per slice where the class has voxels, each on its source slice's plane and
referencing its SOP instance. --classes names the classes (Pseudolab's classes.json or a dataset.json, MSD or
nnU-Net form); --provenance says how the labels came to be: painted (MANUAL), accepted (SEMIAUTOMATIC) or
imported, the default (AUTOMATIC: a model's prediction). See docs/interop.md, "DICOM SEG".`;

/** Whether an export command line asks for DICOM SEG, which has its own options. */
export function isSegExport(argv: string[]): boolean {
  return argv.some((a, n) => a === '--format=seg' || (a === '--format' && argv[n + 1] === 'seg'));
}

/** `pseudolab export --format seg …`'s arguments; null when it asks for help. */
export function parseSegExportArgs(argv: string[]): SegExportArgs | null {
  if (argv.includes('--help') || argv.includes('-h')) return null;
  let v: Record<string, string | undefined>;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      options: Object.fromEntries(['format', 'data', 'labels', 'out', 'classes', 'provenance'].map((k) => [k, { type: 'string' as const }])),
    }).values as Record<string, string | undefined>;
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  const need = (k: string): string => {
    const s = v[k];
    if (!s) throw new UsageError(`--${k} is required`);
    return s;
  };
  const flag = v.provenance ?? 'imported';
  const provenance = PROVENANCE_FLAGS[flag];
  if (provenance === undefined) throw new UsageError(`--provenance must be painted, accepted or imported, got "${flag}"`);
  return { data: need('data'), labels: need('labels'), out: need('out'), classes: v.classes ?? null, provenance };
}

function inputFile(path: string, root: string): InputFile {
  return {
    path: relative(root, path).split('\\').join('/'),
    name: basename(path),
    size: statSync(path).size,
    read: async () => new Uint8Array(readFileSync(path)),
  };
}

function filesUnder(dir: string): InputFile[] {
  const root = dirname(resolve(dir));
  const out: InputFile[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = resolve(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(inputFile(p, root));
    }
  };
  walk(resolve(dir));
  return out;
}

/**
 * Class names (and colours) from a classes file: Pseudolab's sidecar ({labels: {"1": {name, color}}}), an MSD
 * dataset.json ({labels: {"1": "name"}}) or an nnU-Net one ({labels: {"name": 1}}). Background is left out.
 */
export function classesFromFile(text: string, file: string): ClassDef[] {
  let json: { labels?: Record<string, unknown> };
  try {
    json = JSON.parse(text) as typeof json;
  } catch (e) {
    throw new Error(`${file}: is not JSON (${(e as Error).message})`);
  }
  if (!json.labels || typeof json.labels !== 'object') throw new Error(`${file}: has no "labels" object`);
  const classes: ClassDef[] = [];
  for (const [key, entry] of Object.entries(json.labels)) {
    if (typeof entry === 'number') {
      if (entry > 0 && entry < 256 && key !== 'ignore') classes.push(makeClass(entry, key));
    } else if (/^\d+$/.test(key) && Number(key) > 0 && Number(key) < 256) {
      const c = makeClass(Number(key), typeof entry === 'string' ? entry : String((entry as { name?: unknown }).name ?? `Class ${key}`));
      const color = (entry as { color?: unknown }).color;
      if (Array.isArray(color) && color.length === 3 && color.every((x) => Number.isInteger(x) && x >= 0 && x <= 255))
        c.color = color as [number, number, number];
      classes.push(c);
    }
  }
  return classes;
}

/** `pseudolab export --format seg`: one series and its label map → one DICOM SEG file. */
export async function runSegExport(args: SegExportArgs, log: (line: string) => void = console.log): Promise<void> {
  const opened = await openInputs(filesUnder(args.data));
  for (const p of opened.problems) if (p.severity === 'error') throw new Error(`${args.data}: ${p.message}`);
  const series = opened.volumes.filter((v) => v.source.format === 'dicom');
  if (series.length !== 1) throw new Error(`${args.data}: holds ${series.length} DICOM series; point --data at the folder of one series`);
  const volume = series[0]!;
  const { values, warnings } = await importLabelFile(inputFile(resolve(args.labels), dirname(resolve(args.labels))), volume);
  for (const w of warnings) log(`warning: ${w}`);
  const labels = createLabelMap(volume.geometry.dims, values);
  const per = volume.geometry.dims[0] * volume.geometry.dims[1];
  // The label map says nothing about which slices a person looked at; the slices it covers carry the provenance.
  for (let k = 0; k < volume.geometry.dims[2]; k++) if (values.subarray(k * per, (k + 1) * per).some((x) => x !== 0)) labels.slices[2][k] = args.provenance;
  const classes = args.classes ? classesFromFile(readFileSync(args.classes, 'utf8'), args.classes) : [];
  const bytes = writeDicomSeg({ volume, labels, classes }, { seriesDescription: `Pseudolab labels of ${volume.name}`.slice(0, 64) });
  writeFileSync(args.out, bytes);
  const source = volume.source.format === 'dicom' ? volume.source.seriesInstanceUID : '';
  log(`wrote ${args.out}: a DICOM SEG of series ${source} (${volume.name}, ${volume.geometry.dims.join('×')})`);
}

/** The seg branch of `pseudolab export`: help or run. */
export async function segExportCommand(argv: string[]): Promise<void> {
  const args = parseSegExportArgs(argv);
  if (!args) console.log(SEG_EXPORT_USAGE);
  else await runSegExport(args);
}

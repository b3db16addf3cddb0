import type { Mat4, Vec3, VolumeGeometry } from '../../volume/geometry.ts';
import { caseNames } from './buildNnunetDataset.ts';

/** An open volume as the matcher sees it. */
export interface OpenVolumeRef {
  id: string;
  name: string;
  geometry: VolumeGeometry;
}

export type PredictionMatch = { ok: true; volumeId: string; by: 'name' | 'geometry' } | { ok: false; message: string };

/**
 * How far (mm, per matrix element) a prediction's grid may sit from its volume's. nnU-Net writes through ITK,
 * whose float32 header fields round a 100 mm origin to about 1e-5 mm; anything beyond a hundredth of a millimetre
 * is a different grid, not rounding.
 */
export const GRID_TOLERANCE_MM = 0.01;

/** File name → case name: nnU-Net's `case.nii.gz`, and our own exports' `case_pred` / `case_labels`. */
export function predictionCaseName(fileName: string): string {
  const stem = fileName.replace(/^.*[\\/]/, '').replace(/\.(nii\.gz|nii|dcm)$/i, '');
  return stem.replace(/_(pred|labels|seg)$/i, '');
}

const dimsText = (d: readonly number[]): string => d.join('×');

function largestDifference(a: Mat4, b: Mat4): number {
  let worst = 0;
  for (let n = 0; n < 12; n++) worst = Math.max(worst, Math.abs(a[n]! - b[n]!));
  return worst;
}

function gridProblem(dims: Vec3, ijkToLps: Mat4, v: OpenVolumeRef): string | null {
  if (dims.some((d, n) => d !== v.geometry.dims[n])) return `is ${dimsText(dims)} voxels, ${v.name} is ${dimsText(v.geometry.dims)}`;
  const off = largestDifference(ijkToLps, v.geometry.ijkToLps);
  if (off > GRID_TOLERANCE_MM)
    return `has ${v.name}'s size but its voxel-to-world matrix differs by up to ${off.toPrecision(3)} mm (resampled, or another series)`;
  return null;
}

/**
 * Which open volume a prediction file belongs to. By case name first — the names the nnU-Net export gave the
 * volumes, or their own file names — and the grid must then agree, since a prediction placed voxel by voxel on
 * another grid would mislead the review. A file whose name matches nothing is placed by its grid when exactly one
 * open volume shares it. Every refusal is a sentence saying what to do.
 */
export function matchPrediction(fileName: string, dims: Vec3, ijkToLps: Mat4, volumes: readonly OpenVolumeRef[]): PredictionMatch {
  const wanted = predictionCaseName(fileName).toLowerCase();
  const exported = caseNames(volumes.map((v) => v.name));
  const byName = volumes.find((v, n) => exported[n]!.toLowerCase() === wanted || predictionCaseName(v.name).toLowerCase() === wanted);
  if (byName) {
    const problem = gridProblem(dims, ijkToLps, byName);
    if (problem)
      return {
        ok: false,
        message: `is named after ${byName.name} but ${problem}; it was not imported. Predict on the exported image itself, without resampling.`,
      };
    return { ok: true, volumeId: byName.id, by: 'name' };
  }
  const sameGrid = volumes.filter((v) => gridProblem(dims, ijkToLps, v) === null);
  if (sameGrid.length === 1) return { ok: true, volumeId: sameGrid[0]!.id, by: 'geometry' };
  const open = volumes.length ? `open volumes: ${exported.slice(0, 5).join(', ')}${volumes.length > 5 ? ', …' : ''}` : 'no volume is open';
  if (sameGrid.length > 1) {
    return {
      ok: false,
      message: `names no open volume (${open}), and ${sameGrid.length} of them share its grid; rename it after its case (e.g. ${exported[volumes.indexOf(sameGrid[0]!)]}.nii.gz).`,
    };
  }
  return { ok: false, message: `names no open volume (${open}) and no open volume has its grid (${dimsText(dims)} voxels); open its image first.` };
}

/**
 * nnU-Net's label values → our class values. A prediction folder carries the dataset.json it was trained with;
 * when that came from our export its `pseudolab.classValues` undoes the renumbering, otherwise labels are matched
 * to classes by name. Without a dataset.json the values are taken as class values.
 */
export function predictionValueMap(
  datasetJson: unknown,
  classes: readonly { value: number; name: string }[],
): { map: Uint8Array; unnamed: { value: number; name: string }[] } {
  const map = Uint8Array.from({ length: 256 }, (_, n) => n);
  const unnamed: { value: number; name: string }[] = [];
  if (!datasetJson || typeof datasetJson !== 'object') return { map, unnamed };
  const ds = datasetJson as { labels?: Record<string, unknown>; pseudolab?: { classValues?: unknown } };
  const ours = ds.pseudolab?.classValues;
  if (Array.isArray(ours) && ours.every((v) => Number.isInteger(v) && v >= 0 && v < 256)) {
    ours.forEach((v: number, n) => (map[n] = v));
    return { map, unnamed };
  }
  if (!ds.labels || typeof ds.labels !== 'object') return { map, unnamed };
  const byName = new Map(classes.map((c) => [c.name.toLowerCase(), c.value]));
  const used = new Set(classes.map((c) => c.value));
  for (const [name, raw] of Object.entries(ds.labels)) {
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0 || value > 255 || name === 'ignore') continue;
    const known = byName.get(name.toLowerCase());
    if (known !== undefined) {
      map[value] = known;
      continue;
    }
    // A class the workspace lacks: the first free value, named as nnU-Net named it.
    let free = 1;
    while (used.has(free)) free++;
    if (free > 255) break;
    used.add(free);
    map[value] = free;
    unnamed.push({ value: free, name });
  }
  return { map, unnamed };
}

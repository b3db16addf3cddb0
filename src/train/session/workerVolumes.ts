import type { LabelMap } from '../../volume/labels.ts';
import type { Volume } from '../../volume/Volume.ts';
import type { WorkerVolume } from '../protocol.ts';

/** A volume as the worker received it, as the data layer reads volumes (axis-aligned: the worker needs no more). */
export function asVolume(w: WorkerVolume): Volume {
  return {
    id: w.id,
    name: w.id,
    geometry: { dims: w.dims, spacing: w.spacing, ijkToLps: [w.spacing[0], 0, 0, 0, 0, w.spacing[1], 0, 0, 0, 0, w.spacing[2], 0, 0, 0, 0, 1] },
    channels: w.channels,
    voxels: w.voxels,
    source: { format: 'image', fileName: w.id, mimeType: '' },
  };
}

export function asLabelMap(w: Pick<WorkerVolume, 'dims' | 'labels' | 'slices'>): LabelMap {
  return { dims: w.dims, voxels: w.labels, slices: w.slices };
}

/** Class indices (0 background, n for the n-th class) back to the class values the app paints. */
export function classValuesOf(indices: Uint8Array, classValues: readonly number[]): Uint8Array {
  const table = Uint8Array.from([0, ...classValues]);
  const out = new Uint8Array(indices.length);
  for (let n = 0; n < indices.length; n++) out[n] = table[indices[n]!] ?? 0;
  return out;
}

/** Writes k-slices `ks`, given one after another in `values`, into a whole volume's labels. */
export function writeKSlices(labels: Uint8Array, perSlice: number, ks: readonly number[], values: Uint8Array): void {
  if (values.length !== ks.length * perSlice)
    throw new Error(`${ks.length} slices of ${perSlice} voxels need ${ks.length * perSlice} values, got ${values.length}`);
  ks.forEach((k, n) => labels.set(values.subarray(n * perSlice, (n + 1) * perSlice), k * perSlice));
}

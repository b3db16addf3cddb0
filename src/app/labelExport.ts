import { strToU8, zipSync } from 'fflate';
import { writeLabelSidecar, writeNiftiLabels } from '../io/nifti/writeNiftiLabels.ts';
import type { VolumeEntry } from '../store/types.ts';
import type { ClassDef } from '../volume/classes.ts';

export interface ExportFile {
  name: string;
  bytes: Uint8Array;
}

/** "hippocampus_001.nii.gz" → "hippocampus_001"; series descriptions become safe file names. */
export function baseName(volumeName: string): string {
  const stripped = volumeName.replace(/\.(nii\.gz|nii|dcm|png|jpe?g|gz)$/i, '');
  const safe = stripped.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '');
  return safe || 'volume';
}

function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const count = seen.get(n) ?? 0;
    seen.set(n, count + 1);
    return count === 0 ? n : `${n}_${count + 1}`;
  });
}

/**
 * The label files for some volumes: one NIfTI per volume with its source geometry, and the class sidecar.
 * Committed labels only, never half a stroke.
 */
export function labelFiles(entries: VolumeEntry[]): ExportFile[] {
  const names = uniqueNames(entries.map((e) => baseName(e.volume.name)));
  return entries.map((e, n) => ({ name: `${names[n]}_labels.nii.gz`, bytes: writeNiftiLabels(e.committed, e.volume) }));
}

export function sidecarFile(name: string, classes: ClassDef[]): ExportFile {
  return { name, bytes: strToU8(writeLabelSidecar(classes)) };
}

/**
 * All volumes in one archive, so the browser asks once and the folder arrives whole. Yields between volumes
 * and reports progress: a large dataset takes seconds to compress.
 */
export async function zipExport(entries: VolumeEntry[], classes: ClassDef[], onProgress?: (done: number, total: number) => void): Promise<Uint8Array> {
  const tree: Record<string, Uint8Array> = {};
  const names = uniqueNames(entries.map((e) => baseName(e.volume.name)));
  for (let n = 0; n < entries.length; n++) {
    const e = entries[n]!;
    tree[`labels/${names[n]}_labels.nii.gz`] = writeNiftiLabels(e.committed, e.volume);
    onProgress?.(n + 1, entries.length);
    await new Promise((r) => setTimeout(r, 0));
  }
  tree['labels/classes.json'] = sidecarFile('classes.json', classes).bytes;
  // The label files are gzip already; storing them avoids compressing twice.
  return zipSync(tree, { level: 0 });
}

import { deflateSync, inflateSync } from 'fflate';
import type { ClassDef } from '../volume/classes.ts';
import type { LabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import type { ToolSettings, ViewState } from '../store/types.ts';

/** Bumped when a stored shape changes incompatibly; older workspaces are then migrated or refused with a message. */
export const SCHEMA_VERSION = 1;

/** Everything small about the workspace: one record, rewritten on each save. */
export interface WorkspaceRecord {
  schema: number;
  savedAt: number;
  volumeOrder: string[];
  activeVolumeId: string | null;
  classes: ClassDef[];
  activeClassValue: number | null;
  tools: ToolSettings;
  views: Record<string, ViewState | null>;
  labelSources: Record<string, string | null>;
  /** Validation k-slices per volume (absent in workspaces saved before they existed). */
  validation?: Record<string, number[]>;
  /**
   * Each volume's image description, '' for none. Kept here rather than in the volume record, which is written
   * once, so an edit is saved with the next small write. Absent in workspaces saved before descriptions could
   * be edited: the description stored with the volume then stands.
   */
  descriptions?: Record<string, string>;
}

/** Typed-array kinds a volume's voxels come in (Volume's VoxelData), by constructor name. */
export type VoxelTypeName = 'Uint8Array' | 'Int16Array' | 'Uint16Array' | 'Float32Array';

/**
 * Where a volume's voxels are when they are stored in chunks: `count` records of `chunkBytes` bytes (the last
 * shorter) in the voxelChunks store, keyed [volume id, chunk index]. A 300 MB CT in one record would be one
 * structured clone of 300 MB on the main thread (a frozen page) and would need that much more memory to write.
 */
export interface ChunkLayout {
  count: number;
  chunkBytes: number;
  byteLength: number;
}

/**
 * A volume's voxels are written once when it is opened. Demo volumes store no voxels: they regenerate from
 * their seed, which keeps a first-time user's storage tiny. Since format 2 the voxels are in chunks
 * (`voxelChunks`, `voxels` null); records of format 1 hold them inline and are still read.
 */
export interface VolumeRecord {
  id: string;
  volume: Omit<Volume, 'voxels'> & { voxels: Volume['voxels'] | null };
  voxelChunks?: ChunkLayout & { type: VoxelTypeName };
}

/**
 * Labels are mostly zeros, so deflate shrinks them a hundredfold and makes frequent saves cheap. Since format 2
 * they are deflated per chunk (`chunks`, in the labelChunks store) and a save rewrites only the chunks whose
 * contents changed, found by the hashes kept here; format 1 held one `voxelsDeflated` for the whole volume.
 */
export interface LabelsRecord {
  id: string;
  version: number;
  dims: [number, number, number];
  voxelsDeflated?: Uint8Array;
  chunks?: ChunkLayout & { hashes: Uint32Array };
  slices: [Uint8Array, Uint8Array, Uint8Array];
}

/**
 * Chunk sizes. Voxel chunks: 8 MiB is a few milliseconds of structured clone per write (the page keeps
 * drawing between chunks) and 38 records for a 512×512×600 CT. Label chunks: 4 MiB (16 slices of 512×512)
 * deflate in a few milliseconds, so a stroke rewrites one or two of them.
 */
export const VOXEL_CHUNK_BYTES = 8 * 1024 * 1024;
export const LABEL_CHUNK_BYTES = 4 * 1024 * 1024;

export function chunkLayout(byteLength: number, chunkBytes: number): ChunkLayout {
  return { count: Math.max(1, Math.ceil(byteLength / chunkBytes)), chunkBytes, byteLength };
}

/** Bytes of chunk `index` as a view (no copy). */
export function chunkView(bytes: Uint8Array, layout: ChunkLayout, index: number): Uint8Array {
  const start = index * layout.chunkBytes;
  return bytes.subarray(start, Math.min(layout.byteLength, start + layout.chunkBytes));
}

export function voxelBytes(voxels: Volume['voxels']): Uint8Array {
  return new Uint8Array(voxels.buffer, voxels.byteOffset, voxels.byteLength);
}

export function voxelTypeName(voxels: Volume['voxels']): VoxelTypeName {
  if (voxels instanceof Int16Array) return 'Int16Array';
  if (voxels instanceof Uint16Array) return 'Uint16Array';
  if (voxels instanceof Float32Array) return 'Float32Array';
  return 'Uint8Array';
}

export function allocateVoxels(type: VoxelTypeName, byteLength: number): Volume['voxels'] {
  const buffer = new ArrayBuffer(byteLength);
  switch (type) {
    case 'Int16Array':
      return new Int16Array(buffer);
    case 'Uint16Array':
      return new Uint16Array(buffer);
    case 'Float32Array':
      return new Float32Array(buffer);
    default:
      return new Uint8Array(buffer);
  }
}

/** The record for a volume whose voxels go to chunks (or nowhere, for a demo volume). */
export function toVolumeRecord(volume: Volume): VolumeRecord {
  const { voxels, ...rest } = volume;
  if (volume.source.format === 'demo') return { id: volume.id, volume: { ...rest, voxels: null } };
  return {
    id: volume.id,
    volume: { ...rest, voxels: null },
    voxelChunks: { ...chunkLayout(voxels.byteLength, VOXEL_CHUNK_BYTES), type: voxelTypeName(voxels) },
  };
}

/** The format-1 record (voxels inline): what the previous version wrote; kept for back-compat tests. */
export function toInlineVolumeRecord(volume: Volume): VolumeRecord {
  return { id: volume.id, volume: { ...volume, voxels: volume.source.format === 'demo' ? null : volume.voxels } };
}

/** The format-1 labels record (one deflate of the whole volume): what the previous version wrote. */
export function toLabelsRecord(id: string, labels: LabelMap, version: number): LabelsRecord {
  return {
    id,
    version,
    dims: [...labels.dims],
    // Level 1: labels compress almost as well at the fastest level, and saves run while the user paints.
    voxelsDeflated: deflateSync(labels.voxels, { level: 1 }),
    slices: [labels.slices[0].slice(), labels.slices[1].slice(), labels.slices[2].slice()],
  };
}

/** Labels of a format-1 record (one deflate of the whole volume). */
export function fromLabelsRecord(r: LabelsRecord): LabelMap {
  if (!r.voxelsDeflated) throw new Error('stored labels hold neither inline voxels nor chunks');
  const voxels = inflateSync(r.voxelsDeflated);
  const expected = r.dims[0] * r.dims[1] * r.dims[2];
  if (voxels.length !== expected) throw new Error(`stored labels have ${voxels.length} voxels, expected ${expected}`);
  return { dims: [...r.dims], voxels, slices: [r.slices[0], r.slices[1], r.slices[2]] };
}

/**
 * Two independent 32-bit multiplicative hashes of a chunk (64 bits in all), to tell which label chunks changed
 * since the last save without keeping a second copy of the labels. Reads four bytes at a time where the view
 * is aligned; about 40 ms per 150 MB, spread over chunks with the page drawing in between.
 */
export function hashChunk(bytes: Uint8Array, out: Uint32Array, at: number): void {
  let h1 = 0x811c9dc5 ^ bytes.length;
  let h2 = 0x6a09e667 ^ bytes.length;
  const words = bytes.byteOffset % 4 === 0 ? bytes.length >>> 2 : 0;
  if (words) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
    for (let n = 0; n < words; n++) {
      const v = w[n]!;
      h1 = Math.imul(h1 ^ v, 0x01000193);
      h2 = Math.imul((h2 << 5) | (h2 >>> 27), 0x9e3779b1) ^ v;
    }
  }
  for (let n = words * 4; n < bytes.length; n++) {
    const v = bytes[n]!;
    h1 = Math.imul(h1 ^ v, 0x01000193);
    h2 = Math.imul((h2 << 5) | (h2 >>> 27), 0x9e3779b1) ^ v;
  }
  out[at] = h1 >>> 0;
  out[at + 1] = h2 >>> 0;
}

/**
 * One committed edit as stored the moment it commits (`labelDeltas` store, keyed [volume id, seq]): the voxel
 * indices it changed with their committed values at that moment, and the labeled-slice flags after it. Values
 * are absolute, not before/after pairs, so deltas replayed in seq order on top of the chunks reproduce the
 * committed labels whichever chunk state they land on, and replaying one twice changes nothing. A later save
 * of the chunks (compaction) folds them in and deletes them in the same transaction.
 */
export interface LabelDeltaRecord {
  id: string;
  seq: number;
  indices: Uint32Array;
  values: Uint8Array;
  slices: [Uint8Array, Uint8Array, Uint8Array];
}

/** The delta for `indices` of the committed labels as they are now. */
export function makeLabelDelta(
  id: string,
  seq: number,
  indices: Uint32Array,
  committed: Uint8Array,
  slices: readonly [Uint8Array, Uint8Array, Uint8Array],
): LabelDeltaRecord {
  const values = new Uint8Array(indices.length);
  for (let m = 0; m < indices.length; m++) values[m] = committed[indices[m]!]!;
  return { id, seq, indices: indices.slice(), values, slices: [slices[0].slice(), slices[1].slice(), slices[2].slice()] };
}

/** Replays a stored delta onto restored labels; a delta that does not fit the labels is an error, not a guess. */
export function applyLabelDelta(labels: LabelMap, delta: LabelDeltaRecord): void {
  const n = labels.voxels.length;
  if (delta.indices.length !== delta.values.length)
    throw new Error(`edit ${delta.seq} holds ${delta.indices.length} indices and ${delta.values.length} values`);
  for (let m = 0; m < delta.indices.length; m++) if (delta.indices[m]! >= n) throw new Error(`edit ${delta.seq} writes voxel ${delta.indices[m]} of ${n}`);
  for (let a = 0; a < 3; a++) {
    if (delta.slices[a]!.length !== labels.slices[a as 0 | 1 | 2].length)
      throw new Error(`edit ${delta.seq} has ${delta.slices[a]!.length} slice flags on axis ${a}, expected ${labels.slices[a as 0 | 1 | 2].length}`);
  }
  for (let m = 0; m < delta.indices.length; m++) labels.voxels[delta.indices[m]!] = delta.values[m]!;
  for (let a = 0; a < 3; a++) labels.slices[a as 0 | 1 | 2].set(delta.slices[a]!);
}

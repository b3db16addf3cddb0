import { linearIndex, voxelCount, type Vec3, type VoxelAxis } from './geometry.ts';

/**
 * How a slice came to be labeled. Kept per slice so training can weigh sources differently later and an
 * nnU-Net export can mark the unlabeled slices `ignore`.
 */
export const SliceProvenance = {
  Unlabeled: 0,
  Painted: 1,
  AcceptedPseudoLabel: 2,
  Imported: 3,
} as const;
export type SliceProvenance = (typeof SliceProvenance)[keyof typeof SliceProvenance];

export const PROVENANCE_NAMES: Record<SliceProvenance, string> = {
  0: 'unlabeled',
  1: 'painted',
  2: 'accepted pseudo-label',
  3: 'imported',
};

/**
 * Labels of one volume. `voxels` holds class values (0 = background). A voxel carries ground truth only when
 * it lies in a labeled slice of some axis: painting one axial slice says "this slice is done", and its
 * unpainted voxels are background; voxels in unlabeled slices say nothing.
 */
export interface LabelMap {
  dims: Vec3;
  voxels: Uint8Array;
  /** Provenance per slice along voxel axes i, j, k (lengths dims[0], dims[1], dims[2]). */
  slices: [Uint8Array, Uint8Array, Uint8Array];
}

export function createLabelMap(dims: Vec3, voxels?: Uint8Array): LabelMap {
  const n = voxelCount(dims);
  if (voxels && voxels.length !== n) {
    throw new Error(`label buffer has ${voxels.length} voxels, volume has ${n}`);
  }
  return {
    dims: [...dims],
    voxels: voxels ?? new Uint8Array(n),
    slices: [new Uint8Array(dims[0]), new Uint8Array(dims[1]), new Uint8Array(dims[2])],
  };
}

export function cloneLabelMap(l: LabelMap): LabelMap {
  return {
    dims: [...l.dims],
    voxels: l.voxels.slice(),
    slices: [l.slices[0].slice(), l.slices[1].slice(), l.slices[2].slice()],
  };
}

/** Marks every slice of every axis: a label file that covers the whole volume. */
export function markAllSlices(l: LabelMap, provenance: SliceProvenance): void {
  for (const s of l.slices) s.fill(provenance);
}

/** Which voxels carry ground truth: the union of labeled slices over the three axes. */
export function labeledVoxelMask(l: LabelMap): Uint8Array {
  const [ni, nj, nk] = l.dims;
  const mask = new Uint8Array(ni * nj * nk);
  const [si, sj, sk] = l.slices;
  for (let k = 0; k < nk; k++) {
    const kOn = sk[k] !== 0;
    for (let j = 0; j < nj; j++) {
      const jOn = kOn || sj[j] !== 0;
      const row = ni * (j + nj * k);
      for (let i = 0; i < ni; i++) {
        if (jOn || si[i] !== 0) mask[row + i] = 1;
      }
    }
  }
  return mask;
}

export function countLabeledSlices(l: LabelMap, axis: VoxelAxis): number {
  let n = 0;
  for (const p of l.slices[axis]) if (p !== 0) n++;
  return n;
}

/** Labeling progress: the axis with most labeled slices (users label along one axis), as labeled/total. */
export function labelingProgress(l: LabelMap): { axis: VoxelAxis; labeled: number; total: number } {
  let best: VoxelAxis = 2;
  let bestCount = -1;
  for (const axis of [2, 0, 1] as const) {
    const c = countLabeledSlices(l, axis);
    if (c > bestCount) {
      bestCount = c;
      best = axis;
    }
  }
  return { axis: best, labeled: bestCount, total: l.dims[best] };
}

/** One reversible change to a label map: changed voxels and changed slice flags, before and after. */
export interface LabelEdit {
  indices: Uint32Array;
  before: Uint8Array;
  after: Uint8Array;
  sliceChanges: SliceChange[];
}

export interface SliceChange {
  axis: VoxelAxis;
  index: number;
  before: SliceProvenance;
  after: SliceProvenance;
}

export function isEmptyEdit(e: LabelEdit): boolean {
  return e.indices.length === 0 && e.sliceChanges.length === 0;
}

/**
 * Voxels where `current` differs from `committed`. The viewer's brushes write straight into the live buffer;
 * diffing against the last committed copy turns any tool's stroke into one undoable edit.
 */
export function diffVoxels(committed: Uint8Array, current: Uint8Array): Pick<LabelEdit, 'indices' | 'before' | 'after'> {
  if (committed.length !== current.length) throw new Error('diffVoxels: buffers differ in length');
  let count = 0;
  for (let n = 0; n < current.length; n++) if (committed[n] !== current[n]) count++;
  const indices = new Uint32Array(count);
  const before = new Uint8Array(count);
  const after = new Uint8Array(count);
  let m = 0;
  for (let n = 0; n < current.length; n++) {
    if (committed[n] !== current[n]) {
      indices[m] = n;
      before[m] = committed[n] as number;
      after[m] = current[n] as number;
      m++;
    }
  }
  return { indices, before, after };
}

/** Slice indices along `axis` touched by a set of linear voxel indices. */
export function slicesTouched(dims: Vec3, indices: Uint32Array, axis: VoxelAxis): number[] {
  const seen = new Set<number>();
  const [ni, nj] = dims;
  for (const n of indices) {
    const s = axis === 0 ? n % ni : axis === 1 ? Math.floor(n / ni) % nj : Math.floor(n / (ni * nj));
    seen.add(s);
  }
  return [...seen].sort((a, b) => a - b);
}

/** Applies an edit forward (redo) or backward (undo) to voxels and slice flags. */
export function applyEdit(l: LabelMap, e: LabelEdit, direction: 'forward' | 'backward'): void {
  const values = direction === 'forward' ? e.after : e.before;
  for (let m = 0; m < e.indices.length; m++) l.voxels[e.indices[m] as number] = values[m] as number;
  const changes = direction === 'forward' ? e.sliceChanges : [...e.sliceChanges].reverse();
  for (const c of changes) l.slices[c.axis][c.index] = direction === 'forward' ? c.after : c.before;
}

/** Slice-flag changes that mark `indices` along `axis` as `provenance`, skipping slices already so. */
export function markSlicesChanges(l: LabelMap, axis: VoxelAxis, indices: number[], provenance: SliceProvenance): SliceChange[] {
  const changes: SliceChange[] = [];
  for (const index of indices) {
    const before = l.slices[axis][index] as SliceProvenance;
    if (before !== provenance) changes.push({ axis, index, before, after: provenance });
  }
  return changes;
}

/** Voxel count of a slice along an axis, for building full-slice edits. */
export function sliceVoxelIndices(dims: Vec3, axis: VoxelAxis, index: number): Uint32Array {
  const [ni, nj, nk] = dims;
  const out = new Uint32Array(axis === 0 ? nj * nk : axis === 1 ? ni * nk : ni * nj);
  let m = 0;
  if (axis === 2) {
    for (let j = 0; j < nj; j++) for (let i = 0; i < ni; i++) out[m++] = linearIndex(dims, i, j, index);
  } else if (axis === 1) {
    for (let k = 0; k < nk; k++) for (let i = 0; i < ni; i++) out[m++] = linearIndex(dims, i, index, k);
  } else {
    for (let k = 0; k < nk; k++) for (let j = 0; j < nj; j++) out[m++] = linearIndex(dims, index, j, k);
  }
  return out;
}

/** Bytes an edit holds, to cap undo memory. */
export function editBytes(e: LabelEdit): number {
  return e.indices.byteLength + e.before.byteLength + e.after.byteLength + e.sliceChanges.length * 16;
}

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
 * An inclusive box of voxel indices, [min, max] per axis: where a tool may have written since the last commit.
 * Diffing only the box keeps a stroke's commit proportional to the stroke, not to the volume.
 */
export interface VoxelBox {
  min: Vec3;
  max: Vec3;
}

/** Grows a list of changed voxels without knowing the count first, so each voxel is compared once. */
class DiffCollector {
  indices = new Uint32Array(1024);
  before = new Uint8Array(1024);
  after = new Uint8Array(1024);
  count = 0;

  push(n: number, was: number, now: number): void {
    if (this.count === this.indices.length) {
      const grow = <T extends Uint32Array | Uint8Array>(a: T, make: (len: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.indices = grow(this.indices, (l) => new Uint32Array(l));
      this.before = grow(this.before, (l) => new Uint8Array(l));
      this.after = grow(this.after, (l) => new Uint8Array(l));
    }
    this.indices[this.count] = n;
    this.before[this.count] = was;
    this.after[this.count] = now;
    this.count++;
  }

  /** Voxels in [start, end) that differ. Equal stretches are skipped four bytes at a time where both align. */
  scan(committed: Uint8Array, current: Uint8Array, start: number, end: number): void {
    let n = start;
    const sameAlignment = (committed.byteOffset & 3) === (current.byteOffset & 3);
    if (sameAlignment && end - start >= 16) {
      while (n < end && ((committed.byteOffset + n) & 3) !== 0) this.compare(committed, current, n++);
      const words = (end - n) >> 2;
      const a = new Uint32Array(committed.buffer, committed.byteOffset + n, words);
      const b = new Uint32Array(current.buffer, current.byteOffset + n, words);
      for (let w = 0; w < words; w++) {
        if (a[w] !== b[w]) {
          const base = n + (w << 2);
          for (let d = 0; d < 4; d++) this.compare(committed, current, base + d);
        }
      }
      n += words << 2;
    }
    while (n < end) this.compare(committed, current, n++);
  }

  private compare(committed: Uint8Array, current: Uint8Array, n: number): void {
    const was = committed[n] as number;
    const now = current[n] as number;
    if (was !== now) this.push(n, was, now);
  }

  result(): Pick<LabelEdit, 'indices' | 'before' | 'after'> {
    return { indices: this.indices.slice(0, this.count), before: this.before.slice(0, this.count), after: this.after.slice(0, this.count) };
  }
}

/**
 * Voxels where `current` differs from `committed`. The viewer's brushes write straight into the live buffer;
 * diffing against the last committed copy turns any tool's stroke into one undoable edit.
 */
export function diffVoxels(committed: Uint8Array, current: Uint8Array): Pick<LabelEdit, 'indices' | 'before' | 'after'> {
  if (committed.length !== current.length) throw new Error('diffVoxels: buffers differ in length');
  const c = new DiffCollector();
  c.scan(committed, current, 0, current.length);
  return c.result();
}

/**
 * `diffVoxels` restricted to a box: the same edit whenever every difference lies inside it, in the same
 * (ascending linear) order, at a cost of the box's size. The box is clipped to the volume.
 */
export function diffVoxelsInBox(committed: Uint8Array, current: Uint8Array, dims: Vec3, box: VoxelBox): Pick<LabelEdit, 'indices' | 'before' | 'after'> {
  if (committed.length !== current.length) throw new Error('diffVoxelsInBox: buffers differ in length');
  if (current.length !== voxelCount(dims)) throw new Error('diffVoxelsInBox: buffer and dims disagree');
  const [ni, nj] = dims;
  const lo = box.min.map((v) => Math.max(0, Math.floor(v))) as Vec3;
  const hi = box.max.map((v, a) => Math.min(dims[a]! - 1, Math.ceil(v))) as Vec3;
  const c = new DiffCollector();
  if (lo[0] > hi[0] || lo[1] > hi[1] || lo[2] > hi[2]) return c.result();
  const wholeRows = lo[0] === 0 && hi[0] === ni - 1;
  for (let k = lo[2]; k <= hi[2]; k++) {
    if (wholeRows) {
      // Rows span the whole width: the box's part of this k-slice is one contiguous run.
      c.scan(committed, current, ni * (lo[1] + nj * k), ni * (hi[1] + 1 + nj * k));
      continue;
    }
    for (let j = lo[1]; j <= hi[1]; j++) {
      const row = ni * (j + nj * k);
      c.scan(committed, current, row + lo[0], row + hi[0] + 1);
    }
  }
  return c.result();
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

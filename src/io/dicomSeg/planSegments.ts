import { makeClass, type ClassDef } from '../../volume/classes.ts';
import { SliceProvenance, type LabelMap } from '../../volume/labels.ts';
import { algorithmTypeOf, PROVENANCE_PRIORITY, type SegmentAlgorithmType } from './segmentAlgorithm.ts';

export interface PlannedSegment {
  /** 1-based Segment Number. */
  number: number;
  classValue: number;
  name: string;
  color: [number, number, number];
  algorithmType: SegmentAlgorithmType;
}

export interface PlannedFrame {
  segmentNumber: number;
  /** The source slice (k index) the frame lies on. */
  k: number;
  /** One byte per pixel, 1 inside the segment, rows of `columns` pixels. */
  mask: Uint8Array;
}

/**
 * The provenance a k-slice's voxels carry. The slice's own flag decides; a k-slice painted only through
 * sagittal or coronal strokes takes the strongest provenance among the i/j slices its non-zero voxels lie in.
 */
function sliceProvenance(labels: LabelMap, k: number): SliceProvenance {
  const own = labels.slices[2][k] as SliceProvenance;
  if (own !== SliceProvenance.Unlabeled) return own;
  const [ni, nj] = labels.dims;
  const found = new Set<number>();
  for (let j = 0; j < nj; j++) {
    const row = ni * (j + nj * k);
    for (let i = 0; i < ni; i++) {
      if (labels.voxels[row + i] === 0) continue;
      found.add(labels.slices[0][i]!);
      found.add(labels.slices[1][j]!);
    }
  }
  return PROVENANCE_PRIORITY.find((p) => found.has(p)) ?? SliceProvenance.Painted;
}

/**
 * Segments and frames of a DICOM SEG for a label map. One segment per class and algorithm type present: a class
 * painted on some slices and accepted from pseudo-labels on others becomes two segments with the same label
 * (MANUAL and SEMIAUTOMATIC), so each frame keeps its provenance; a reader merges segments by label. Frames only
 * where a segment has voxels, ordered by segment then slice (the dimension order written).
 */
export function planSegments(labels: LabelMap, classes: readonly ClassDef[]): { segments: PlannedSegment[]; frames: PlannedFrame[] } {
  const [ni, nj, nk] = labels.dims;
  const per = ni * nj;
  // Which classes each slice holds, and the slice's provenance.
  const byKey = new Map<string, { classValue: number; type: SegmentAlgorithmType; ks: number[] }>();
  for (let k = 0; k < nk; k++) {
    const present = new Set<number>();
    const slice = labels.voxels.subarray(k * per, (k + 1) * per);
    for (let p = 0; p < per; p++) if (slice[p] !== 0) present.add(slice[p]!);
    if (present.size === 0) continue;
    const type = algorithmTypeOf(sliceProvenance(labels, k));
    for (const value of present) {
      const key = `${value}|${type}`;
      const entry = byKey.get(key) ?? { classValue: value, type, ks: [] };
      entry.ks.push(k);
      byKey.set(key, entry);
    }
  }
  const typeOrder: SegmentAlgorithmType[] = ['MANUAL', 'SEMIAUTOMATIC', 'AUTOMATIC'];
  const ordered = [...byKey.values()].sort((a, b) => a.classValue - b.classValue || typeOrder.indexOf(a.type) - typeOrder.indexOf(b.type));
  const segments: PlannedSegment[] = [];
  const frames: PlannedFrame[] = [];
  ordered.forEach((entry, n) => {
    const def = classes.find((c) => c.value === entry.classValue) ?? makeClass(entry.classValue);
    const number = n + 1;
    segments.push({ number, classValue: entry.classValue, name: def.name, color: def.color, algorithmType: entry.type });
    for (const k of entry.ks) {
      const slice = labels.voxels.subarray(k * per, (k + 1) * per);
      const mask = new Uint8Array(per);
      for (let p = 0; p < per; p++) if (slice[p] === entry.classValue) mask[p] = 1;
      frames.push({ segmentNumber: number, k, mask });
    }
  });
  return { segments, frames };
}

import type { Vec3 } from '../volume/geometry.ts';

interface Region {
  count: number;
  centroid: Vec3;
  /** Half the bounding box, in mm, per axis. */
  halfSize: Vec3;
}

/** Where a lesion's centre sits relative to the liver's, as a fraction of the liver's half size, above which it is named. */
const NAMED_OFFSET = 0.15;

/**
 * A one- or two-sentence description of a demo volume in the style of MoNuSeg's text ("The lesion lies in the
 * lower left of the organ."), read off the ground truth itself so it always matches what is drawn. Directions
 * are the patient's (LPS: i → left, j → back, k → up), as a radiologist would say them.
 */
export function describeDemoVolume(truth: Uint8Array, dims: Vec3, spacing: Vec3): string {
  const [lesion, vessel, liver] = measureClasses(truth, dims, spacing);
  if (!liver) return 'No liver is visible.';
  const sentences: string[] = [];
  if (lesion) {
    const diameter = 2 * Math.cbrt((3 * lesion.count * spacing[0] * spacing[1] * spacing[2]) / (4 * Math.PI));
    sentences.push(`The lesion lies ${whereInLiver(lesion, liver)} and measures about ${Math.round(diameter)} mm.`);
  } else {
    sentences.push('The liver has no lesion.');
  }
  if (vessel) {
    const frontBack = vessel.centroid[1] > liver.centroid[1] ? 'behind' : 'in front of';
    const side = vessel.centroid[0] > liver.centroid[0] ? 'left' : 'right';
    sentences.push(`The vena cava runs ${frontBack} the liver, on its ${side} side.`);
  }
  return sentences.join(' ');
}

function whereInLiver(lesion: Region, liver: Region): string {
  const offset = (a: 0 | 1 | 2): number => (lesion.centroid[a] - liver.centroid[a]) / Math.max(liver.halfSize[a], 1e-6);
  // Radiological order of words: up/down, then front/back, then side ("upper back right").
  const named = [
    { order: 0, offset: offset(2), word: offset(2) > 0 ? 'upper' : 'lower' },
    { order: 1, offset: offset(1), word: offset(1) > 0 ? 'back' : 'front' },
    { order: 2, offset: offset(0), word: offset(0) > 0 ? 'left' : 'right' },
  ]
    .filter((d) => Math.abs(d.offset) > NAMED_OFFSET)
    .sort((a, b) => Math.abs(b.offset) - Math.abs(a.offset))
    .slice(0, 2)
    .sort((a, b) => a.order - b.order);
  return named.length === 0 ? 'near the centre of the liver' : `in the ${named.map((d) => d.word).join(' ')} part of the liver`;
}

/**
 * Centroid and bounding box (mm) of the lesion, the vessel and the whole liver, lesion included (a lesion is
 * part of the liver when we say where in the liver it is). One pass over the labels.
 */
function measureClasses(truth: Uint8Array, dims: Vec3, spacing: Vec3): [Region | null, Region | null, Region | null] {
  const [ni, nj, nk] = dims;
  // Accumulators per class value 0..3: count, Σi, Σj, Σk, then min and max of i, j, k.
  const acc = Array.from({ length: 4 }, () => new Float64Array([0, 0, 0, 0, Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity]));
  let n = 0;
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++, n++) {
        const c = truth[n]!;
        if (c === 0 || c > 3) continue;
        const a = acc[c]!;
        a[0]!++;
        a[1]! += i;
        a[2]! += j;
        a[3]! += k;
        if (i < a[4]!) a[4] = i;
        if (j < a[5]!) a[5] = j;
        if (k < a[6]!) a[6] = k;
        if (i > a[7]!) a[7] = i;
        if (j > a[8]!) a[8] = j;
        if (k > a[9]!) a[9] = k;
      }
    }
  }
  const [, liverOnly, lesion, vessel] = acc as [Float64Array, Float64Array, Float64Array, Float64Array];
  const liver = new Float64Array(10);
  for (let m = 0; m < 4; m++) liver[m] = liverOnly[m]! + lesion[m]!;
  for (let m = 4; m < 7; m++) liver[m] = Math.min(liverOnly[m]!, lesion[m]!);
  for (let m = 7; m < 10; m++) liver[m] = Math.max(liverOnly[m]!, lesion[m]!);
  const region = (a: Float64Array): Region | null => {
    const count = a[0]!;
    if (count === 0) return null;
    const centroid = (axis: 0 | 1 | 2): number => (a[1 + axis]! / count) * spacing[axis];
    const halfSize = (axis: 0 | 1 | 2): number => ((a[7 + axis]! - a[4 + axis]! + 1) * spacing[axis]) / 2;
    return { count, centroid: [centroid(0), centroid(1), centroid(2)], halfSize: [halfSize(0), halfSize(1), halfSize(2)] };
  };
  return [region(lesion), region(vessel), region(liver)];
}

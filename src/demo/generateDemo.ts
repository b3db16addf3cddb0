/**
 * The embedded demo: a few small MR-like phantoms, generated from a seed so every machine sees the same data
 * and nothing of anyone's patients ships with the app.
 *
 * Each phantom is an axial slab of the upper abdomen, as on a fat-suppressed T1-weighted gradient echo in the
 * portal venous phase, at about a quarter of adult size (proportions are anatomical, millimetres are not):
 * air, a rim of suppressed fat, muscle and soft tissue, a vertebral body and the spleen as unlabeled
 * background, and three classes a model can learn but not trivially:
 *   1. Liver              — large, smooth, wedge-shaped, right upper abdomen (drawPhantom.ts: drawLiver)
 *   2. Liver lesion       — small, round, dark, inside the liver (drawLesion)
 *   3. Inferior vena cava — thin, bright, curving tube in front of the spine through every slice (drawVessel)
 * Realism that matters for training: partial-volume edges, a smooth multiplicative bias field, Rician noise
 * (renderPhantom.ts), and positions, sizes and shapes that vary per volume.
 *
 * Geometry: axial slices in the standard DICOM orientation, identity directions in LPS — voxel i runs to the
 * patient's left, j to the back, k up (slice 0 is the lowest). 1 × 1 mm in plane and 2 mm between slices by
 * default, like a typical abdominal MR; the centre of the field of view is at LPS DEMO_CENTRE_LPS, not at the
 * origin, so code that ignores the origin shows it.
 */
import { Random } from '../data/random.ts';
import { makeClass, type ClassDef } from '../volume/classes.ts';
import { affineFromParts, type Vec3 } from '../volume/geometry.ts';
import { createLabelMap, SliceProvenance, type LabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { describeDemoVolume } from './describeDemoVolume.ts';
import { drawPhantom } from './drawPhantom.ts';
import type { Phantom } from './phantom.ts';
import { renderPhantom } from './renderPhantom.ts';

export const DEMO_SEED = 20261122;
/** Bump when the phantom changes: saved demo volumes rebuild from their seed only under the same version. */
export const DEMO_GENERATOR_VERSION = 2;
export const DEMO_COUNT = 3;
/** Small enough that a browser trains on three of them in minutes. */
export const DEMO_DIMS: Vec3 = [96, 96, 48];
export const DEMO_SPACING: Vec3 = [1, 1, 2];
/** Patient LPS position (mm) of the centre of the field of view. */
export const DEMO_CENTRE_LPS: Vec3 = [0, 20, 30];
/** Slices the first volume starts with are at least this far apart, so they show two different cuts. */
const MIN_LABELED_SLICE_GAP = 3;

export interface DemoOptions {
  seed?: number;
  count?: number;
  dims?: Vec3;
  spacing?: Vec3;
}

export interface DemoDataset {
  volumes: Volume[];
  /** Class value per voxel, the truth the phantom was drawn from (not shown to the user). */
  groundTruth: Uint8Array[];
  classes: ClassDef[];
  /** What the user starts with: two painted axial slices in volume 1, nothing elsewhere. */
  initialLabels: LabelMap[];
}

/** The classes with their text, which feeds text guidance; it must hold for every volume drawPhantom makes. */
export const DEMO_CLASSES: readonly ClassDef[] = [
  {
    ...makeClass(1, 'Liver'),
    position: 'right upper abdomen, in front of and lateral to the vena cava, reaching toward the midline',
    shape: 'large, smooth, wedge-shaped: thick laterally, thinning toward the midline; uniformly mid-grey',
  },
  {
    ...makeClass(2, 'Liver lesion'),
    position: 'inside the liver, between its centre and its edge',
    shape: 'small, round, well defined; much darker than the liver around it',
  },
  {
    ...makeClass(3, 'Inferior vena cava'),
    position: 'behind the liver near the midline, just in front of and to the right of the spine, in every slice',
    shape: 'thin tube, round in cross-section, curving gently from slice to slice; the brightest structure',
  },
];

/** One demo volume with what it was made from; tests and tools use the tissue map and the phantom. */
export interface DemoVolume {
  volume: Volume;
  truth: Uint8Array;
  tissue: Uint8Array;
  phantom: Phantom;
}

/**
 * Volume `index` of the demo for `seed`. It depends only on (seed, index, dims, spacing), not on how many
 * volumes are generated, so one volume can be regenerated alone.
 */
export function renderDemoVolume(seed: number, index: number, dims: Vec3 = DEMO_DIMS, spacing: Vec3 = DEMO_SPACING): DemoVolume {
  const stream = new Random(seed).fork(`volume-${index}`);
  const phantom = drawPhantom(stream.fork('anatomy'), dims, spacing);
  const { voxels, tissue, truth } = renderPhantom(phantom, dims, spacing, stream.fork('noise'));
  const origin: Vec3 = [0, 1, 2].map((a) => DEMO_CENTRE_LPS[a]! - ((dims[a]! - 1) * spacing[a]!) / 2) as Vec3;
  const volume: Volume = {
    id: `demo-${seed}-${index}`,
    name: `Demo phantom ${index + 1}`,
    geometry: {
      dims: [...dims],
      spacing: [...spacing],
      ijkToLps: affineFromParts(
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        spacing,
        origin,
      ),
    },
    channels: 1,
    voxels,
    source: { format: 'demo', seed, index, generator: DEMO_GENERATOR_VERSION },
    description: describeDemoVolume(truth, dims, spacing),
  };
  return { volume, truth, tissue, phantom };
}

export function generateDemoDataset(options: DemoOptions = {}): DemoDataset {
  const seed = options.seed ?? DEMO_SEED;
  const count = options.count ?? DEMO_COUNT;
  const dims = options.dims ?? DEMO_DIMS;
  const spacing = options.spacing ?? DEMO_SPACING;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`demo: count must be a whole number ≥ 0, got ${count}`);
  if (!dims.every((d) => Number.isInteger(d) && d > 0)) throw new RangeError(`demo: dims must be positive integers, got ${dims.join('×')}`);
  if (!spacing.every((s) => Number.isFinite(s) && s > 0)) throw new RangeError(`demo: spacing must be positive, got ${spacing.join('×')}`);

  const volumes: Volume[] = [];
  const groundTruth: Uint8Array[] = [];
  const initialLabels: LabelMap[] = [];
  for (let index = 0; index < count; index++) {
    const { volume, truth } = renderDemoVolume(seed, index, dims, spacing);
    volumes.push(volume);
    groundTruth.push(truth);
    const labels = createLabelMap(dims);
    // Volume 1 comes with two painted slices so a new user sees the workflow; the rest is theirs to label.
    if (index === 0) {
      const perSlice = dims[0] * dims[1];
      for (const k of chooseLabeledSlices(truth, dims)) {
        labels.voxels.set(truth.subarray(k * perSlice, (k + 1) * perSlice), k * perSlice);
        labels.slices[2][k] = SliceProvenance.Painted;
      }
    }
    initialLabels.push(labels);
  }
  return { volumes, groundTruth, classes: DEMO_CLASSES.map((c) => ({ ...c, color: [...c.color] })), initialLabels };
}

/**
 * Two axial slices (voxel axis k) to start with: the one where the rarest of the three classes is largest,
 * then the best other slice at least MIN_LABELED_SLICE_GAP away that still shows all three (closer if none
 * does). Slices missing a class are used only when no slice has all three (tiny volumes).
 */
function chooseLabeledSlices(truth: Uint8Array, dims: Vec3): number[] {
  const [ni, nj, nk] = dims;
  const perSlice = ni * nj;
  const rarest: number[] = [];
  const present: number[] = [];
  for (let k = 0; k < nk; k++) {
    const counts = [0, 0, 0, 0];
    for (let n = k * perSlice; n < (k + 1) * perSlice; n++) counts[truth[n]!]!++;
    rarest.push(Math.min(counts[1]!, counts[2]!, counts[3]!));
    present.push(counts[1]! + counts[2]! + counts[3]!);
  }
  // Stable sort: ties keep the lower slice, so the choice is deterministic.
  const byRarest = [...rarest.keys()].sort((a, b) => rarest[b]! - rarest[a]! || present[b]! - present[a]!);
  const first = byRarest[0];
  if (first === undefined) return [];
  if (nk === 1) return [first];
  for (const needAll of [true, false]) {
    for (let gap = MIN_LABELED_SLICE_GAP; gap >= 1; gap--) {
      const second = byRarest.find((k) => Math.abs(k - first) >= gap && (!needAll || rarest[k]! > 0));
      if (second !== undefined) return [first, second].sort((a, b) => a - b);
    }
  }
  return [first];
}

/**
 * Seeded CT-like volumes of any size, for tests and benchmarks of large data (a clinician's 512×512×600 CT).
 * Nothing here is anatomy-accurate; what matters is that the data behaves like CT where the app cares:
 * int16 Hounsfield units from −1000 (air) to bone, a body outline, a few organs with their own HU, noise that
 * does not compress away, and a label volume of a few structures that lines up with them.
 *
 * Every k-slice is drawn on its own from the plan and a random stream forked per slice, so a generator can
 * stream slice by slice (constant memory, scripts/make-large-volume.mts) and a test can draw any one slice
 * and get the same values as the whole volume has there.
 *
 * Geometry: identity directions in LPS (i to the patient's left, j to the back, k up), so the k-slices are
 * axial; coordinates below are millimetres from the centre of the field of view.
 */
import { Random } from '../data/random.ts';
import { affineFromParts, type Vec3 } from '../volume/geometry.ts';
import type { Volume } from '../volume/Volume.ts';

/** Label value and HU of each structure; the order is the class order of the label volume. */
export const SYNTHETIC_CT_CLASSES = [
  { value: 1, name: 'Liver', hu: 60 },
  { value: 2, name: 'Kidney', hu: 30 },
  { value: 3, name: 'Spleen', hu: 45 },
] as const;

const HU_AIR = -1000;
const HU_FAT = -100;
const HU_SOFT_TISSUE = 40;
const HU_BONE = 700;
/** Noise SD in HU, about that of a standard-dose abdominal CT. */
const NOISE_HU = 12;

export interface SyntheticCtSpec {
  dims: Vec3;
  /** Millimetres; defaults to a typical abdominal CT, 0.8 mm in plane and 1 mm slices. */
  spacing?: Vec3;
  seed?: number;
}

/** An axis-aligned ellipsoid (centre and radii in mm) filled with one HU and one label value. */
interface Organ {
  centre: Vec3;
  radii: Vec3;
  hu: number;
  label: number;
}

export interface SyntheticCtPlan {
  dims: Vec3;
  spacing: Vec3;
  seed: number;
  /** Body: an elliptic cylinder along k under a rim of fat. */
  body: { radii: [number, number]; fat: number };
  /** Vertebral column: a cylinder of bone behind the organs. */
  spine: { centre: [number, number]; radius: number };
  organs: Organ[];
}

export const DEFAULT_SYNTHETIC_SEED = 600;
const DEFAULT_SPACING: Vec3 = [0.8, 0.8, 1];

/** Sizes and positions from the seed, scaled to the field of view so small test volumes look alike. */
export function planSyntheticCt(spec: SyntheticCtSpec): SyntheticCtPlan {
  const seed = spec.seed ?? DEFAULT_SYNTHETIC_SEED;
  const spacing = spec.spacing ?? DEFAULT_SPACING;
  const [ni, nj, nk] = spec.dims;
  const rng = new Random(seed).fork('plan');
  const half: Vec3 = [(ni * spacing[0]) / 2, (nj * spacing[1]) / 2, (nk * spacing[2]) / 2];
  const body: [number, number] = [half[0] * rng.range(0.78, 0.88), half[1] * rng.range(0.6, 0.7)];
  const ax = body[0];
  const ay = body[1];
  // Organs span most of the slab's height, so every part of a long scan has labels to paint over.
  const zr = half[2] * 0.7;
  const jitter = (r: number): number => r * rng.range(0.9, 1.1);
  const organs: Organ[] = [
    // Liver: the patient's right (−x in LPS), front half.
    { centre: [-ax * 0.35, -ay * 0.1, 0], radii: [jitter(ax * 0.4), jitter(ay * 0.5), jitter(zr)], hu: 60, label: 1 },
    // Kidneys: either side of the spine.
    { centre: [-ax * 0.35, ay * 0.45, -zr * 0.2], radii: [jitter(ax * 0.12), jitter(ay * 0.18), jitter(zr * 0.4)], hu: 30, label: 2 },
    { centre: [ax * 0.35, ay * 0.45, -zr * 0.15], radii: [jitter(ax * 0.12), jitter(ay * 0.18), jitter(zr * 0.4)], hu: 30, label: 2 },
    // Spleen: the patient's left, towards the back.
    { centre: [ax * 0.5, ay * 0.1, zr * 0.3], radii: [jitter(ax * 0.18), jitter(ay * 0.3), jitter(zr * 0.45)], hu: 45, label: 3 },
  ];
  return {
    dims: [...spec.dims],
    spacing: [...spacing],
    seed,
    body: { radii: body, fat: Math.min(ax, ay) * 0.08 },
    spine: { centre: [0, ay * 0.6], radius: ay * 0.18 },
    organs,
  };
}

/**
 * Draws k-slice `k` into `image` (HU) and `labels` (class values), each of length dims[0]·dims[1]. Slices are
 * independent: any k, in any order, gives the same values.
 */
export function renderSyntheticCtSlice(plan: SyntheticCtPlan, k: number, image: Int16Array, labels: Uint8Array): void {
  const [ni, nj, nk] = plan.dims;
  const [si, sj, sk] = plan.spacing;
  const per = ni * nj;
  if (image.length !== per || labels.length !== per) throw new Error(`a slice of ${ni}×${nj} needs ${per} values`);
  const z = (k + 0.5 - nk / 2) * sk;
  // Each organ's cross-section at this height: an ellipse, or nothing above and below it.
  const sections: { cx: number; cy: number; rx2: number; ry2: number; hu: number; label: number }[] = [];
  for (const o of plan.organs) {
    const t = (z - o.centre[2]) / o.radii[2];
    if (Math.abs(t) >= 1) continue;
    const s = Math.sqrt(1 - t * t);
    sections.push({ cx: o.centre[0], cy: o.centre[1], rx2: (o.radii[0] * s) ** 2, ry2: (o.radii[1] * s) ** 2, hu: o.hu, label: o.label });
  }
  const [bx, by] = plan.body.radii;
  const inner: [number, number] = [bx - plan.body.fat, by - plan.body.fat];
  const sr2 = plan.spine.radius ** 2;
  const noise = new Float32Array(per);
  new Random(plan.seed).fork(`slice ${k}`).fillNormal(noise, 0, NOISE_HU);
  for (let j = 0; j < nj; j++) {
    const y = (j + 0.5 - nj / 2) * sj;
    const row = j * ni;
    for (let i = 0; i < ni; i++) {
      const x = (i + 0.5 - ni / 2) * si;
      const n = row + i;
      let hu = HU_AIR;
      let label = 0;
      if ((x / bx) ** 2 + (y / by) ** 2 < 1) {
        hu = (x / inner[0]) ** 2 + (y / inner[1]) ** 2 < 1 ? HU_SOFT_TISSUE : HU_FAT;
        if ((x - plan.spine.centre[0]) ** 2 + (y - plan.spine.centre[1]) ** 2 < sr2) hu = HU_BONE;
        for (const c of sections) {
          const dx = x - c.cx;
          const dy = y - c.cy;
          if ((dx * dx) / c.rx2 + (dy * dy) / c.ry2 < 1) {
            hu = c.hu;
            label = c.label;
          }
        }
      }
      // Air outside the body carries noise too, as on a scanner, so nothing compresses to nothing.
      image[n] = Math.max(-1024, Math.min(3071, Math.round(hu + noise[n]!)));
      labels[n] = label;
    }
  }
}

/** Voxel → LPS for the plan: identity directions, centred on the origin. */
export function syntheticCtAffine(plan: SyntheticCtPlan): ReturnType<typeof affineFromParts> {
  const origin: Vec3 = [0, 1, 2].map((a) => -((plan.dims[a]! - 1) * plan.spacing[a]!) / 2) as Vec3;
  return affineFromParts(
    [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    plan.spacing,
    origin,
  );
}

/** The whole volume and its labels in memory: for tests and small sizes (the CLI streams slices instead). */
export function makeSyntheticCt(spec: SyntheticCtSpec, name = 'synthetic-ct.nii.gz'): { volume: Volume; labels: Uint8Array; plan: SyntheticCtPlan } {
  const plan = planSyntheticCt(spec);
  const [ni, nj, nk] = plan.dims;
  const per = ni * nj;
  const voxels = new Int16Array(per * nk);
  const labels = new Uint8Array(per * nk);
  for (let k = 0; k < nk; k++) renderSyntheticCtSlice(plan, k, voxels.subarray(k * per, (k + 1) * per), labels.subarray(k * per, (k + 1) * per));
  const ijkToLps = syntheticCtAffine(plan);
  const volume: Volume = {
    id: `synthetic-${plan.seed}-${ni}x${nj}x${nk}`,
    name,
    geometry: { dims: [...plan.dims], spacing: [...plan.spacing], ijkToLps },
    channels: 1,
    voxels,
    source: { format: 'image', fileName: name, mimeType: 'application/x-synthetic-ct' },
  };
  return { volume, labels, plan };
}

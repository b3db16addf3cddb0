/**
 * The embedded demo: a few small MR-like phantoms of an abdomen cross-section, generated from a seed so every
 * machine sees the same data and nothing of anyone's patients ships with the app.
 *
 * Each phantom has a body (soft tissue in air) and three structures a model can learn but not trivially:
 *   1. Organ  — a large smooth organ: an ellipsoid whose radius is perturbed by low-frequency waves.
 *   2. Lesion — a small round dark lesion inside the organ, near its edge.
 *   3. Vessel — a thin bright tube winding from the bottom to the top of the volume beside the organ.
 * Realism that matters for training: partial-volume edges (intensity follows a sigmoid of signed distance),
 * a smooth multiplicative bias field, and Gaussian noise. Positions, sizes and shapes vary per volume.
 *
 * Geometry: axial slices; voxel i runs to the patient's left, j to posterior, k to superior (LPS, identity
 * directions); 1 × 1 mm in plane, 2 mm between slices, like a typical MR.
 */
import { Random } from '../data/random.ts';
import { makeClass, type ClassDef } from '../volume/classes.ts';
import { affineFromParts, type Vec3 } from '../volume/geometry.ts';
import { createLabelMap, SliceProvenance, type LabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';

export const DEMO_SEED = 20261122;

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
  /** What the user starts with: two labeled slices in volume 1, nothing elsewhere. */
  initialLabels: LabelMap[];
}

export const DEMO_CLASSES: ClassDef[] = [
  {
    ...makeClass(1, 'Organ'),
    position: 'in the right half of the abdomen, beside the vessel, surrounding the lesion',
    shape: 'large, smooth and rounded, with gently undulating borders; mid-grey',
  },
  {
    ...makeClass(2, 'Lesion'),
    position: 'inside the organ, close to its border',
    shape: 'small, round, sharply bounded; darker than the organ around it',
  },
  {
    ...makeClass(3, 'Vessel'),
    position: 'beside the organ, running from the bottom to the top of the scan',
    shape: 'thin bright tube with a round cross-section that winds slowly',
  },
];

const INTENSITY = { air: 20, body: 330, organ: 620, lesion: 260, vessel: 930 };
const NOISE_SD = 38;
/** Width (mm) of the partial-volume edge: how soft a boundary looks. */
const EDGE_MM = 0.6;

interface Phantom {
  body: { cx: number; cy: number; rx: number; ry: number };
  organ: { c: Vec3; r: Vec3; waves: { amp: number; fa: number; fb: number; phase: number }[] };
  lesion: { c: Vec3; r: number };
  vessel: { x0: number; y0: number; ax: number; ay: number; period: number; phase: number; r: number };
  bias: { gx: number; gy: number; gz: number; wave: number; phase: number };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Draws one phantom's shape parameters (in mm, relative to the volume centre). */
function drawPhantom(rng: Random, extent: Vec3): Phantom {
  const [ex, ey, ez] = extent;
  const body = { cx: rng.range(-3, 3), cy: rng.range(-3, 3), rx: ex * rng.range(0.4, 0.45), ry: ey * rng.range(0.32, 0.38) };
  const organC: Vec3 = [-ex * rng.range(0.1, 0.16), rng.range(-4, 4), rng.range(-ez * 0.1, ez * 0.1)];
  const organR: Vec3 = [ex * rng.range(0.17, 0.21), ey * rng.range(0.15, 0.19), ez * rng.range(0.3, 0.38)];
  const waves = Array.from({ length: 3 }, () => ({ amp: rng.range(0.04, 0.09), fa: rng.int(2, 4), fb: rng.int(1, 3), phase: rng.range(0, 2 * Math.PI) }));
  // The lesion sits inside the organ, at 45–60 % of its radius in a random direction, mostly in-plane.
  const theta = rng.range(0, 2 * Math.PI);
  const frac = rng.range(0.45, 0.6);
  const lesion = {
    c: [organC[0] + Math.cos(theta) * organR[0] * frac, organC[1] + Math.sin(theta) * organR[1] * frac, organC[2] + rng.range(-0.3, 0.3) * organR[2]] as Vec3,
    r: rng.range(4.5, 7),
  };
  const vessel = {
    x0: organC[0] + organR[0] + rng.range(7, 11),
    y0: organC[1] + rng.range(-6, 6),
    ax: rng.range(2, 5),
    ay: rng.range(2, 5),
    period: ez * rng.range(0.8, 1.4),
    phase: rng.range(0, 2 * Math.PI),
    r: rng.range(2.2, 3.2),
  };
  const bias = { gx: rng.range(-0.18, 0.18), gy: rng.range(-0.12, 0.12), gz: rng.range(-0.1, 0.1), wave: rng.range(0.04, 0.08), phase: rng.range(0, 2 * Math.PI) };
  return { body, organ: { c: organC, r: organR, waves }, lesion, vessel, bias };
}

/** Approximate signed distance (mm, negative inside) to the organ's perturbed ellipsoid. */
function organDistance(o: Phantom['organ'], x: number, y: number, z: number): number {
  const dx = (x - o.c[0]) / o.r[0];
  const dy = (y - o.c[1]) / o.r[1];
  const dz = (z - o.c[2]) / o.r[2];
  const r = Math.sqrt(dx * dx + dy * dy + dz * dz);
  // Far from the surface the waves cannot change the label or the edge blend; skip the trigonometry there.
  if (r > 1.45 || r < 0.5) return (r - 1) * Math.min(o.r[0], o.r[1]);
  const azimuth = Math.atan2(dy, dx);
  const elevation = Math.atan2(dz, Math.hypot(dx, dy));
  let scale = 1;
  for (const w of o.waves) scale += w.amp * Math.sin(w.fa * azimuth + w.phase) * Math.cos(w.fb * elevation);
  return (r / scale - 1) * Math.min(o.r[0], o.r[1]);
}

function vesselCentre(v: Phantom['vessel'], z: number): [number, number] {
  const t = (2 * Math.PI * z) / v.period + v.phase;
  return [v.x0 + v.ax * Math.sin(t), v.y0 + v.ay * Math.cos(0.7 * t)];
}

function renderPhantom(p: Phantom, dims: Vec3, spacing: Vec3, noise: Random): { voxels: Float32Array; truth: Uint8Array } {
  const [ni, nj, nk] = dims;
  const voxels = new Float32Array(ni * nj * nk);
  const truth = new Uint8Array(ni * nj * nk);
  const half: Vec3 = [((ni - 1) * spacing[0]) / 2, ((nj - 1) * spacing[1]) / 2, ((nk - 1) * spacing[2]) / 2];
  const edge = 1 / EDGE_MM;
  let n = 0;
  for (let k = 0; k < nk; k++) {
    const z = k * spacing[2] - half[2];
    const [vx, vy] = vesselCentre(p.vessel, z);
    for (let j = 0; j < nj; j++) {
      const y = j * spacing[1] - half[1];
      for (let i = 0; i < ni; i++, n++) {
        const x = i * spacing[0] - half[0];
        // Body: an elliptic cylinder; distance approximated in mm along the smaller radius.
        const bx = (x - p.body.cx) / p.body.rx;
        const by = (y - p.body.cy) / p.body.ry;
        const dBody = (Math.sqrt(bx * bx + by * by) - 1) * Math.min(p.body.rx, p.body.ry);
        let value = INTENSITY.air + (INTENSITY.body - INTENSITY.air) * sigmoid(-dBody * edge);
        const dOrgan = organDistance(p.organ, x, y, z);
        const wOrgan = sigmoid(-dOrgan * edge);
        value += (INTENSITY.organ - value) * wOrgan;
        const dLesion = Math.hypot(x - p.lesion.c[0], y - p.lesion.c[1], z - p.lesion.c[2]) - p.lesion.r;
        const wLesion = sigmoid(-dLesion * edge) * wOrgan;
        value += (INTENSITY.lesion - value) * wLesion;
        const dVessel = Math.hypot(x - vx, y - vy) - p.vessel.r;
        value += (INTENSITY.vessel - value) * sigmoid(-dVessel * edge);
        // Labels by the sign of the distance; the vessel wins where structures meet, the lesion only inside the organ.
        truth[n] = dVessel < 0 ? 3 : dLesion < 0 && dOrgan < 0 ? 2 : dOrgan < 0 ? 1 : 0;
        const bias = 1 + p.bias.gx * (x / half[0]) + p.bias.gy * (y / half[1]) + p.bias.gz * (z / Math.max(1, half[2])) + p.bias.wave * Math.sin((x + y) / 25 + p.bias.phase);
        voxels[n] = value * bias + NOISE_SD * noise.normal();
      }
    }
  }
  return { voxels, truth };
}

/** Slices (along k) where every structure appears; the demo labels two of them, well apart. */
function chooseLabeledSlices(truth: Uint8Array, dims: Vec3): number[] {
  const [ni, nj, nk] = dims;
  const per = ni * nj;
  const minCount: number[] = [];
  for (let k = 0; k < nk; k++) {
    const counts = [0, 0, 0, 0];
    for (let n = k * per; n < (k + 1) * per; n++) counts[truth[n]!]!++;
    minCount.push(Math.min(counts[1]!, counts[2]!, counts[3]!));
  }
  const ranked = [...minCount.keys()].filter((k) => minCount[k]! > 0).sort((a, b) => minCount[b]! - minCount[a]!);
  const first = ranked[0] ?? Math.floor(nk / 2);
  const second = ranked.find((k) => Math.abs(k - first) >= 4) ?? (first + 4 < nk ? first + 4 : Math.max(0, first - 4));
  return [first, second].sort((a, b) => a - b);
}

function describe(p: Phantom): string {
  const dz = p.lesion.c[2] - p.organ.c[2];
  const dy = p.lesion.c[1] - p.organ.c[1];
  const dx = p.lesion.c[0] - p.organ.c[0];
  const vertical = Math.abs(dz) > 0.15 * p.organ.r[2] ? (dz > 0 ? 'upper' : 'lower') : 'middle';
  const front = dy < 0 ? 'front' : 'back';
  const side = dx > 0 ? 'left' : 'right';
  return `The lesion lies in the ${vertical} ${front} ${side} part of the organ; the vessel runs along the organ's left border.`;
}

export function generateDemoDataset(options: DemoOptions = {}): DemoDataset {
  const seed = options.seed ?? DEMO_SEED;
  const count = options.count ?? 3;
  const dims: Vec3 = options.dims ?? [96, 96, 48];
  const spacing: Vec3 = options.spacing ?? [1, 1, 2];
  const root = new Random(seed);
  const extent: Vec3 = [dims[0] * spacing[0], dims[1] * spacing[1], dims[2] * spacing[2]];
  const origin: Vec3 = [-extent[0] / 2, -extent[1] / 2 + 20, -extent[2] / 2 + 30];
  const ijkToLps = affineFromParts([[1, 0, 0], [0, 1, 0], [0, 0, 1]], spacing, origin);
  const volumes: Volume[] = [];
  const groundTruth: Uint8Array[] = [];
  const initialLabels: LabelMap[] = [];
  for (let index = 0; index < count; index++) {
    const stream = root.fork(`volume-${index}`);
    const phantom = drawPhantom(stream.fork('shape'), extent);
    const { voxels, truth } = renderPhantom(phantom, dims, spacing, stream.fork('noise'));
    volumes.push({
      id: `demo-${seed}-${index}`,
      name: `Demo phantom ${index + 1}`,
      geometry: { dims: [...dims], spacing: [...spacing], ijkToLps: [...ijkToLps] as typeof ijkToLps },
      channels: 1,
      voxels,
      source: { format: 'demo', seed, index },
      description: describe(phantom),
    });
    groundTruth.push(truth);
    const labels = createLabelMap(dims);
    if (index === 0) {
      const per = dims[0] * dims[1];
      for (const k of chooseLabeledSlices(truth, dims)) {
        labels.voxels.set(truth.subarray(k * per, (k + 1) * per), k * per);
        labels.slices[2][k] = SliceProvenance.Painted;
      }
    }
    initialLabels.push(labels);
  }
  return { volumes, groundTruth, classes: DEMO_CLASSES.map((c) => ({ ...c, color: [...c.color] })), initialLabels };
}

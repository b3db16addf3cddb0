/**
 * The demo phantom's vocabulary: tissues with their MR signal, and the two shapes everything is made of.
 *
 * Coordinates are millimetres from the centre of the field of view along the patient's LPS axes: x grows to
 * the patient's left, y to the back (posterior), z up (superior). With the demo's identity directions these
 * are world LPS minus the centre of the volume, so "left" in a text description is the patient's left.
 */
import type { Vec3 } from '../volume/geometry.ts';

/** What each voxel is made of. Only liver, lesion and vessel are classes; the rest is background. */
export const Tissue = {
  Air: 0,
  Fat: 1,
  Muscle: 2,
  Bone: 3,
  Spleen: 4,
  Liver: 5,
  Lesion: 6,
  Vessel: 7,
} as const;
export type Tissue = (typeof Tissue)[keyof typeof Tissue];

/**
 * Mean signal per tissue, indexed by Tissue, as on a fat-suppressed T1-weighted gradient echo in the portal
 * venous phase: enhancing vessels brightest, spleen a little brighter than liver, a hypo-enhancing lesion dark,
 * suppressed fat darker than muscle. Gaps between a class and its neighbours are at least 4 noise SDs so a
 * model can learn them; the spleen sits only 2 SDs above the liver on purpose, so that an intensity window
 * alone does not find the liver and a model has to learn where it is.
 */
export const TISSUE_SIGNAL: readonly number[] = [0, 35, 330, 420, 640, 580, 170, 900];

/** Noise SD per channel: the liver's SNR is about 20, a typical abdominal T1 at 1.5 T. */
export const NOISE_SD = 30;

/** Label value per tissue (indexed by Tissue): 1 liver, 2 lesion, 3 vessel, 0 for everything else. */
export const TISSUE_CLASS: readonly number[] = [0, 0, 0, 0, 0, 1, 2, 3];

/**
 * A deformed ellipsoid: along a unit direction u (in coordinates scaled by the radii) its surface lies at
 * radius scale(u) = 1 + taper·(u·taperDirection) + Σ amplitude·sin(frequency·(u·direction) + phase).
 * Frequencies of 1–3 radians per unit give one or two gentle bulges, like an organ, never a star.
 */
export interface Blob {
  centre: Vec3;
  radii: Vec3;
  taper: { direction: Vec3; amount: number };
  waves: { direction: Vec3; frequency: number; amplitude: number; phase: number }[];
}

/** A tube along z whose centre line sways sinusoidally and drifts linearly from the bottom to the top slice. */
export interface Tube {
  centre: [number, number];
  radius: number;
  sway: { amplitude: [number, number]; period: number; phase: [number, number] };
  /** Offset of the centre line at the top of the volume (and minus it at the bottom), in mm. */
  drift: [number, number];
}

/** The body outline: an elliptic cylinder whose width changes slowly with height, under a rim of fat. */
export interface Body {
  centre: [number, number];
  radii: [number, number];
  fatThickness: number;
  /** Relative change of the radii at the top slice (and minus it at the bottom). */
  taper: number;
}

/** Smooth multiplicative receive-coil bias: a linear gradient plus a bowl, brighter toward the coils. */
export interface BiasField {
  /** Relative change per unit of normalised coordinate (−1 at one face of the volume, +1 at the other). */
  gradient: Vec3;
  /** Relative brightening at the in-plane corners versus the centre. */
  bowl: number;
}

export interface Phantom {
  body: Body;
  vertebra: Tube;
  spleen: Blob;
  liver: Blob;
  lesion: Blob;
  vessel: Tube;
  bias: BiasField;
  /** Standard deviation of the Gaussian noise in each of the real and imaginary channels. */
  noiseSd: number;
}

/** The bounds of a blob's radius scale, for bounding boxes and for skipping trigonometry far from the surface. */
export function blobScaleBounds(b: Blob): [number, number] {
  let spread = Math.abs(b.taper.amount);
  for (const w of b.waves) spread += Math.abs(w.amplitude);
  return [1 - spread, 1 + spread];
}

/** The blob's radius scale along unit direction (ux, uy, uz) in radius-scaled coordinates. */
export function blobRadiusScale(b: Blob, ux: number, uy: number, uz: number): number {
  const t = b.taper.direction;
  let scale = 1 + b.taper.amount * (ux * t[0] + uy * t[1] + uz * t[2]);
  for (const w of b.waves) {
    const d = w.direction;
    scale += w.amplitude * Math.sin(w.frequency * (ux * d[0] + uy * d[1] + uz * d[2]) + w.phase);
  }
  return scale;
}

/**
 * Approximate signed distance in mm to a blob's surface, negative inside. The radius mismatch in scaled
 * coordinates, ρ − scale(u), is divided by |∇ρ| so a millimetre counts as a millimetre along every axis;
 * without it a blob three times longer in z than in x would get edges three times softer at its poles.
 */
export function blobSignedDistance(b: Blob, x: number, y: number, z: number): number {
  const ex = (x - b.centre[0]) / b.radii[0];
  const ey = (y - b.centre[1]) / b.radii[1];
  const ez = (z - b.centre[2]) / b.radii[2];
  const rho = Math.sqrt(ex * ex + ey * ey + ez * ez);
  if (rho < 1e-9) return -blobScaleBounds(b)[0] * Math.min(b.radii[0], b.radii[1], b.radii[2]);
  const gx = ex / b.radii[0];
  const gy = ey / b.radii[1];
  const gz = ez / b.radii[2];
  const gradient = Math.sqrt(gx * gx + gy * gy + gz * gz) / rho;
  return (rho - blobRadiusScale(b, ex / rho, ey / rho, ez / rho)) / gradient;
}

/** The tube's centre line at height z, for a volume whose slices span −halfHeight..+halfHeight mm. */
export function tubeCentreAt(t: Tube, z: number, halfHeight: number): [number, number] {
  const along = halfHeight > 0 ? z / halfHeight : 0;
  const angle = (2 * Math.PI * z) / t.sway.period;
  return [
    t.centre[0] + t.drift[0] * along + t.sway.amplitude[0] * Math.sin(angle + t.sway.phase[0]),
    t.centre[1] + t.drift[1] * along + t.sway.amplitude[1] * Math.sin(0.7 * angle + t.sway.phase[1]),
  ];
}

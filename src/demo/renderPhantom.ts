/**
 * Turns a drawn phantom into voxels: a tissue map (the truth of what is where) and an MR-like magnitude image.
 *
 * 1. Paint tissues back to front — body, vertebra, spleen, liver, lesion, vessel — each blending its signal
 *    over what is there with a logistic of signed distance. The logistic is the partial-volume effect: its
 *    width is a fraction of the voxel size along the edge normal, so edges are ~1 voxel soft in plane and
 *    ~1 slice soft across the 2 mm slices, as on a real anisotropic acquisition.
 * 2. Multiply by a smooth bias field.
 * 3. Add Gaussian noise to the real and imaginary channels and take the magnitude (Rician noise, as in any
 *    magnitude MR image): air becomes a dim noise floor rather than negative values.
 *
 * Speed: every structure is painted only inside its bounding box, and exp() and sin() are skipped where an
 * edge is saturated; the only full passes are the body and the noise, and the noise comes from the PRNG's
 * table-based fillNormal (two normals per 32-bit draw) rather than Box–Muller's log, sqrt and sin per pair.
 */
import type { Random } from '../data/random.ts';
import { voxelCount, type Vec3 } from '../volume/geometry.ts';
import {
  blobScaleBounds,
  blobSignedDistance,
  Tissue,
  TISSUE_CLASS,
  TISSUE_SIGNAL,
  tubeCentreAt,
  type BiasField,
  type Blob,
  type Body,
  type Phantom,
  type Tube,
} from './phantom.ts';

export interface RenderedPhantom {
  /** Magnitude signal, i fastest, then j, then k; about 0..1000. */
  voxels: Float32Array;
  /** Tissue per voxel (values of Tissue), noise-free. */
  tissue: Uint8Array;
  /** Class per voxel: 1 liver, 2 lesion, 3 vessel, 0 background. */
  truth: Uint8Array;
}

/** Edge width (logistic scale) as a fraction of the voxel size along the edge normal. */
const PARTIAL_VOLUME = 0.3;
/** Beyond this many edge widths a logistic is within 0.25 % of 0 or 1; treat it as exactly so. */
const SATURATED = 6;

/** Voxel-centre coordinates in mm from the centre of the field of view, per axis. */
interface Grid {
  dims: Vec3;
  spacing: Vec3;
  coords: [Float64Array, Float64Array, Float64Array];
  /** Distance from the centre to the outermost voxel centre, per axis (1 where there is one voxel). */
  half: Vec3;
}

/** Renders `p` on a grid of `dims` voxels of `spacing` mm, centred on the phantom's origin; `noise` is consumed. */
export function renderPhantom(p: Phantom, dims: Vec3, spacing: Vec3, noise: Random): RenderedPhantom {
  const grid = makeGrid(dims, spacing);
  const n = voxelCount(dims);
  const image: RenderedPhantom = { voxels: new Float32Array(n), tissue: new Uint8Array(n), truth: new Uint8Array(n) };

  // 1. Tissues, back to front; a later one wins where two overlap.
  paintBody(image, grid, p.body);
  paintTube(image, grid, p.vertebra, Tissue.Bone);
  // Organs stay inside the abdominal wall: intersect each with the body's interior (max of signed distances).
  const band = SATURATED * PARTIAL_VOLUME * Math.max(...spacing);
  const insideBody = (x: number, y: number, z: number): number => bodyInteriorDistance(p.body, grid, x, y, z, band);
  paintBlob(image, grid, p.spleen, Tissue.Spleen, insideBody);
  paintBlob(image, grid, p.liver, Tissue.Liver, insideBody);
  // A lesion that reaches the liver's edge is cut by it: it never bulges out into the fat.
  paintBlob(image, grid, p.lesion, Tissue.Lesion, (x, y, z) => Math.max(blobSignedDistance(p.liver, x, y, z), insideBody(x, y, z)));
  paintTube(image, grid, p.vessel, Tissue.Vessel);

  // 2–3. Bias field and Rician noise, in one pass.
  applyBiasAndNoise(image.voxels, grid, p.bias, p.noiseSd, noise);
  return image;
}

function makeGrid(dims: Vec3, spacing: Vec3): Grid {
  const axis = (a: 0 | 1 | 2): Float64Array => {
    const c = new Float64Array(dims[a]);
    for (let n = 0; n < dims[a]; n++) c[n] = (n - (dims[a] - 1) / 2) * spacing[a];
    return c;
  };
  const half = (a: 0 | 1 | 2): number => (dims[a] > 1 ? ((dims[a] - 1) * spacing[a]) / 2 : 1);
  return { dims, spacing, coords: [axis(0), axis(1), axis(2)], half: [half(0), half(1), half(2)] };
}

/** Voxel indices [from, to) whose centres lie within [lo, hi] mm along an axis. */
function indexSpan(grid: Grid, a: 0 | 1 | 2, lo: number, hi: number): [number, number] {
  const first = grid.coords[a][0] ?? 0;
  const from = Math.max(0, Math.ceil((lo - first) / grid.spacing[a]));
  const to = Math.min(grid.dims[a], Math.floor((hi - first) / grid.spacing[a]) + 1);
  return [from, Math.max(from, to)];
}

/** The weight of "inside" for signed distance d (negative inside) and edge width w: a logistic step. */
function insideWeight(d: number, w: number): number {
  const t = d / w;
  if (t >= SATURATED) return 0;
  if (t <= -SATURATED) return 1;
  return 1 / (1 + Math.exp(t));
}

/** Signed distance (mm) to an ellipse with radii (rx, ry) at offset (ex, ey) from its centre. */
function ellipseSignedDistance(dx: number, dy: number, rx: number, ry: number): number {
  const ex = dx / rx;
  const ey = dy / ry;
  const rho = Math.sqrt(ex * ex + ey * ey);
  if (rho < 1e-9) return -Math.min(rx, ry);
  const gradient = Math.sqrt((ex * ex) / (rx * rx) + (ey * ey) / (ry * ry)) / rho;
  return (rho - 1) / gradient;
}

function bodyScaleAt(body: Body, grid: Grid, z: number): number {
  return 1 + body.taper * (z / grid.half[2]);
}

/**
 * Signed distance to the inside of the fat rim (where organs may be). Deep inside it answers −∞ without a
 * square root: a clip only matters near its edge, and −∞ gives the same weight and tissue as any d ≤ −band.
 */
function bodyInteriorDistance(body: Body, grid: Grid, x: number, y: number, z: number, band: number): number {
  const scale = bodyScaleAt(body, grid, z);
  const rx = body.radii[0] * scale - body.fatThickness;
  const ry = body.radii[1] * scale - body.fatThickness;
  const dx = x - body.centre[0];
  const dy = y - body.centre[1];
  const deep = 1 - band / Math.min(rx, ry);
  if (deep > 0 && (dx * dx) / (rx * rx) + (dy * dy) / (ry * ry) < deep * deep) return -Infinity;
  return ellipseSignedDistance(dx, dy, rx, ry);
}

/**
 * Air, then a rim of (suppressed) subcutaneous fat, then muscle and soft tissue: every voxel of the volume.
 * Only voxels near one of the two outlines pay for signed distances and exp(); the rest is a comparison of ρ².
 */
function paintBody(image: RenderedPhantom, grid: Grid, body: Body): void {
  const { voxels, tissue } = image;
  const [ni, nj, nk] = grid.dims;
  const [xs, ys, zs] = grid.coords;
  const air = TISSUE_SIGNAL[Tissue.Air]!;
  const fat = TISSUE_SIGNAL[Tissue.Fat]!;
  const muscle = TISSUE_SIGNAL[Tissue.Muscle]!;
  const [fatId, muscleId, airId] = [Tissue.Fat, Tissue.Muscle, Tissue.Air];
  // Body edges are nearly parallel to z, so the in-plane voxel size sets their softness.
  const w = PARTIAL_VOLUME * Math.sqrt(grid.spacing[0] * grid.spacing[1]);
  const band = SATURATED * w;
  const [cx, cy] = body.centre;
  let n = 0;
  for (let k = 0; k < nk; k++) {
    const scale = bodyScaleAt(body, grid, zs[k]!);
    const rx = body.radii[0] * scale;
    const ry = body.radii[1] * scale;
    const innerRx = rx - body.fatThickness;
    const innerRy = ry - body.fatThickness;
    // |d| ≥ |ρ − 1|·min(radii), so beyond these radii (in units of the ellipse's) the edges are saturated.
    const outside = (1 + band / Math.min(rx, ry)) ** 2;
    const deepInside = Math.max(0, 1 - band / Math.min(innerRx, innerRy)) ** 2;
    const [ax, ay, bx, by] = [1 / (rx * rx), 1 / (ry * ry), 1 / (innerRx * innerRx), 1 / (innerRy * innerRy)];
    for (let j = 0; j < nj; j++) {
      const dy = ys[j]! - cy;
      const outerY = dy * dy * ay;
      const innerY = dy * dy * by;
      for (let i = 0; i < ni; i++, n++) {
        const dx = xs[i]! - cx;
        const dx2 = dx * dx;
        if (dx2 * ax + outerY >= outside) {
          voxels[n] = air;
          continue;
        }
        if (dx2 * bx + innerY <= deepInside) {
          voxels[n] = muscle;
          tissue[n] = muscleId;
          continue;
        }
        const outer = ellipseSignedDistance(dx, dy, rx, ry);
        const inner = ellipseSignedDistance(dx, dy, innerRx, innerRy);
        let value = air + (fat - air) * insideWeight(outer, w);
        value += (muscle - value) * insideWeight(inner, w);
        voxels[n] = value;
        tissue[n] = inner < 0 ? muscleId : outer < 0 ? fatId : airId;
      }
    }
  }
}

/** A tube, slice by slice: a disc around the centre line at each slice's height. */
function paintTube(image: RenderedPhantom, grid: Grid, tube: Tube, id: Tissue): void {
  const { voxels, tissue, truth } = image;
  const cls = TISSUE_CLASS[id]!;
  const [ni, nj, nk] = grid.dims;
  const [xs, ys, zs] = grid.coords;
  const [sx, sy] = grid.spacing;
  const signal = TISSUE_SIGNAL[id]!;
  const reach = tube.radius + SATURATED * PARTIAL_VOLUME * Math.max(sx, sy);
  for (let k = 0; k < nk; k++) {
    const [cx, cy] = tubeCentreAt(tube, zs[k]!, grid.half[2]);
    const [i0, i1] = indexSpan(grid, 0, cx - reach, cx + reach);
    const [j0, j1] = indexSpan(grid, 1, cy - reach, cy + reach);
    for (let j = j0; j < j1; j++) {
      const dy = ys[j]! - cy;
      for (let i = i0; i < i1; i++) {
        const dx = xs[i]! - cx;
        const r = Math.sqrt(dx * dx + dy * dy);
        const d = r - tube.radius;
        // Edge width from the voxel size along the radial direction (the tube is nearly parallel to z).
        const w = r > 1e-9 ? (PARTIAL_VOLUME * Math.sqrt((dx * sx) ** 2 + (dy * sy) ** 2)) / r : PARTIAL_VOLUME * sx;
        const weight = insideWeight(d, w);
        if (weight === 0) continue;
        const n = i + ni * (j + nj * k);
        voxels[n] = voxels[n]! + (signal - voxels[n]!) * weight;
        if (d < 0) {
          tissue[n] = id;
          truth[n] = cls;
        }
      }
    }
  }
}

/**
 * A blob inside its bounding box, optionally intersected with a clip region (given as a signed distance).
 * Voxels deep inside or far outside are decided from the cheap ellipsoid radius alone.
 */
function paintBlob(image: RenderedPhantom, grid: Grid, blob: Blob, id: Tissue, clip?: (x: number, y: number, z: number) => number): void {
  const { voxels, tissue, truth } = image;
  const cls = TISSUE_CLASS[id]!;
  const [ni, nj] = grid.dims;
  const [xs, ys, zs] = grid.coords;
  const [sx, sy, sz] = grid.spacing;
  const { centre, radii } = blob;
  const signal = TISSUE_SIGNAL[id]!;
  // A local alias: under Node's module transforms (tsx, vitest) each use of an imported binding is a getter call.
  const signedDistance = blobSignedDistance;
  const [scaleMin, scaleMax] = blobScaleBounds(blob);
  const band = SATURATED * PARTIAL_VOLUME * Math.max(sx, sy, sz);
  // |d| ≥ |ρ − scale|·min(radii), so outside these radii the edge is saturated whatever the waves do.
  const slack = band / Math.min(radii[0], radii[1], radii[2]);
  const deep = Math.max(0, scaleMin - slack) ** 2;
  const far = (scaleMax + slack) ** 2;
  const [j0, j1] = indexSpan(grid, 1, centre[1] - radii[1] * scaleMax - band, centre[1] + radii[1] * scaleMax + band);
  const [k0, k1] = indexSpan(grid, 2, centre[2] - radii[2] * scaleMax - band, centre[2] + radii[2] * scaleMax + band);
  for (let k = k0; k < k1; k++) {
    const z = zs[k]!;
    const ez = (z - centre[2]) / radii[2];
    for (let j = j0; j < j1; j++) {
      const y = ys[j]!;
      const ey = (y - centre[1]) / radii[1];
      // Only the stretch of this row within the outer radius can change.
      const room = far - ey * ey - ez * ez;
      if (room <= 0) continue;
      const halfWidth = radii[0] * Math.sqrt(room);
      const [i0, i1] = indexSpan(grid, 0, centre[0] - halfWidth, centre[0] + halfWidth);
      for (let i = i0; i < i1; i++) {
        const x = xs[i]!;
        const ex = (x - centre[0]) / radii[0];
        const rho2 = ex * ex + ey * ey + ez * ez;
        if (rho2 >= far) continue;
        let d = -Infinity;
        let w = PARTIAL_VOLUME * sx;
        if (rho2 > deep) {
          d = signedDistance(blob, x, y, z);
          // The ellipsoid's normal is ∝ (ex/rx, ey/ry, ez/rz); project the voxel size on it.
          const nx = ex / radii[0];
          const ny = ey / radii[1];
          const nz = ez / radii[2];
          w = PARTIAL_VOLUME * Math.sqrt(((nx * sx) ** 2 + (ny * sy) ** 2 + (nz * sz) ** 2) / (nx * nx + ny * ny + nz * nz));
        }
        if (clip) d = Math.max(d, clip(x, y, z));
        const weight = insideWeight(d, w);
        if (weight === 0) continue;
        const n = i + ni * (j + nj * k);
        voxels[n] = voxels[n]! + (signal - voxels[n]!) * weight;
        if (d < 0) {
          tissue[n] = id;
          truth[n] = cls;
        }
      }
    }
  }
}

/**
 * Multiplies by the bias field and adds Rician noise: Gaussian noise on the real and imaginary channels, then
 * the magnitude. Row by row in memory order, so the noise stream is consumed identically on every machine.
 */
function applyBiasAndNoise(voxels: Float32Array, grid: Grid, bias: BiasField, sd: number, rng: Random): void {
  const [ni, nj, nk] = grid.dims;
  const [xs, ys, zs] = grid.coords;
  const [gx, gy, gz] = bias.gradient;
  const xTerm = new Float64Array(ni);
  // The bowl is centred (its mean over a square is zero) so the field averages to about 1.
  for (let i = 0; i < ni; i++) {
    const xn = xs[i]! / grid.half[0];
    xTerm[i] = gx * xn + bias.bowl * (xn * xn - 1 / 3);
  }
  const noise = new Float64Array(2 * ni);
  let n = 0;
  for (let k = 0; k < nk; k++) {
    const zTerm = 1 + gz * (zs[k]! / grid.half[2]);
    for (let j = 0; j < nj; j++) {
      const yn = ys[j]! / grid.half[1];
      const rowTerm = zTerm + gy * yn + bias.bowl * (yn * yn - 1 / 3);
      rng.fillNormal(noise, 0, sd);
      for (let i = 0; i < ni; i++, n++) {
        const real = voxels[n]! * (rowTerm + xTerm[i]!) + noise[2 * i]!;
        const imaginary = noise[2 * i + 1]!;
        voxels[n] = Math.sqrt(real * real + imaginary * imaginary);
      }
    }
  }
}

/**
 * Voxel geometry. One convention everywhere: world coordinates are patient LPS millimetres (DICOM's and
 * cornerstone3D's frame). NIfTI stores RAS; io/nifti converts at the boundary and keeps the original header
 * fields so an export can write them back bit for bit.
 */

export type Vec3 = [number, number, number];

/** Row-major 4×4 matrix: world = M · [i, j, k, 1]ᵀ. */
export type Mat4 = [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

export interface VolumeGeometry {
  /** Voxel counts along i (fastest in memory), j, k. */
  dims: Vec3;
  /** Voxel size in mm along i, j, k (the column norms of ijkToLps). */
  spacing: Vec3;
  /** Voxel index → patient LPS mm. */
  ijkToLps: Mat4;
}

export type VoxelAxis = 0 | 1 | 2;

export const IDENTITY: Mat4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

export function mat4At(m: Mat4, row: number, col: number): number {
  return m[row * 4 + col] as number;
}

export function transformPoint(m: Mat4, p: Vec3): Vec3 {
  const [x, y, z] = p;
  return [m[0] * x + m[1] * y + m[2] * z + m[3], m[4] * x + m[5] * y + m[6] * z + m[7], m[8] * x + m[9] * y + m[10] * z + m[11]];
}

/** Column c of the 3×3 part: the world step of one voxel along axis c. */
export function axisStep(m: Mat4, c: VoxelAxis): Vec3 {
  return [m[c], m[4 + c], m[8 + c]] as Vec3;
}

export function norm(v: Vec3): number {
  return Math.hypot(v[0], v[1], v[2]);
}

export function normalize(v: Vec3): Vec3 {
  const n = norm(v);
  return n === 0 ? [0, 0, 0] : [v[0] / n, v[1] / n, v[2] / n];
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** Builds ijk→LPS from unit direction columns, spacing and the world position of voxel (0,0,0). */
export function affineFromParts(directions: [Vec3, Vec3, Vec3], spacing: Vec3, origin: Vec3): Mat4 {
  const [di, dj, dk] = directions;
  return [
    di[0] * spacing[0],
    dj[0] * spacing[1],
    dk[0] * spacing[2],
    origin[0],
    di[1] * spacing[0],
    dj[1] * spacing[1],
    dk[1] * spacing[2],
    origin[1],
    di[2] * spacing[0],
    dj[2] * spacing[1],
    dk[2] * spacing[2],
    origin[2],
    0,
    0,
    0,
    1,
  ];
}

export function spacingOf(m: Mat4): Vec3 {
  return [norm(axisStep(m, 0)), norm(axisStep(m, 1)), norm(axisStep(m, 2))];
}

export function originOf(m: Mat4): Vec3 {
  return [m[3], m[7], m[11]];
}

export function geometryFromAffine(dims: Vec3, ijkToLps: Mat4): VolumeGeometry {
  return { dims, spacing: spacingOf(ijkToLps), ijkToLps };
}

/** General 4×4 inverse (cofactor expansion); affines here are always invertible, a singular one throws. */
export function invert(m: Mat4): Mat4 {
  const a = m;
  const inv = new Array<number>(16);
  inv[0] = a[5] * a[10] * a[15] - a[5] * a[11] * a[14] - a[9] * a[6] * a[15] + a[9] * a[7] * a[14] + a[13] * a[6] * a[11] - a[13] * a[7] * a[10];
  inv[4] = -a[4] * a[10] * a[15] + a[4] * a[11] * a[14] + a[8] * a[6] * a[15] - a[8] * a[7] * a[14] - a[12] * a[6] * a[11] + a[12] * a[7] * a[10];
  inv[8] = a[4] * a[9] * a[15] - a[4] * a[11] * a[13] - a[8] * a[5] * a[15] + a[8] * a[7] * a[13] + a[12] * a[5] * a[11] - a[12] * a[7] * a[9];
  inv[12] = -a[4] * a[9] * a[14] + a[4] * a[10] * a[13] + a[8] * a[5] * a[14] - a[8] * a[6] * a[13] - a[12] * a[5] * a[10] + a[12] * a[6] * a[9];
  inv[1] = -a[1] * a[10] * a[15] + a[1] * a[11] * a[14] + a[9] * a[2] * a[15] - a[9] * a[3] * a[14] - a[13] * a[2] * a[11] + a[13] * a[3] * a[10];
  inv[5] = a[0] * a[10] * a[15] - a[0] * a[11] * a[14] - a[8] * a[2] * a[15] + a[8] * a[3] * a[14] + a[12] * a[2] * a[11] - a[12] * a[3] * a[10];
  inv[9] = -a[0] * a[9] * a[15] + a[0] * a[11] * a[13] + a[8] * a[1] * a[15] - a[8] * a[3] * a[13] - a[12] * a[1] * a[11] + a[12] * a[3] * a[9];
  inv[13] = a[0] * a[9] * a[14] - a[0] * a[10] * a[13] - a[8] * a[1] * a[14] + a[8] * a[2] * a[13] + a[12] * a[1] * a[10] - a[12] * a[2] * a[9];
  inv[2] = a[1] * a[6] * a[15] - a[1] * a[7] * a[14] - a[5] * a[2] * a[15] + a[5] * a[3] * a[14] + a[13] * a[2] * a[7] - a[13] * a[3] * a[6];
  inv[6] = -a[0] * a[6] * a[15] + a[0] * a[7] * a[14] + a[4] * a[2] * a[15] - a[4] * a[3] * a[14] - a[12] * a[2] * a[7] + a[12] * a[3] * a[6];
  inv[10] = a[0] * a[5] * a[15] - a[0] * a[7] * a[13] - a[4] * a[1] * a[15] + a[4] * a[3] * a[13] + a[12] * a[1] * a[7] - a[12] * a[3] * a[5];
  inv[14] = -a[0] * a[5] * a[14] + a[0] * a[6] * a[13] + a[4] * a[1] * a[14] - a[4] * a[2] * a[13] - a[12] * a[1] * a[6] + a[12] * a[2] * a[5];
  inv[3] = -a[1] * a[6] * a[11] + a[1] * a[7] * a[10] + a[5] * a[2] * a[11] - a[5] * a[3] * a[10] - a[9] * a[2] * a[7] + a[9] * a[3] * a[6];
  inv[7] = a[0] * a[6] * a[11] - a[0] * a[7] * a[10] - a[4] * a[2] * a[11] + a[4] * a[3] * a[10] + a[8] * a[2] * a[7] - a[8] * a[3] * a[6];
  inv[11] = -a[0] * a[5] * a[11] + a[0] * a[7] * a[9] + a[4] * a[1] * a[11] - a[4] * a[3] * a[9] - a[8] * a[1] * a[7] + a[8] * a[3] * a[5];
  inv[15] = a[0] * a[5] * a[10] - a[0] * a[6] * a[9] - a[4] * a[1] * a[10] + a[4] * a[2] * a[9] + a[8] * a[1] * a[6] - a[8] * a[2] * a[5];
  const det = a[0] * inv[0]! + a[1] * inv[4]! + a[2] * inv[8]! + a[3] * inv[12]!;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new Error('singular voxel-to-world matrix');
  return inv.map((v) => v / det) as Mat4;
}

/** World LPS → continuous voxel index; round it to get the voxel under a point. */
export function worldToVoxel(g: VolumeGeometry, world: Vec3): Vec3 {
  return transformPoint(invert(g.ijkToLps), world);
}

/** RAS ↔ LPS is the same flip both ways: negate the first two world rows. */
export function flipRasLps(m: Mat4): Mat4 {
  return [-m[0], -m[1], -m[2], -m[3], -m[4], -m[5], -m[6], -m[7], m[8], m[9], m[10], m[11], m[12], m[13], m[14], m[15]];
}

/**
 * The voxel axis most parallel to a world direction (a viewport's normal). For volumes acquired along the
 * patient axes this is exact; for oblique ones it names the slice stack a brush stroke mostly lies in.
 */
export function voxelAxisAlong(g: VolumeGeometry, worldDirection: Vec3): VoxelAxis {
  let best: VoxelAxis = 2;
  let bestDot = -1;
  for (const axis of [0, 1, 2] as const) {
    const d = Math.abs(dot(normalize(axisStep(g.ijkToLps, axis)), normalize(worldDirection)));
    if (d > bestDot) {
      bestDot = d;
      best = axis;
    }
  }
  return best;
}

export function voxelCount(dims: Vec3): number {
  return dims[0] * dims[1] * dims[2];
}

export function linearIndex(dims: Vec3, i: number, j: number, k: number): number {
  return i + dims[0] * (j + dims[1] * k);
}

export function sameGeometry(a: VolumeGeometry, b: VolumeGeometry, toleranceMm = 1e-3): boolean {
  if (a.dims.some((d, n) => d !== b.dims[n])) return false;
  return a.ijkToLps.every((v, n) => Math.abs(v - b.ijkToLps[n]!) <= toleranceMm);
}

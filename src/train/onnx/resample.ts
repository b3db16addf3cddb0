/**
 * Linear resampling between voxel grids, for models trained at another spacing than the image's: the image goes
 * to the model's grid, the class probabilities come back to the image's, so the labels land on the user's voxels.
 * Pure and separable: one axis at a time, voxel centres aligned (a voxel's centre at (i + 0.5) · n_src / n_dst − 0.5).
 */

/** Data of `dims` = [nx, ny, nz] voxels (x fastest), `channels` values per voxel interleaved. */
export interface Grid {
  data: Float32Array;
  dims: [number, number, number];
  channels: number;
}

/** The size along one axis at `to` mm of `n` voxels at `from` mm (at least 1). */
export function resampledSize(n: number, from: number, to: number): number {
  return Math.max(1, Math.round((n * from) / to));
}

function alongAxis(g: Grid, axis: 0 | 1 | 2, m: number): Grid {
  const n = g.dims[axis];
  if (n === m) return g;
  const dims: [number, number, number] = [...g.dims];
  dims[axis] = m;
  const C = g.channels;
  const out = new Float32Array(dims[0] * dims[1] * dims[2] * C);
  // Strides (in values) of the source and destination along each axis.
  const sStride = [C, g.dims[0] * C, g.dims[0] * g.dims[1] * C];
  const dStride = [C, dims[0] * C, dims[0] * dims[1] * C];
  const scale = n / m;
  const lo = new Int32Array(m);
  const hi = new Int32Array(m);
  const wHi = new Float32Array(m);
  for (let d = 0; d < m; d++) {
    const s = Math.min(n - 1, Math.max(0, (d + 0.5) * scale - 0.5));
    lo[d] = Math.floor(s);
    hi[d] = Math.min(n - 1, lo[d]! + 1);
    wHi[d] = s - lo[d]!;
  }
  const [o1, o2] = ([0, 1, 2] as const).filter((a) => a !== axis) as [0 | 1 | 2, 0 | 1 | 2];
  for (let b = 0; b < dims[o2]; b++) {
    for (let a = 0; a < dims[o1]; a++) {
      const sBase = a * sStride[o1]! + b * sStride[o2]!;
      const dBase = a * dStride[o1]! + b * dStride[o2]!;
      for (let d = 0; d < m; d++) {
        const p = sBase + lo[d]! * sStride[axis]!;
        const q = sBase + hi[d]! * sStride[axis]!;
        const w = wHi[d]!;
        const t = dBase + d * dStride[axis]!;
        for (let c = 0; c < C; c++) out[t + c] = g.data[p + c]! * (1 - w) + g.data[q + c]! * w;
      }
    }
  }
  return { data: out, dims, channels: C };
}

/** `g` on a grid of `dims` voxels covering the same extent (trilinear; axes whose size is unchanged are copied). */
export function resampleGrid(g: Grid, dims: [number, number, number]): Grid {
  return alongAxis(alongAxis(alongAxis(g, 0, dims[0]), 1, dims[1]), 2, dims[2]);
}

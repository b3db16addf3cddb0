/**
 * A brush stroke as a user paints it, for headless runs: discs of radius r stamped along the segment from `a` to
 * `b` (pixel coordinates i, j) on slice k of a label buffer laid out [k][j][i].
 */
export function paintStroke(labels: Uint8Array, dims: [number, number], k: number, a: [number, number], b: [number, number], r: number, value: number): void {
  const [ni, nj] = dims;
  const n = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1])));
  for (let s = 0; s <= n; s++) {
    const ci = a[0] + ((b[0] - a[0]) * s) / n;
    const cj = a[1] + ((b[1] - a[1]) * s) / n;
    for (let j = Math.max(0, Math.floor(cj - r)); j <= Math.min(nj - 1, Math.ceil(cj + r)); j++) {
      for (let i = Math.max(0, Math.floor(ci - r)); i <= Math.min(ni - 1, Math.ceil(ci + r)); i++) {
        if ((i - ci) ** 2 + (j - cj) ** 2 <= r * r) labels[(k * nj + j) * ni + i] = value;
      }
    }
  }
}

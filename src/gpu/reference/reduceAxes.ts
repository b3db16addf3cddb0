/**
 * CPU twin of shaders/reduce_axes.wgsl, the spec it is checked against: x of `shape` summed (or averaged) over
 * `axes`, written for any set of axes by walking every element once and adding it into its output slot, in
 * float64, rounded once. Output in row-major order of the kept axes (keepDims does not change the values).
 */
export function reduceAxesReference(x: Float32Array, shape: readonly number[], axes: readonly number[], mean: boolean): Float32Array {
  const rank = shape.length;
  const reduced = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  const size = shape.reduce((p, q) => p * q, 1);
  if (x.length !== size) throw new Error(`reduceAxesReference: ${x.length} values for shape ${shape.join('×')}`);
  const kept = shape.map((n, i) => (reduced.has(i) ? 1 : n));
  const outSize = kept.reduce((p, q) => p * q, 1);
  const sums = new Float64Array(outSize);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < size; i++) {
    let o = 0;
    for (let d = 0; d < rank; d++) o = o * kept[d]! + (reduced.has(d) ? 0 : index[d]!);
    sums[o]! += x[i]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  const count = size / outSize;
  return Float32Array.from(sums, (s) => (mean ? s / count : s));
}

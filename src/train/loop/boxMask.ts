import type { Random } from '../../data/random.ts';

/**
 * Copy-paste masks on the CPU: for each of n samples of spatial size `spatial` (row-major, last axis fastest), 1
 * everywhere except a box whose side along every axis is ⌊ratio · size⌋, placed uniformly at random inside the
 * sample, where it is 0. This is the M of Bidirectional Copy-Paste (Bai et al., CVPR 2023, Sec. 3.2): a zero-valued
 * region of βH × βW (× βD in 3D). Each sample gets its own box, drawn from `rng`.
 */
export function boxMask(n: number, spatial: readonly number[], ratio: number, rng: Random): Float32Array {
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`the copy-paste box ratio must lie in [0, 1], got ${ratio}`);
  const size = spatial.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * size).fill(1);
  const sides = spatial.map((s) => Math.floor(s * ratio));
  // Strides of each axis, last axis fastest.
  const strides = spatial.map((_, a) => spatial.slice(a + 1).reduce((x, y) => x * y, 1));
  for (let b = 0; b < n; b++) {
    const start = spatial.map((s, a) => rng.int(0, s - sides[a]!));
    fillBox(out, b * size, 0, start, sides, strides);
  }
  return out;
}

/** Zeroes the box [start, start + sides) of one sample, axis by axis. */
function fillBox(out: Float32Array, offset: number, axis: number, start: number[], sides: number[], strides: number[]): void {
  const from = start[axis]!;
  const stride = strides[axis]!;
  for (let i = from; i < from + sides[axis]!; i++) {
    if (axis === start.length - 1) out[offset + i] = 0;
    else fillBox(out, offset + i * stride, axis + 1, start, sides, strides);
  }
}

/**
 * Stride-1 'same' 3D convolutions on tfjs's WebAssembly backend (the CPU path where there is no GPU): tfjs's own
 * Conv3D (a plain loop) with our forward-conv gradients (src/model/ops3d.ts conv3dByKernel, what the V-Net ran on
 * wasm before) against the route as 2D convolutions over slices (conv3dBySlices, XNNPACK underneath), forward alone
 * and forward + both gradients, at the V-Net's shapes. Prints a Markdown table.
 *
 * Usage: npx tsx scripts/bench-conv3d-wasm.mts [--reps 3]   (npm run bench:conv3d-wasm)
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { parseArgs } from 'node:util';
import { conv3dByKernel, conv3dBySlices } from '../src/model/ops3d.ts';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '3' } } });
const reps = Number(values.reps);
await tf.setBackend('wasm');
await tf.ready();

type Conv = (x: tf.Tensor5D, w: tf.Tensor5D) => tf.Tensor5D;
const plain: Conv = (x, w) => conv3dByKernel(x, w, [1, 1, 1], 'same');

async function median(run: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    const out = run();
    for (const t of [out].flat()) await t.data();
    const ms = performance.now() - t0;
    tf.dispose(out);
    if (r > 0) times.push(ms); // the first call warms up
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

const shapes: [string, [number, number, number, number, number], number][] = [
  ['tiny V-Net level 0 (width 4), 2 × 16×32×32', [2, 16, 32, 32, 4], 4],
  ['tiny V-Net merge (8 → 4)', [2, 16, 32, 32, 8], 4],
  ['tiny V-Net level 1 (width 8), 2 × 8×16×16', [2, 8, 16, 16, 8], 8],
  ['tiny stem (1 → 4)', [2, 16, 32, 32, 1], 4],
  ['standard V-Net level 0 (width 16), 4 × 32×48×32', [4, 32, 48, 32, 16], 16],
  ['standard stem (1 → 16)', [4, 32, 48, 32, 1], 16],
];

console.log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}; medians of ${reps} calls after one warm-up`);
console.log('');
console.log(
  '| convolution | x → channels | Conv3D fwd ms | slices fwd ms | speed-up | Conv3D fwd+bwd ms | slices fwd+bwd ms | speed-up | slices GMAC/s (fwd) |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [label, xs, co] of shapes) {
  const x = tf.randomNormal(xs) as tf.Tensor5D;
  const w = tf.randomNormal([3, 3, 3, xs[4]!, co], 0, 0.1) as tf.Tensor5D;
  const probe = tf.randomNormal([...xs.slice(0, 4), co]);
  const grads = (f: Conv) => () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor5D, b as tf.Tensor5D), probe)))([x, w]);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(plain(x, w), conv3dBySlices(x, w)))).dataSync()[0]!);
  if (!(diff < 1e-3)) throw new Error(`${label}: the two routes differ by ${diff}`);
  const fPlain = await median(() => plain(x, w));
  const fSliced = await median(() => conv3dBySlices(x, w));
  const bPlain = await median(grads(plain));
  const bSliced = await median(grads(conv3dBySlices));
  const macs = xs.slice(0, 4).reduce((a, b) => a * b, 1) * 27 * xs[4]! * co;
  console.log(
    `| ${label} | ${xs.join('×')} → ${co} | ${fPlain.toFixed(1)} | ${fSliced.toFixed(1)} | ${(fPlain / fSliced).toFixed(1)}× | ${bPlain.toFixed(1)} | ${bSliced.toFixed(1)} | ${(bPlain / bSliced).toFixed(1)}× | ${(macs / fSliced / 1e6).toFixed(2)} |`,
  );
  tf.dispose([x, w, probe]);
}

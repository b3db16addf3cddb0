/**
 * Where a training step's GPU time goes, per tfjs kernel (WebGPU timestamp queries through tf.profile), with our
 * kernels off: the share the convolutions take is the most that replacing them can save (Amdahl), which is what
 * bounds the whole-step ratio in bench-kernels. Our own dispatches carry no tfjs timer, so with them on only the
 * remaining tfjs kernels are listed. Usage: npx tsx scripts/profile-step.mts [--network 3d|2d] [--kernels off|on]
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { startNodeBackend } from '../src/cli/nodeBackend.ts';
import { Random } from '../src/data/random.ts';
import type { TrainingVolume } from '../src/data/trainingVolume.ts';
import { setCustomKernelsEnabled } from '../src/gpu/customKernels.ts';
import { presetConfig } from '../src/train/config.ts';
import { Trainer } from '../src/train/Trainer.ts';
import { Trainer3D } from '../src/train/Trainer3D.ts';

const { values } = parseArgs({ options: { network: { type: 'string', default: '3d' }, kernels: { type: 'string', default: 'off' } } });
await startNodeBackend('webgpu', true);
setCustomKernelsEnabled(values.kernels === 'on');

function volume(labeled: boolean, dims: [number, number, number]): TrainingVolume {
  const rng = new Random(labeled ? 1 : 2);
  const n = dims[0] * dims[1] * dims[2];
  const image = Float32Array.from({ length: n }, () => rng.normal());
  const labels = Uint8Array.from(image, (v) => (v > 1 ? 1 : v < -1 ? 2 : 0));
  return {
    id: labeled ? 'l' : 'u',
    dims,
    spacing: [1, 1, 1],
    channels: 1,
    image,
    labels: labeled ? labels : new Uint8Array(n),
    labeled: new Uint8Array(n).fill(labeled ? 1 : 0),
  };
}

const noVal = { fraction: 0, minLabeledSlices: 1e9 };
const trainer =
  values.network === '3d'
    ? new Trainer3D(
        [volume(true, [35, 51, 35]), volume(false, [35, 51, 35])],
        3,
        presetConfig('mean-teacher', {
          seed: 1,
          model: { kind: '3d', width: 4, depth: 2 },
          patch3d: [16, 32, 32],
          batchLabeled: 2,
          batchUnlabeled: 2,
          validation: noVal,
        }),
      )
    : new Trainer(
        [volume(true, [64, 64, 6]), volume(false, [64, 64, 6])],
        3,
        presetConfig('mean-teacher', {
          seed: 1,
          model: { kind: '2d', width: 8, depth: 2 },
          patch: [64, 64],
          batchLabeled: 2,
          batchUnlabeled: 2,
          validation: noVal,
        }),
      );
await trainer.trainStep(); // warm-up
const t0 = performance.now();
const info = await tf.profile(async () => {
  await trainer.trainStep();
});
const wall = performance.now() - t0;
const byName = new Map<string, { ms: number; calls: number }>();
let total = 0;
for (const k of info.kernels) {
  const ms = Number(k.kernelTimeMs) || 0;
  total += ms;
  const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
  e.ms += ms;
  e.calls++;
  byName.set(k.name, e);
}
const CONV = /^(Conv3D|Conv3DBackpropInputV2|Conv3DBackpropFilterV2|Conv2D|Conv2DBackpropFilter|Conv2DBackpropInput)$/;
const conv = [...byName].filter(([n]) => CONV.test(n)).reduce((a, [, e]) => a + e.ms, 0);
console.log(
  `${values.network} tiny step, our kernels ${values.kernels}: ${info.kernels.length} tfjs kernel calls, ${total.toFixed(0)} ms of timed GPU work, ${wall.toFixed(0)} ms wall (profiling ends the pass after every kernel)`,
);
console.log(
  `convolutions: ${conv.toFixed(0)} ms = ${((100 * conv) / total).toFixed(1)} % → replacing them can make the step at most ${(total / (total - conv)).toFixed(2)}× faster`,
);
console.log('| kernel | calls | GPU ms | share |');
console.log('|---|---|---|---|');
for (const [n, e] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15))
  console.log(`| ${n} | ${e.calls} | ${e.ms.toFixed(0)} | ${((100 * e.ms) / total).toFixed(1)} % |`);
trainer.dispose();
process.exit(0);

/**
 * Seconds per 3D training step and peak memory, on every tfjs backend this machine has (issue #5): a mean-teacher
 * V-Net step on a synthetic hippocampus-sized volume, for the sizes the app picks (tiny on software GPUs, small on
 * WebAssembly, standard on real GPUs; see SHAPES for their batches). Peak memory is what each backend
 * can tell: WebGPU's buffer pool (numBytesAllocatedInGPU, which only grows, so after the steps it is the peak), the
 * WASM heap's size (it too only grows), the cpu backend's live tensor bytes after a step; beside it, our estimate
 * (src/train/memoryEstimate.ts). Usage: npx tsx scripts/bench-3d-step.mts [backends=wasm,cpu,webgpu] [configs=tiny,small,standard]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Random } from '../src/data/random.ts';
import type { TrainingVolume } from '../src/data/trainingVolume.ts';
import { startNodeBackend } from '../src/cli/nodeBackend.ts';
import { presetConfig } from '../src/train/config.ts';
import { estimateRun3DMemory } from '../src/train/memoryEstimate.ts';
import { Trainer3D } from '../src/train/Trainer3D.ts';

const backends = (process.argv[2] ?? 'wasm,cpu,webgpu').split(',');
const configs = (process.argv[3] ?? 'tiny,small,standard').split(',');
// The app's sizes (src/train/modelSize.ts): tiny on software GPUs, small on WebAssembly, standard on real GPUs. Each
// with 2 + 2 patches, except small at the app's 4 + 4 (standard at 4 + 4 needs more than WebAssembly's 4 GiB).
const SHAPES: Record<string, { width: number; depth: number; patch: [number, number, number]; batch: number }> = {
  tiny: { width: 4, depth: 2, patch: [16, 32, 32], batch: 2 },
  small: { width: 8, depth: 3, patch: [32, 32, 32], batch: 4 },
  standard: { width: 16, depth: 3, patch: [32, 48, 32], batch: 2 },
};

function volume(labeled: boolean): TrainingVolume {
  const rng = new Random(labeled ? 1 : 2);
  const dims: [number, number, number] = [35, 51, 35];
  const n = dims[0] * dims[1] * dims[2];
  const image = new Float32Array(n);
  const labels = new Uint8Array(n);
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) {
        const p = (k * dims[1] + j) * dims[0] + i;
        const r2 = (i - 17) ** 2 + (j - 25) ** 2 + (k - 17) ** 2;
        labels[p] = r2 < 36 ? 1 : r2 < 100 && j > 25 ? 2 : 0;
        image[p] = labels[p]! + 0.3 * rng.normal();
      }
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

const mib = (b: number) => (b / 2 ** 20).toFixed(0);
const rows: string[] = [];
for (const b of backends) {
  try {
    if (b === 'webgpu') await startNodeBackend('webgpu');
    else {
      await tf.setBackend(b);
      await tf.ready();
    }
  } catch (e) {
    rows.push(`| ${b} | — | not available: ${(e as Error).message.split('\n')[0]} | | | |`);
    continue;
  }
  for (const c of configs) {
    const shape = SHAPES[c]!;
    const cfg = presetConfig('mean-teacher', {
      seed: 1,
      model: { kind: '3d', width: shape.width, depth: shape.depth },
      patch3d: shape.patch,
      batchLabeled: shape.batch,
      batchUnlabeled: shape.batch,
      validation: { fraction: 0, minLabeledSlices: 1e9 },
    });
    const t = new Trainer3D([volume(true), volume(false)], 3, cfg);
    const est = estimateRun3DMemory({ model: t.model, patch: t.patch, batchLabeled: shape.batch, batchUnlabeled: shape.batch, teacher: true });
    await t.trainStep();
    const steps = b === 'webgpu' || c === 'standard' ? 1 : 3;
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) await t.trainStep();
    const sec = (performance.now() - t0) / 1000 / steps;
    const mem = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number };
    const wasmHeap = b === 'wasm' ? (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length : null;
    const measured =
      b === 'webgpu'
        ? `${mib(mem.numBytesAllocatedInGPU ?? 0)} MiB (GPU buffer pool)`
        : b === 'wasm'
          ? `${mib(wasmHeap!)} MiB (WASM heap)`
          : `${mib(mem.numBytes)} MiB (live tensors after a step)`;
    rows.push(
      `| ${b} | ${c}: width ${shape.width}, depth ${shape.depth}, patch ${t.patch.join('×')}, ${shape.batch} + ${shape.batch}, ${t.student.count()} params | ${sec.toFixed(2)} | ${measured} | ${mib(est.totalBytes)} MiB | ${steps} |`,
    );
    console.error(rows.at(-1));
    t.dispose();
  }
}
console.log('| backend | configuration (mean teacher, labeled + unlabeled patches) | s/step | peak memory measured | estimate | steps timed |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
process.exit(0);

/**
 * 2D training on a real 512² scan, headless, as the app runs it with every setting on Auto: the DICOM series
 * `../shared/datasets/dicom/mr-brain-t1post` opened by the repo's io, two painted strokes on two slices, a
 * mean-teacher TrainingSession on the chosen backend with modelSize 'auto' and the app's config. Prints each step's
 * time, the wasm heap and tfjs's live bytes, and any error the session reports.
 * Usage: npx tsx scripts/repro-real-scan-2d.mts [steps=25] [backend=wasm] [modelSize=auto]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { openInputs } from '../src/io/openInputs.ts';
import { nodeFolder } from '../src/io/testing/nodeFiles.ts';
import { presetConfig } from '../src/train/config.ts';
import type { FromWorker, WorkerVolume } from '../src/train/protocol.ts';
import type { ModelSizeChoice } from '../src/train/modelSize.ts';
import { TrainingSession } from '../src/train/TrainingSession.ts';
import { startNodeBackend } from '../src/cli/nodeBackend.ts';
import { paintStroke } from './paintStroke.ts';

const steps = Number(process.argv[2] ?? 25);
const backend = (process.argv[3] ?? 'wasm') as 'wasm' | 'webgpu' | 'cpu';
const modelSize = (process.argv[4] ?? 'auto') as ModelSizeChoice;
const DIR = '../shared/datasets/dicom/mr-brain-t1post';
if (!existsSync(DIR)) {
  console.log(`skipped: ${DIR} is absent`);
  process.exit(0);
}
const opened = await openInputs(nodeFolder(DIR));
const v = opened.volumes[0]!;
const [ni, nj, nk] = v.geometry.dims;
const labels = new Uint8Array(ni * nj * nk);
const slices: [Uint8Array, Uint8Array, Uint8Array] = [new Uint8Array(ni), new Uint8Array(nj), new Uint8Array(nk)];
// Two strokes, as a user paints them: a brush of radius 8 along a short line, on two slices.
paintStroke(labels, [ni, nj], 10, [200, 220], [260, 240], 8, 1);
paintStroke(labels, [ni, nj], 12, [210, 230], [250, 260], 8, 1);
slices[2][10] = 1;
slices[2][12] = 1;
const wv: WorkerVolume = {
  id: v.id,
  validation: [],
  dims: [ni, nj, nk],
  spacing: [...v.geometry.spacing],
  channels: v.channels,
  voxels: v.voxels,
  labels,
  slices,
};

if (backend === 'webgpu') await startNodeBackend('webgpu');
const heap = (): number => {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  return b.wasm ? b.wasm.HEAPU8.buffer.byteLength : 0;
};
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
let done: () => void = () => {};
const finished = new Promise<void>((r) => (done = r));
let peakLive = 0;
const session = new TrainingSession((m: FromWorker) => {
  if (m.type === 'step') {
    peakLive = Math.max(peakLive, tf.memory().numBytes);
    console.log(
      `step ${m.report.step}: ${(m.report.ms / 1000).toFixed(2)} s, loss ${m.report.losses.total.toFixed(3)}, heap ${mib(heap())}, live ${mib(tf.memory().numBytes)}`,
    );
    if (m.report.step >= steps) session.handle({ type: 'stop' });
  } else if (m.type === 'prediction') console.log(`  prediction k=${m.k} at step ${m.step} (${m.labels.filter((x) => x > 0).length} px foreground)`);
  else if (m.type === 'error') {
    console.log(`ERROR: ${m.message}`);
  } else if (m.type === 'state') {
    console.log(`state ${m.state}`);
    if (m.state === 'stopped' || m.state === 'error') done();
  } else if (m.type === 'ready')
    console.log(
      `ready: patch ${m.patch.join('×')}, ${m.modelSize} (width ${m.width}, depth ${m.depth}), ${m.labeledSlices} labeled, ${m.validationSlices} validation`,
    );
  else if (m.type === 'memory2d' || m.type === 'backend' || m.type === 'validation' || m.type === 'notice')
    console.log(m.type, JSON.stringify(m.type === 'backend' ? { name: m.choice.name } : m));
});
const config = presetConfig('mean-teacher', { seed: 1, model: { kind: '2d' }, validation: { everySteps: 20 } });
session.handle({
  type: 'start',
  config,
  classes: [{ value: 1, name: 'Tumour' }],
  volumes: [wv],
  backendOrder: [backend],
  skipSoftware: false,
  customKernels: true,
  modelSize,
  wasmPaths: '',
  checkpoint: null,
  checkpointEveryMs: 3_600_000,
  texts: null,
  textVectors: null,
  tak: null,
  takVectors: null,
});
session.handle({ type: 'watch', volumeId: v.id, ks: [10, 9, 11] });
await finished;
console.log(`wasm heap at the end ${mib(heap())}; peak live tensors after a step ${mib(peakLive)}`);
session.dispose();

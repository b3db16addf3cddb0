/**
 * Training on clinical-size volumes with the app's defaults: the worker's own TrainingSession (every setting on
 * Auto, as the panel starts it) driven headless in Node, on synthetic CT of 512²×22, 512²×300 and 512²×600 with a
 * few painted slices. Prints, per size and backend: the backend that actually ran, the 2D memory verdict (estimate
 * against the budget and what was chosen), the set-up time (start → ready: normalisation, fitting, the model),
 * seconds per step (wall clock, live previews included, and the step alone), time from asking for a slice to its
 * pseudo-label, and peak memory (the process' resident set, and the WebAssembly heap on wasm).
 *
 *   npx tsx scripts/bench-large-training.mts [--sizes 22,300,600] [--backends wasm,cpu,webgpu] [--steps 6] [--wait 900] [--out FILE]
 *
 * Each size and backend runs in its own process: a WebAssembly heap never shrinks, so one run's peak would
 * otherwise carry into the next. WebGPU in Node is Dawn (npm `webgpu`); without a GPU it runs on Chromium's
 * SwiftShader, started as src/cli/nodeBackend.ts does.
 * The volumes are made in memory by the seeded generator (src/demo/syntheticCt.ts); nothing is written to disk.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadShadersFromDisk } from '../src/gpu/shaderSources.node.ts';
import { makeSyntheticCt, SYNTHETIC_CT_CLASSES } from '../src/demo/syntheticCt.ts';
import { presetConfig } from '../src/train/config.ts';
import type { BackendName } from '../src/train/backend.ts';
import type { FromWorker, WorkerVolume } from '../src/train/protocol.ts';
import { TrainingSession } from '../src/train/TrainingSession.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '22,300,600' },
    backends: { type: 'string', default: 'wasm' },
    steps: { type: 'string', default: '6' },
    /** Seconds to wait for each event (the first pseudo-label, each step): a software GPU's step can take many minutes. */
    wait: { type: 'string', default: '900' },
    out: { type: 'string' },
    /** Internal: run one size on one backend in this process and print its row as JSON. */
    one: { type: 'boolean', default: false },
  },
});
const sizes = values.sizes!.split(',').map(Number);
const backends = values.backends!.split(',') as BackendName[];
const steps = Number(values.steps);
const waitMs = Number(values.wait) * 1000;

function paintedVolume(nk: number): WorkerVolume {
  const { volume, labels } = makeSyntheticCt({ dims: [512, 512, nk] });
  const per = 512 * 512;
  const painted = new Uint8Array(labels.length);
  const slices: [Uint8Array, Uint8Array, Uint8Array] = [new Uint8Array(512), new Uint8Array(512), new Uint8Array(nk)];
  // Three labeled slices spread through the volume, as a user paints a few.
  for (const k of [Math.floor(nk / 4), Math.floor(nk / 2), Math.floor((3 * nk) / 4)]) {
    painted.set(labels.subarray(k * per, (k + 1) * per), k * per);
    slices[2][k] = 1;
  }
  return {
    id: volume.id,
    validation: [],
    dims: volume.geometry.dims,
    spacing: volume.geometry.spacing,
    channels: 1,
    voxels: volume.voxels,
    labels: painted,
    slices,
  };
}

function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.length ?? null;
}

interface Row {
  size: string;
  backend: string;
  /** The backend the session started (Auto may fall back; a missing WebGPU adapter must not pass for WebGPU). */
  ran: string;
  verdict: string;
  setupSeconds: number | null;
  stepOnlySeconds: number | null;
  patch: string;
  secondsPerStep: number | null;
  firstPredictionMs: number | null;
  peakRssMiB: number;
  wasmHeapMiB: number | null;
  error: string | null;
}

async function run(nk: number, backend: BackendName): Promise<Row> {
  const volume = paintedVolume(nk);
  const events: FromWorker[] = [];
  let peakRss = process.memoryUsage().rss;
  let peakHeap = 0;
  const waiters: ((m: FromWorker) => void)[] = [];
  const session = new TrainingSession((m) => {
    events.push(m);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    peakHeap = Math.max(peakHeap, wasmHeapBytes() ?? 0);
    for (const w of [...waiters]) w(m);
  });
  const until = (pred: (m: FromWorker) => boolean, ms: number, what = 'an event'): Promise<FromWorker> =>
    new Promise((resolve, reject) => {
      const found = events.find(pred);
      if (found) return resolve(found);
      // Name what was awaited and where the session was, so a timed-out row says which.
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}; session: ${JSON.stringify(session.debugState())}`)),
        ms,
      );
      const w = (m: FromWorker): void => {
        if (m.type === 'error') {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(m.message));
        } else if (pred(m)) {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(w), 1);
          resolve(m);
        }
      };
      waiters.push(w);
    });
  const classes = SYNTHETIC_CT_CLASSES.map((c) => ({ value: c.value, name: c.name }));
  const row: Row = {
    size: `512×512×${nk}`,
    backend,
    ran: '',
    verdict: '',
    setupSeconds: null,
    stepOnlySeconds: null,
    patch: '',
    secondsPerStep: null,
    firstPredictionMs: null,
    peakRssMiB: 0,
    wasmHeapMiB: null,
    error: null,
  };
  const t00 = performance.now();
  try {
    session.handle({
      type: 'start',
      config: presetConfig('mean-teacher'),
      classes,
      volumes: [volume],
      backendOrder: [backend],
      skipSoftware: false,
      customKernels: true,
      modelSize: 'auto',
      wasmPaths: '',
      checkpoint: null,
      checkpointEveryMs: 3_600_000,
      texts: null,
      textVectors: null,
      tak: null,
      takVectors: null,
    });
    const chosen = (await until((m) => m.type === 'backend', 600_000)) as Extract<FromWorker, { type: 'backend' }>;
    row.ran = `${chosen.choice.name}${chosen.choice.adapter ? ` (${chosen.choice.adapter})` : ''}`;
    if (chosen.choice.name !== backend) throw new Error(`asked for ${backend}, ran on ${chosen.choice.name}: ${chosen.choice.notes.join(' ')}`);
    const mem = (await until((m) => m.type === 'memory2d', 600_000)) as Extract<FromWorker, { type: 'memory2d' }>;
    const used = mem.used;
    row.verdict = `${(mem.estimateBytes / 2 ** 20).toFixed(0)} of ${(mem.budgetBytes / 2 ** 20).toFixed(0)} MiB (${mem.budgetSource})${mem.reason ? `; shrunk: ${mem.reason}` : ''}`;
    row.patch = used ? `${used.patch.join('×')}, batch ${used.batchLabeled}+${used.batchUnlabeled}, width ${used.width}` : 'nothing fits';
    await until((m) => m.type === 'ready', 600_000);
    row.setupSeconds = (performance.now() - t00) / 1000;
    const t0 = performance.now();
    session.handle({ type: 'watch', volumeId: volume.id, ks: [Math.floor(nk / 3)] });
    await until((m) => m.type === 'prediction', waitMs, 'the first pseudo-label');
    row.firstPredictionMs = performance.now() - t0;
    const first = (await until((m) => m.type === 'step', waitMs, 'step 1')) as Extract<FromWorker, { type: 'step' }>;
    const start = first.elapsedMs;
    const last = (await until((m) => m.type === 'step' && m.report.step >= steps, steps * waitMs, `step ${steps}`)) as Extract<FromWorker, { type: 'step' }>;
    row.secondsPerStep = (last.elapsedMs - start) / 1000 / (last.report.step - first.report.step);
    const stepMs = events.flatMap((m) => (m.type === 'step' && m.report.step > first.report.step && m.report.step <= last.report.step ? [m.report.ms] : []));
    row.stepOnlySeconds = stepMs.reduce((a, b) => a + b, 0) / 1000 / Math.max(1, stepMs.length);
  } catch (e) {
    row.error = (e as Error).message;
  } finally {
    session.handle({ type: 'stop' });
    await until((m) => m.type === 'state' && (m.state === 'stopped' || m.state === 'error'), 120_000).catch(() => undefined);
    session.dispose();
  }
  row.peakRssMiB = peakRss / 2 ** 20;
  row.wasmHeapMiB = backend === 'wasm' ? peakHeap / 2 ** 20 : null;
  return row;
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** What src/cli/nodeBackend.ts does before tfjs looks for WebGPU: Dawn as navigator.gpu, our shaders from disk. */
async function startNodeWebGPU(): Promise<void> {
  loadShadersFromDisk();
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
}

if (values.one) {
  const backend = backends[0]!;
  if (backend === 'webgpu') await startNodeWebGPU();
  const r = await run(sizes[0]!, backend);
  console.log(`ROW ${JSON.stringify(r)}`);
  // Dawn's device keeps the process alive.
  process.exit(0);
}

const rows: Row[] = [];
const self = fileURLToPath(import.meta.url);
for (const backend of backends) {
  for (const nk of sizes) {
    let r: Row;
    try {
      const out = execFileSync(
        'npx',
        ['tsx', self, '--one', '--sizes', String(nk), '--backends', backend, '--steps', String(steps), '--wait', String(values.wait)],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 },
      );
      const line = out.split('\n').find((l) => l.startsWith('ROW '));
      if (!line) throw new Error(`no result line in:\n${out.slice(-2000)}`);
      r = JSON.parse(line.slice(4)) as Row;
    } catch (e) {
      r = {
        size: `512×512×${nk}`,
        backend,
        ran: '',
        verdict: '',
        setupSeconds: null,
        stepOnlySeconds: null,
        patch: '',
        secondsPerStep: null,
        firstPredictionMs: null,
        peakRssMiB: 0,
        wasmHeapMiB: null,
        error: (e as Error).message.split('\n')[0]!,
      };
    }
    rows.push(r);
    console.log(JSON.stringify(r));
  }
}
const fmt = (x: number | null, d = 1): string => (x === null ? '—' : x.toFixed(d));
const table = [
  '| volume | backend (ran) | memory verdict | trains at | set-up | s/step (wall) | s/step (step only) | first pseudo-label | peak RSS | WASM heap | error |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.size} | ${r.ran || r.backend} | ${r.verdict} | ${r.patch} | ${fmt(r.setupSeconds)} s | ${fmt(r.secondsPerStep, 2)} | ${fmt(r.stepOnlySeconds, 2)} | ${r.firstPredictionMs !== null ? `${(r.firstPredictionMs / 1000).toFixed(1)} s` : '—'} | ${r.peakRssMiB.toFixed(0)} MiB | ${r.wasmHeapMiB !== null ? `${r.wasmHeapMiB.toFixed(0)} MiB` : '—'} | ${r.error ?? ''} |`,
  ),
].join('\n');
console.log(table);
if (values.out) writeFileSync(values.out, `${table}\n`);
process.exit(rows.some((r) => r.error) ? 1 : 0);

import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { presetConfig, type PresetName } from '../../src/train/config.ts';
import type { FromWorker, ToWorker } from '../../src/train/protocol.ts';
import type { WorkspaceTexts } from '../../src/train/vlm/textStage.ts';
import type { BenchCases } from './benchCases.ts';
import { SHELL_READY } from './shellReady.ts';
import { unlabeledDice, type DiceScore } from './unlabeledDice.ts';

/** One look at the live pseudo-labels: when (training clock and wall clock), after which step, and their Dice. */
export interface Sample extends DiceScore {
  /** Training clock: wall seconds since the start message, the sampling pauses left out. */
  seconds: number;
  /** The same on the CPU clock: CPU seconds this process used, the sampling pauses' left out. */
  cpuSeconds: number;
  /** Wall seconds since the start message, pauses included. */
  wallSeconds: number;
  step: number;
  /** How long the predictions behind this sample took (off the training clock). */
  predictSeconds: number;
  load1: number;
}

export interface MethodRun {
  preset: string;
  backend: string;
  ready: Extract<FromWorker, { type: 'ready' }> | null;
  samples: Sample[];
  steps: number;
  errors: string[];
}

/** The worker's module: TypeScript, so the worker registers tsx's loader before importing it. */
const WORKER_SOURCE = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./sessionWorker.mts', import.meta.url).href)}); });`;

/** The app's checkpoint cadence (app/training/TrainingController.ts): the run pays for it as the app's does. */
const CHECKPOINT_EVERY_MS = 60_000;
const CHECKPOINT_EVERY_STEPS = 25;

/**
 * Trains one method in a worker thread for `seconds` of training clock, as the page drives the worker: the start
 * message with the app's config for the preset (Auto model size), and the middle slice of the first volume watched
 * as if on screen. Every `every` seconds it pauses the run, asks for the pseudo-labels, scores them on the
 * unlabeled slices, and resumes; the training clock leaves those pauses out (they are the benchmark's, not the app's).
 */
export async function runMethod(o: {
  preset: PresetName;
  cases: BenchCases;
  seconds: number;
  every: number;
  texts: WorkspaceTexts | null;
  /**
   * How the pseudo-labels are asked for: predict-all (every volume whole, the app's "Predict all"), or the live
   * layers of each scored volume in turn (`watch`, as the page asks when the user looks at it) where predicting
   * every volume whole costs minutes (MoNuSeg's 1000² tiles on a busy CPU).
   */
  scoreBy: 'predictAll' | 'watch';
  /**
   * Which clock the budget and the samples follow: wall seconds, or the CPU seconds the run got (on a machine
   * shared with other jobs, the wall clock measures the other jobs as much as the run).
   */
  clock: 'wall' | 'cpu';
  /** Called after every sample, so a run cut short keeps what it measured. */
  onSample?: (run: MethodRun) => void;
  log: (line: string) => void;
}): Promise<MethodRun> {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  const loaded = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: { type?: string }) => m.type === SHELL_READY && resolve());
    worker.on('error', reject);
  });
  const out: MethodRun = { preset: o.preset, backend: '', ready: null, samples: [], steps: 0, errors: [] };
  const listeners = new Set<(m: FromWorker) => void>();
  let lastStep = 0;
  let lastStepAt = 0;
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let lastStepCpu = 0;
  worker.on('message', (m: FromWorker) => {
    if (m.type === 'step') {
      lastStep = m.report.step;
      lastStepAt = performance.now();
      lastStepCpu = cpuNow();
    } else if (m.type === 'backend') out.backend = m.choice.name;
    else if (m.type === 'ready') out.ready = m;
    else if (m.type === 'error') {
      out.errors.push(m.message);
      o.log(`  worker error: ${m.message}`);
    } else if (m.type === 'notice') o.log(`  notice: ${m.message}`);
    for (const l of [...listeners]) l(m);
  });
  const crashed = new Promise<never>((_, reject) => worker.on('error', reject));
  const send = (m: ToWorker) => worker.postMessage(m);
  const until = <T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> =>
    Promise.race([
      crashed,
      new Promise<Extract<FromWorker, { type: T }>>((resolve) => {
        const l = (m: FromWorker) => {
          if (m.type !== type) return;
          listeners.delete(l);
          resolve(m as Extract<FromWorker, { type: T }>);
        };
        listeners.add(l);
      }),
    ]);

  await loaded;
  const volumes = o.cases.volumes();
  const watched = volumes[0]!;
  const watchAt = Math.floor(watched.dims[2] / 2);
  const started = performance.now();
  const cpuStarted = cpuNow();
  let offMs = 0;
  let offCpu = 0;
  const clock = () => (o.clock === 'cpu' ? cpuNow() - cpuStarted - offCpu : (performance.now() - started - offMs) / 1000);
  // The app's start message (app/training/TrainingController.ts), on WebAssembly: this benchmark measures the CPU.
  send({
    type: 'start',
    config: presetConfig(o.preset, { seed: 1, validation: { everySteps: 20 } }),
    classes: o.cases.classes,
    volumes,
    backendOrder: ['wasm'],
    skipSoftware: true,
    customKernels: true,
    modelSize: 'auto',
    wasmPaths: '',
    checkpoint: null,
    checkpointEveryMs: CHECKPOINT_EVERY_MS,
    checkpointEverySteps: CHECKPOINT_EVERY_STEPS,
    texts: o.texts,
    textVectors: null,
    tak: null,
    takVectors: null,
  });
  send({ type: 'watch', volumeId: watched.id, ks: [watchAt] });
  const ready = await until('ready');
  o.log(
    `  ${o.preset}: ${ready.network} ${ready.modelSize} width ${ready.width}, patch ${ready.patch.join('×')}, ${ready.parameters} parameters; slices ${ready.labeledSlices} labeled, ${ready.validationSlices} validation, ${ready.unlabeledSlices} unlabeled`,
  );

  /** Each scored volume's live layers, one volume on screen after another; the page's own slice on screen after. */
  const watchEach = async (predictions: Map<string, Uint8Array>): Promise<void> => {
    // An untrained network shows nothing (session/liveLayers.ts): nothing to ask for.
    if (lastStep === 0) return;
    for (const v of o.cases.scored) {
      const per = v.dims[0] * v.dims[1];
      const labels = new Uint8Array(v.truth.length);
      const wanted = new Set(Array.from({ length: v.dims[2] }, (_, k) => k));
      const got = new Promise<void>((resolve) => {
        const l = (m: FromWorker) => {
          if (m.type !== 'prediction' || m.volumeId !== v.id || !wanted.has(m.k)) return;
          labels.set(m.labels, m.k * per);
          wanted.delete(m.k);
          if (wanted.size === 0) {
            listeners.delete(l);
            resolve();
          }
        };
        listeners.add(l);
      });
      send({ type: 'watch', volumeId: v.id, ks: [...wanted] });
      await Promise.race([crashed, got]);
      predictions.set(v.id, labels);
    }
    send({ type: 'watch', volumeId: watched.id, ks: [watchAt] });
  };
  const predictAll = async (predictions: Map<string, Uint8Array>): Promise<void> => {
    const collect = (m: FromWorker) => {
      if (m.type === 'predictAllVolume') predictions.set(m.volumeId, m.labels);
    };
    listeners.add(collect);
    const done = until('predictAllDone');
    send({ type: 'predictAll' });
    await done;
    listeners.delete(collect);
  };

  const sample = async (): Promise<void> => {
    const pausedAt = performance.now();
    const pausedCpu = cpuNow();
    const predictions = new Map<string, Uint8Array>();
    send({ type: 'pause' });
    await (o.scoreBy === 'watch' ? watchEach(predictions) : predictAll(predictions));
    // The step in flight when the pause was asked for still trains: the clock stops after it.
    const offFrom = Math.max(pausedAt, lastStepAt);
    const offFromCpu = lastStepAt > pausedAt ? lastStepCpu : pausedCpu;
    const seconds = (offFrom - started - offMs) / 1000;
    const cpuSeconds = offFromCpu - cpuStarted - offCpu;
    const predictSeconds = (performance.now() - offFrom) / 1000;
    const score = unlabeledDice(
      o.cases.scored.map((s) => predictions.get(s.id) ?? new Uint8Array(s.truth.length)),
      o.cases.scored,
      o.cases.classes.map((c) => c.value),
    );
    const s: Sample = {
      seconds,
      cpuSeconds,
      wallSeconds: (performance.now() - started) / 1000,
      step: lastStep,
      predictSeconds,
      load1: loadavg()[0]!,
      ...score,
    };
    out.samples.push(s);
    o.log(
      `  ${s.seconds.toFixed(1)} s (CPU ${cpuSeconds.toFixed(1)} s), step ${s.step}: Dice ${s.mean?.toFixed(3) ?? 'n/a'} (predicting ${predictSeconds.toFixed(1)} s, load ${s.load1.toFixed(2)})`,
    );
    send({ type: 'resume' });
    offMs += performance.now() - offFrom;
    offCpu += cpuNow() - offFromCpu;
    out.steps = lastStep;
    o.onSample?.(out);
  };
  /** Until the run's clock reads `at` (the CPU clock is polled: no timer fires on CPU time). */
  const reach = async (at: number): Promise<void> => {
    for (let left = at - clock(); left > 0; left = at - clock())
      await Promise.race([crashed, new Promise((r) => setTimeout(r, o.clock === 'cpu' ? Math.min(250, left * 1000) : left * 1000))]);
  };

  try {
    for (let at = o.every; at <= o.seconds + 1e-9; at += o.every) {
      await reach(at);
      if (out.errors.length) break;
      await sample();
    }
  } finally {
    out.steps = lastStep;
    send({ type: 'stop' });
    await worker.terminate();
  }
  return out;
}

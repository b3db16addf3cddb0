import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { generateDemoDataset } from '../demo/generateDemo.ts';
import { decodeCheckpoint } from './checkpoint.ts';
import { presetConfig } from './config.ts';
import type { FromWorker, ToWorker, WorkerVolume } from './protocol.ts';
import { uncertaintyBytes } from './inference.ts';
import { TrainingSession } from './TrainingSession.ts';
import { DEMO_CLASSES } from '../demo/generateDemo.ts';
import { workspaceTexts } from '../text/workspaceTexts.ts';

function demoVolumes(): WorkerVolume[] {
  const demo = generateDemoDataset({ count: 2, dims: [32, 32, 8] });
  return demo.volumes.map((v, n) => {
    const l = demo.initialLabels[n]!;
    if (n === 0) {
      // Three labeled slices from the truth.
      const per = 32 * 32;
      for (const k of [2, 4, 6]) {
        l.voxels.set(demo.groundTruth[0]!.subarray(k * per, (k + 1) * per), k * per);
        l.slices[2][k] = 1;
      }
    }
    return { id: v.id, validation: [], dims: v.geometry.dims, spacing: v.geometry.spacing, channels: 1, voxels: v.voxels, labels: l.voxels, slices: l.slices };
  });
}

/** Drives a session as the UI does, collecting events. */
function harness() {
  const events: FromWorker[] = [];
  const waiters: { pred: (m: FromWorker) => boolean; resolve: (m: FromWorker) => void }[] = [];
  const session = new TrainingSession((m) => {
    events.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const until = <T extends FromWorker['type']>(
    type: T,
    pred: (m: Extract<FromWorker, { type: T }>) => boolean = () => true,
  ): Promise<Extract<FromWorker, { type: T }>> =>
    new Promise((resolve, reject) => {
      const found = events.find((m) => m.type === type && pred(m as Extract<FromWorker, { type: T }>));
      if (found) return resolve(found as Extract<FromWorker, { type: T }>);
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no ${type} event; got ${events
                .filter((e) => e.type !== 'step' && e.type !== 'prediction')
                .map((e) => e.type + (e.type === 'error' ? ': ' + e.message : ''))
                .join(', ')}`,
            ),
          ),
        60_000,
      );
      waiters.push({
        pred: (m) => m.type === type && pred(m as Extract<FromWorker, { type: T }>),
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<FromWorker, { type: T }>);
        },
      });
    });
  const send = (m: ToWorker) => session.handle(m);
  return { session, events, until, send };
}

describe("training session (the worker's engine, driven through its protocol)", () => {
  it('trains, serves predictions for watched slices, takes label edits, checkpoints on pause and resumes from it', async () => {
    const { session, events, until, send } = harness();
    const volumes = demoVolumes();
    const config = presetConfig('mean-teacher', {
      model: { width: 4, depth: 2 },
      batchLabeled: 2,
      batchUnlabeled: 2,
      validation: { everySteps: 3, minLabeledSlices: 3, fraction: 0.34 },
    });
    const classes = [
      { value: 1, name: 'Organ' },
      { value: 2, name: 'Lesion' },
      { value: 3, name: 'Vessel' },
    ];
    send({
      type: 'start',
      config,
      classes,
      volumes,
      backendOrder: ['wasm'],
      skipSoftware: true,
      customKernels: true,
      modelSize: 'tiny',
      wasmPaths: '',
      checkpoint: null,
      checkpointEveryMs: 3_600_000,
      texts: null,
      textVectors: null,
      tak: null,
      takVectors: null,
    });
    const backend = await until('backend');
    expect(backend.choice.name).toBe('wasm');
    const ready = await until('ready');
    // The demo's two labeled slices plus the three added here: two held out (34 %), three train.
    const labeledK = [...demoVolumes()[0]!.slices[2]].filter((p) => p !== 0).length;
    expect(ready.labeledSlices + ready.validationSlices).toBe(labeledK);
    expect(ready.validationSlices).toBe(Math.round(labeledK * 0.34));
    // Named, so the app can tell whether two runs were validated on the same slices.
    const ids = new Set(volumes.map((v) => v.id));
    expect(ready.validationSet).toHaveLength(ready.validationSlices);
    expect(ready.validationSet!.every((s) => ids.has(s.slice(0, s.lastIndexOf(':'))))).toBe(true);
    expect(ready.validationLabels).toMatch(/^[0-9a-f]{8}$/);
    send({ type: 'watch', volumeId: volumes[0]!.id, ks: [3] });
    const p = await until('prediction', (m) => m.k === 3);
    expect(p.labels).toHaveLength(32 * 32);
    expect(p.uncertainty).toHaveLength(32 * 32);
    for (const v of new Set(p.labels)) expect([0, 1, 2, 3]).toContain(v);
    await until('step', (m) => m.report.step >= 3);
    const val = await until('validation');
    expect(val.report.dice).toHaveLength(3);

    // A label edit during training: slice 0 of the second volume becomes labeled.
    const second = volumes[1]!;
    const labels = new Uint8Array(32 * 32 * 8);
    labels.fill(1, 0, 100);
    const slices: [Uint8Array, Uint8Array, Uint8Array] = [new Uint8Array(32), new Uint8Array(32), new Uint8Array(8)];
    slices[2][0] = 1;
    send({ type: 'labels', volumeId: second.id, labels, slices });
    const stepAtEdit = events.filter((m) => m.type === 'step').length;
    await until('step', (m) => m.report.step >= stepAtEdit + 2);

    send({ type: 'pause' });
    await until('state', (m) => m.state === 'paused');
    const ckpt = await until('checkpoint');
    const decoded = decodeCheckpoint(ckpt.bytes);
    expect(decoded.step).toBe(ckpt.step);
    expect(decoded.classes.map((c) => c.name)).toEqual(['Organ', 'Lesion', 'Vessel']);
    expect(decoded.teacher).not.toBeNull();

    send({ type: 'predictAll' });
    const done = await until('predictAllDone');
    expect(done.cancelled).toBe(false);
    const vols = events.filter((m): m is Extract<FromWorker, { type: 'predictAllVolume' }> => m.type === 'predictAllVolume');
    expect(vols.map((v) => v.volumeId)).toEqual(volumes.map((v) => v.id));
    expect(vols[0]!.labels).toHaveLength(32 * 32 * 8);
    send({ type: 'stop' });
    await until('state', (m) => m.state === 'stopped');
    session.dispose();

    // A new session resumes from the checkpoint at its step.
    const second2 = harness();
    second2.send({
      type: 'start',
      config,
      classes,
      volumes: demoVolumes(),
      backendOrder: ['wasm'],
      skipSoftware: true,
      customKernels: true,
      modelSize: 'tiny',
      wasmPaths: '',
      checkpoint: ckpt.bytes,
      checkpointEveryMs: 3_600_000,
      texts: null,
      textVectors: null,
      tak: null,
      takVectors: null,
    });
    const again = await second2.until('ready');
    expect(again.resumedAt).toBe(ckpt.step);
    const next = await second2.until('step');
    expect(next.report.step).toBe(ckpt.step + 1);
    second2.send({ type: 'stop' });
    await second2.until('state', (m) => m.state === 'stopped');
    second2.session.dispose();
  }, 120_000);

  it('says plainly when there is nothing labeled to learn from', async () => {
    const { session, until, send } = harness();
    const volumes = demoVolumes().map((v) => ({
      ...v,
      labels: new Uint8Array(v.labels.length),
      slices: [new Uint8Array(32), new Uint8Array(32), new Uint8Array(8)] as [Uint8Array, Uint8Array, Uint8Array],
    }));
    send({
      type: 'start',
      config: presetConfig('supervised', { model: { width: 4, depth: 2 } }),
      classes: [{ value: 1, name: 'A' }],
      volumes,
      backendOrder: ['wasm'],
      skipSoftware: true,
      customKernels: true,
      modelSize: 'tiny',
      wasmPaths: '',
      checkpoint: null,
      checkpointEveryMs: 1e9,
      texts: null,
      textVectors: null,
      tak: null,
      takVectors: null,
    });
    const err = await until('error');
    expect(err.message).toMatch(/No labeled slices/);
    session.dispose();
  }, 60_000);

  it('scores uncertainty from 0 (certain) to 255 (uniform)', () => {
    const u = uncertaintyBytes(Float32Array.from([1, 0, 0, 1 / 3, 1 / 3, 1 / 3]), 3);
    expect(Array.from(u)).toEqual([0, 255]);
  });

  it('promptssl: pre-trains the vision–language model first, then trains with text-mask layers, and re-encodes edited texts', async () => {
    const { session, until, send, events } = harness();
    const volumes = demoVolumes();
    const config = presetConfig('promptssl', {
      model: { width: 4, depth: 2 },
      batchLabeled: 2,
      batchUnlabeled: 2,
      vlm: { steps: 4, dim: 16, depth: 1, patchSize: 8, batch: 4 },
      validation: { everySteps: 1000 },
    });
    const classes = DEMO_CLASSES.map((c) => ({ value: c.value, name: c.name }));
    const texts = workspaceTexts(DEMO_CLASSES, ['a liver with one lesion', 'a liver without lesion'], 'MR');
    send({
      type: 'start',
      config,
      classes,
      volumes,
      backendOrder: ['wasm'],
      skipSoftware: true,
      customKernels: true,
      modelSize: 'tiny',
      wasmPaths: '',
      checkpoint: null,
      checkpointEveryMs: 3_600_000,
      texts,
      textVectors: null,
      tak: null,
      takVectors: null,
    });
    send({ type: 'watch', volumeId: volumes[0]!.id, ks: [4] });
    expect((await until('phase')).phase).toBe('pretraining');
    const retrieval = await until('vlmRetrieval');
    expect(retrieval.report.candidates).toBeGreaterThanOrEqual(4);
    const vlm = await until('vlmStep', (m) => m.report.step === 4);
    expect(vlm.totalSteps).toBe(4);
    expect(Object.keys(vlm.report.losses.terms)).toEqual(['ls', 'gs']);
    await until('phase', (m) => m.phase === 'training');
    const encoder = await until('textEncoder');
    expect(encoder.provider).toBe('learned');
    expect(encoder.texts).toBe(4);
    // Segmentation steps carry the text head's terms; the watched slice gets text layers with its prediction.
    const step = await until('step', (m) => m.report.step >= 1);
    expect(step.report.text).not.toBeNull();
    const pred = await until('prediction', (m) => m.text !== null);
    const per = 32 * 32;
    expect(pred.text!.labels).toHaveLength(per);
    expect(pred.text!.merged).toHaveLength(per);
    expect(pred.text!.activation).toHaveLength(3 * per);
    for (const v of new Set([...pred.text!.labels, ...pred.text!.merged])) expect([0, 1, 2, 3]).toContain(v);
    // A new description for a class: the prompts are re-encoded and training goes on.
    const before = events.filter((m) => m.type === 'textEncoder').length;
    send({ type: 'texts', texts: { ...texts, classes: [texts.classes[0]!, 'a small round dark spot', texts.classes[2]!] }, vectors: null });
    const after = await until('textEncoder', () => events.filter((m) => m.type === 'textEncoder').length > before);
    expect(after.step).toBeGreaterThanOrEqual(1);
    const later = await until('step', (m) => m.report.step > after.step);
    expect(Number.isFinite(later.report.losses.total)).toBe(true);
    // Pause: the checkpoint carries the aligned model, its tokenizer and the decoder…
    send({ type: 'pause' });
    const ckpt = await until('checkpoint');
    const saved = decodeCheckpoint(ckpt.bytes).text!;
    expect(saved.pretrainSteps).toBe(4);
    expect(saved.decoder!.length).toBeGreaterThan(5);
    expect(saved.texts.classes[1]).toBe('a small round dark spot');
    send({ type: 'stop' });
    await until('state', (m) => m.state === 'stopped');
    session.dispose();
    // …so a resumed run goes straight to segmentation, without pre-training again.
    const second = harness();
    second.send({
      type: 'start',
      config,
      classes,
      volumes: demoVolumes(),
      backendOrder: ['wasm'],
      skipSoftware: true,
      customKernels: true,
      modelSize: 'tiny',
      wasmPaths: '',
      checkpoint: ckpt.bytes,
      checkpointEveryMs: 3_600_000,
      texts,
      textVectors: null,
      tak: null,
      takVectors: null,
    });
    expect((await second.until('ready')).resumedAt).toBe(ckpt.step);
    expect((await second.until('phase')).phase).toBe('training');
    await second.until('step', (m) => m.report.step > ckpt.step && m.report.text !== null);
    expect(second.events.some((m) => m.type === 'vlmStep')).toBe(false);
    second.send({ type: 'stop' });
    await second.until('state', (m) => m.state === 'stopped');
    second.session.dispose();
  }, 120_000);
});

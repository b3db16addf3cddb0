import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { DEMO_CLASSES } from '../demo/generateDemo.ts';
import { takPromptTexts } from '../text/takPrompts.ts';
import { workspaceTexts } from '../text/workspaceTexts.ts';
import { decodeCheckpoint } from './checkpoint.ts';
import { presetConfig } from './config.ts';
import type { FromWorker } from './protocol.ts';
import { CLASSES, demoVolumes, DIMS, harness, PATCH, start } from './testing/session3d.ts';

/*
 * The worker's session with the 3D network, driven through its protocol as the app drives it: the same events as
 * in 2D (ready, steps, predictions for the slices on screen, predict-all, checkpoints, resume), plus the memory
 * verdict that comes first and TAK's prompt vectors. Small demo volumes and an 8×16×16 patch keep a step near a
 * second on WebAssembly.
 */

describe('training session with the 3D network', () => {
  it("mean teacher: ready with three patch sides → steps → the watched slice's prediction → predict-all → checkpoint → resume", async () => {
    const { until, send, events, stop } = harness();
    const first = start();
    const volumeId = first.volumes[0]!.id;
    send(first);
    // The memory verdict comes before the network is built, then `ready` says which network trains.
    const memory = await until('memory');
    expect(memory.reason).toBeNull();
    expect(memory.used).toEqual(memory.requested);
    expect(memory.used!.patch).toEqual(PATCH);
    expect(memory.estimateBytes).toBeGreaterThan(0);
    expect(memory.estimateBytes).toBeLessThanOrEqual(memory.budgetBytes);
    expect(memory.budgetSource).toBe('the WebAssembly heap');
    const ready = await until('ready');
    expect(events.findIndex((e) => e.type === 'memory')).toBeLessThan(events.findIndex((e) => e.type === 'ready'));
    expect(ready.network).toBe('3d');
    expect(ready.patch).toEqual(PATCH);
    expect(ready.modelSize).toBe('tiny');
    expect(ready.labeledSlices).toBe([...first.volumes[0]!.slices[2]].filter((p) => p !== 0).length);

    send({ type: 'watch', volumeId, ks: [3, 2, 4] });
    const p = await until('prediction', (m) => m.k === 3);
    expect(p.step).toBeGreaterThanOrEqual(1);
    expect(p.labels).toHaveLength(DIMS[0] * DIMS[1]);
    expect(p.uncertainty).toHaveLength(DIMS[0] * DIMS[1]);
    expect(p.text).toBeNull();
    for (const v of new Set(p.labels)) expect([0, 1, 2, 3]).toContain(v);
    const step = await until('step', (m) => m.report.step >= 2);
    expect(Number.isFinite(step.report.losses.total)).toBe(true);
    expect(step.report.losses.consistency).toBeGreaterThanOrEqual(0);

    // A label edit while training: the second volume gains a labeled slice; steps go on.
    const labels = new Uint8Array(DIMS[0] * DIMS[1] * DIMS[2]);
    labels.fill(1, 0, 200);
    const slices: [Uint8Array, Uint8Array, Uint8Array] = [new Uint8Array(DIMS[0]), new Uint8Array(DIMS[1]), new Uint8Array(DIMS[2])];
    slices[2][0] = 1;
    send({ type: 'labels', volumeId: first.volumes[1]!.id, labels, slices });
    const afterEdit = step.report.step;
    await until('step', (m) => m.report.step >= afterEdit + 1);

    send({ type: 'predictAll' });
    const done = await until('predictAllDone');
    expect(done.cancelled).toBe(false);
    const vols = events.filter((m): m is Extract<FromWorker, { type: 'predictAllVolume' }> => m.type === 'predictAllVolume');
    expect(vols.map((v) => v.volumeId)).toEqual(first.volumes.map((v) => v.id));
    expect(vols[0]!.labels).toHaveLength(DIMS[0] * DIMS[1] * DIMS[2]);
    for (const v of new Set(vols[0]!.labels)) expect([0, 1, 2, 3]).toContain(v);
    const progress = events.filter((m): m is Extract<FromWorker, { type: 'predictAllProgress' }> => m.type === 'predictAllProgress');
    expect(progress.at(-1)).toMatchObject({ done: 2 * DIMS[2], total: 2 * DIMS[2] });

    send({ type: 'pause' });
    const ckpt = await until('checkpoint');
    const saved = decodeCheckpoint(ckpt.bytes);
    expect(saved.config.model.kind).toBe('3d');
    // The patch as it ran, so resume and `pseudolab predict` slide the same window.
    expect(saved.config.patch3d).toEqual(PATCH);
    expect(saved.teacher).not.toBeNull();
    expect(saved.tak).toBeNull();
    await stop();

    const again = harness();
    again.send(start({ checkpoint: ckpt.bytes }));
    const resumed = await again.until('ready');
    expect(resumed).toMatchObject({ network: '3d', resumedAt: ckpt.step, patch: PATCH });
    expect((await again.until('step')).report.step).toBe(ckpt.step + 1);
    await again.stop();
  }, 300_000);

  it('cancelling predict-all stops inside the volume being predicted, and training goes on', async () => {
    // The cancel arrives as a later task, as a worker message does, not inside the progress callback.
    const { until, send, events, stop } = harness((m, s) => {
      if (m.type === 'predictAllProgress' && m.done < m.total) setTimeout(() => s.handle({ type: 'cancelPredictAll' }), 0);
    });
    send(start({ volumes: demoVolumes().slice(0, 1) }));
    const step = await until('step');
    send({ type: 'predictAll' });
    expect((await until('predictAllDone')).cancelled).toBe(true);
    expect(events.some((m) => m.type === 'predictAllVolume')).toBe(false);
    await until('step', (m) => m.report.step > step.report.step + 1);
    await stop();
  }, 120_000);

  it('Stop during predict-all ends it within a batch of windows and the last checkpoint follows at once', async () => {
    // Stop arrives as a later task, as a worker message does. Without the stop check predict-all would finish every
    // volume before the run's last checkpoint, and the app ends a worker that is silent for long after Stop.
    const { until, send, events, session } = harness((m, s) => {
      if (m.type === 'predictAllProgress' && m.done > 0 && m.done < m.total) setTimeout(() => s.handle({ type: 'stop' }), 0);
    });
    send(start());
    await until('step');
    send({ type: 'predictAll' });
    await until('state', (m) => m.state === 'stopped');
    expect((await until('predictAllDone')).cancelled).toBe(true);
    const checkpoint = await until('checkpoint');
    // Neither volume was finished: the first was cut inside its windows.
    expect(events.filter((m) => m.type === 'predictAllVolume')).toHaveLength(0);
    expect(events.indexOf(checkpoint)).toBeGreaterThan(events.findIndex((m) => m.type === 'predictAllDone'));
    session.dispose();
  }, 120_000);

  it('Stop during a live 3D pass is answered within a batch of windows, not after the slab', async () => {
    // The watched slices 0 and 7 are one slab: 16 windows of 8×16×16 over 64×64×8, in batches of one or two. Stop
    // arrives as a later task after the first batch; the pass must end before the slab is done, so no prediction.
    let checks = 0;
    const { until, send, events, session } = harness();
    const first = start({ volumes: demoVolumes([64, 64, 8]).slice(0, 1) });
    send(first);
    await until('step');
    const trainer = (session as unknown as { trainer: { interrupt: () => boolean } }).trainer;
    const interrupt = trainer.interrupt;
    trainer.interrupt = () => {
      if (++checks === 2) setTimeout(() => session.handle({ type: 'stop' }), 0);
      return interrupt();
    };
    send({ type: 'watch', volumeId: first.volumes[0]!.id, ks: [0, 7] });
    await until('state', (m) => m.state === 'stopped');
    await until('checkpoint');
    expect(checks).toBeGreaterThanOrEqual(3);
    expect(events.filter((m) => m.type === 'prediction')).toHaveLength(0);
    session.dispose();
  }, 120_000);

  it('the size WebAssembly gets by default (small) fits the demo as it is, with no "trains smaller" warning', async () => {
    const { until, send, session } = harness((m, s) => {
      if (m.type === 'memory') s.handle({ type: 'stop' });
    });
    send(start({ modelSize: 'small', volumes: demoVolumes([96, 96, 48]), config: presetConfig('mean-teacher', { model: { kind: '3d' } }) }));
    const memory = await until('memory');
    expect(memory.requested).toMatchObject({ batchLabeled: 2, batchUnlabeled: 2, width: 8 });
    expect(memory.reason).toBeNull();
    expect(memory.used).toEqual(memory.requested);
    await until('state', (m) => m.state === 'stopped');
    session.dispose();
  }, 120_000);

  it('a run that does not fit is made smaller, says why, and builds the smaller network', async () => {
    // Stop as soon as the verdict arrives: only the shapes matter here, not a step of a large network.
    const { until, send, session } = harness((m, s) => {
      if (m.type === 'memory') s.handle({ type: 'stop' });
    });
    send(start({ modelSize: 'standard', config: presetConfig('mean-teacher', { model: { kind: '3d' }, patch3d: [16, 64, 64] }) }));
    const memory = await until('memory');
    expect(memory.requested).toEqual({ patch: [16, 64, 64], batchLabeled: 4, batchUnlabeled: 4, width: 16 });
    expect(memory.reason).toMatch(/over the 2048 MiB budget/);
    const used = memory.used!;
    expect(used.batchLabeled).toBe(1);
    expect(used.patch[0] * used.patch[1] * used.patch[2]).toBeLessThan(16 * 64 * 64);
    expect(memory.estimateBytes).toBeLessThanOrEqual(memory.budgetBytes);
    const ready = await until('ready');
    expect(ready.patch).toEqual(used.patch);
    expect(ready.width).toBe(used.width);
    await until('state', (m) => m.state === 'stopped');
    session.dispose();
  }, 120_000);

  it('tak: encodes the position and shape prompts, names the encoder, re-encodes an edit without restarting, and resumes with the saved vectors', async () => {
    const { until, send, events, stop } = harness();
    const tak = takPromptTexts(DEMO_CLASSES, 'MR');
    const texts = workspaceTexts(DEMO_CLASSES, ['a liver with one lesion', 'a liver without lesion'], 'MR');
    const config = presetConfig('tak', { patch3d: PATCH, tak: { conWarmupSteps: 1, samplesPerClass: 4 }, validation: { everySteps: 1000 } });
    const volumes = demoVolumes();
    send(start({ config, volumes, texts, tak }));
    expect((await until('ready')).network).toBe('3d');
    const encoder = await until('textEncoder');
    expect(encoder.provider).toBe('learned');
    expect(encoder.name).toMatch(/learned text transformer/);
    // The tiny model's text tower is 32 wide; a position and a shape prompt per class, background included.
    expect(encoder.dim).toBe(32);
    expect(encoder.texts).toBe(2 * (CLASSES.length + 1));
    const s2 = await until('step', (m) => m.report.step >= 2);
    expect(s2.report.tak).not.toBeNull();
    expect(s2.report.tak!.lambdaC).toBeGreaterThan(0);

    const edited = { ...tak, shape: [tak.shape[0]!, 'a large smooth wedge', ...tak.shape.slice(2)] };
    const before = events.filter((m) => m.type === 'textEncoder').length;
    send({ type: 'takTexts', texts: edited, vectors: null });
    const after = await until('textEncoder', () => events.filter((m) => m.type === 'textEncoder').length > before);
    expect(after.step).toBeGreaterThanOrEqual(2);
    expect(events.some((m) => m.type === 'state' && m.state === 'starting' && events.indexOf(m) > events.indexOf(after))).toBe(false);
    const later = await until('step', (m) => m.report.step > after.step);
    expect(Number.isFinite(later.report.losses.total)).toBe(true);

    send({ type: 'pause' });
    const ckpt = await until('checkpoint');
    const saved = decodeCheckpoint(ckpt.bytes);
    expect(saved.config.preset).toBe('tak');
    expect(saved.tak!.texts).toEqual(edited);
    expect(saved.tak!.position).toHaveLength((CLASSES.length + 1) * 32);
    await stop();

    // Resumed with the texts it was saved with: the saved vectors come back, before the head's weights.
    const again = harness();
    again.send(start({ config, volumes: demoVolumes(), texts, tak: edited, checkpoint: ckpt.bytes }));
    expect((await again.until('ready')).resumedAt).toBe(ckpt.step);
    expect((await again.until('textEncoder')).name).toBe(after.name);
    expect((await again.until('step')).report.step).toBe(ckpt.step + 1);
    expect(again.events.some((m) => m.type === 'error')).toBe(false);
    await again.stop();
  }, 300_000);

  it('tak: a prompt bank that holds every prompt drives the head; one that lacks some gives way to the learned tower, with a notice', async () => {
    const tak = takPromptTexts(DEMO_CLASSES, 'MR');
    const all = [...tak.position, ...tak.shape];
    const dim = 6;
    const bank = {
      provider: 'import' as const,
      name: 'bank.json',
      dim,
      entries: all.map((text, n) => ({ text, vector: Float32Array.from({ length: dim }, (_, d) => (d === n % dim ? 2 : 0.1)) })),
    };
    const config = presetConfig('tak', { patch3d: PATCH, validation: { everySteps: 1000 } });

    const full = harness();
    full.send(start({ config, tak, takVectors: bank }));
    const e = await full.until('textEncoder');
    expect(e).toMatchObject({ provider: 'import', dim, texts: all.length });
    expect(e.name).toMatch(/^bank\.json/);
    await full.until('step');
    await full.stop();

    const partial = harness();
    partial.send(start({ config, tak, takVectors: { ...bank, entries: bank.entries.slice(1) } }));
    const notice = await partial.until('notice');
    expect(notice.message).toMatch(/bank\.json has no vector for some of TAK’s position and shape prompts/);
    expect((await partial.until('textEncoder')).provider).toBe('learned');
    await partial.stop();
  }, 180_000);
});

import { DEMO_CLASSES, generateDemoDataset } from '../../demo/generateDemo.ts';
import { presetConfig } from '../config.ts';
import type { FromWorker, ToWorker, WorkerVolume } from '../protocol.ts';
import { TrainingSession } from '../TrainingSession.ts';
import { startMessage } from './startMessage.ts';

/*
 * A TrainingSession with the 3D network, driven through its protocol as the app drives it, for the session's tests
 * (TrainingSession3D.node.test.ts) and the CLI's (a session's checkpoint read by `pseudolab predict`). Small demo
 * volumes and an 8×16×16 patch keep a step near a second on WebAssembly.
 */

export const DIMS: [number, number, number] = [32, 32, 8];
export const PATCH: [number, number, number] = [8, 16, 16];
export const CLASSES = DEMO_CLASSES.map((c) => ({ value: c.value, name: c.name }));

export function demoVolumes(dims: [number, number, number] = DIMS): WorkerVolume[] {
  const demo = generateDemoDataset({ count: 2, dims });
  return demo.volumes.map((v, n) => {
    const l = demo.initialLabels[n]!;
    if (n === 0) {
      const per = dims[0] * dims[1];
      for (const k of [2, 5]) {
        l.voxels.set(demo.groundTruth[0]!.subarray(k * per, (k + 1) * per), k * per);
        l.slices[2][k] = 1;
      }
    }
    return { id: v.id, validation: [], dims: v.geometry.dims, spacing: v.geometry.spacing, channels: 1, voxels: v.voxels, labels: l.voxels, slices: l.slices };
  });
}

/** Drives a session as the UI does, collecting events; `onEvent` runs synchronously inside the emit. */
export function harness(onEvent?: (m: FromWorker, session: TrainingSession) => void) {
  const events: FromWorker[] = [];
  const waiters: { pred: (m: FromWorker) => boolean; resolve: (m: FromWorker) => void }[] = [];
  const session: TrainingSession = new TrainingSession((m) => {
    events.push(m);
    onEvent?.(m, session);
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
    ms = 90_000,
  ): Promise<Extract<FromWorker, { type: T }>> =>
    new Promise((resolve, reject) => {
      const match = (m: FromWorker) => m.type === type && pred(m as Extract<FromWorker, { type: T }>);
      const found = events.find(match);
      if (found) return resolve(found as Extract<FromWorker, { type: T }>);
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no ${type} event; got ${events
                .filter((e) => e.type !== 'step' && e.type !== 'prediction')
                .map((e) => e.type + (e.type === 'error' || e.type === 'notice' ? `: ${e.message}` : ''))
                .join(', ')}`,
            ),
          ),
        ms,
      );
      waiters.push({ pred: match, resolve: (m) => (clearTimeout(timer), resolve(m as Extract<FromWorker, { type: T }>)) });
    });
  const send = (m: ToWorker) => session.handle(m);
  const stop = async () => {
    send({ type: 'stop' });
    await until('state', (m) => m.state === 'stopped');
    session.dispose();
  };
  return { session, events, until, send, stop };
}

export function start(overrides: Partial<Extract<ToWorker, { type: 'start' }>> = {}): Extract<ToWorker, { type: 'start' }> {
  return startMessage({
    config: presetConfig('mean-teacher', { model: { kind: '3d' }, patch3d: PATCH, validation: { everySteps: 2, minLabeledSlices: 1000 } }),
    classes: CLASSES,
    volumes: demoVolumes(),
    ...overrides,
  });
}

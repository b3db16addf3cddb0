import type { FromWorker } from '../protocol.ts';
import { yieldToMessages } from '../yieldToMessages.ts';
import type { PreparedRun } from './runPreparation.ts';
import { predictVolume } from './trainerOps.ts';
import { classValuesOf } from './workerVolumes.ts';

/**
 * Every volume of the run predicted whole, one after another, with progress in slices over all of them. `stop`
 * ends it between windows (Cancel, and Stop too: the run's last checkpoint must not wait for every volume);
 * `cancelled` is asked again between volumes.
 */
export async function predictAllVolumes(run: PreparedRun, o: { stop: () => boolean; cancelled: () => boolean; emit: (m: FromWorker) => void }): Promise<void> {
  const values = run.classes.map((c) => c.value);
  const total = run.volumes.reduce((n, v) => n + v.dims[2], 0);
  let done = 0;
  for (let i = 0; i < run.volumes.length; i++) {
    const v = run.volumes[i]!;
    const before = done;
    const classes = await predictVolume(run.trainer, run.trainingVolumes[i]!, {
      onProgress: (d) => o.emit({ type: 'predictAllProgress', done: before + d, total }),
      shouldStop: o.stop,
      overlap3D: run.predictAllOverlap3D,
    });
    if (!classes) {
      o.emit({ type: 'predictAllDone', cancelled: true });
      return;
    }
    done += v.dims[2];
    o.emit({ type: 'predictAllVolume', volumeId: v.id, labels: classValuesOf(classes, values) });
    await yieldToMessages();
    if (o.cancelled()) {
      o.emit({ type: 'predictAllDone', cancelled: true });
      return;
    }
  }
  o.emit({ type: 'predictAllDone', cancelled: false });
}

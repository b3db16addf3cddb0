import { withLabels } from '../../data/trainingVolume.ts';
import type { ToWorker } from '../protocol.ts';
import type { PreparedRun } from './runPreparation.ts';
import { asLabelMap, classValuesOf, writeKSlices } from './workerVolumes.ts';

type LabelUpdate = { labels: Uint8Array; slices: [Uint8Array, Uint8Array, Uint8Array] };

/**
 * Label edits made while training, held until the loop is between two steps (a step must not see its volume
 * change under it), newest wins per volume.
 */
export class LabelUpdates {
  private readonly pending = new Map<string, LabelUpdate>();

  get size(): number {
    return this.pending.size;
  }

  /** A whole volume's labels (class values) and labeled-slice flags. */
  replace(volumeId: string, update: LabelUpdate): void {
    this.pending.set(volumeId, update);
  }

  /** Only some k-slices changed: written into the newest labels, an update not yet applied, else the trainer's own. */
  patch(run: PreparedRun | null, m: Extract<ToWorker, { type: 'labelSlices' }>): void {
    const index = run ? run.volumes.findIndex((v) => v.id === m.volumeId) : -1;
    const trained = run?.trainingVolumes[index];
    if (!run || index < 0 || !trained) return;
    const labels =
      this.pending.get(m.volumeId)?.labels ??
      classValuesOf(
        trained.labels,
        run.classes.map((c) => c.value),
      );
    writeKSlices(labels, trained.dims[0] * trained.dims[1], m.ks, m.values);
    this.pending.set(m.volumeId, { labels, slices: m.slices });
  }

  /** Hands the held edits to the run's volumes and trainer; the labeled pools are rebuilt from them. */
  apply(run: PreparedRun): void {
    if (this.pending.size === 0) return;
    const values = run.classes.map((c) => c.value);
    for (const [id, update] of this.pending) {
      const index = run.volumes.findIndex((v) => v.id === id);
      if (index < 0) continue;
      const next = withLabels(run.trainingVolumes[index]!, asLabelMap({ dims: run.volumes[index]!.dims, ...update }), values);
      run.trainingVolumes[index] = next;
      run.trainer.updateVolume(index, next);
    }
    this.pending.clear();
  }
}

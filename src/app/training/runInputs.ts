import type { AppState } from '../../store/appStore.ts';
import type { NewAppMessage } from '../../store/types.ts';
import { BACKEND_ORDER, type BackendName } from '../../train/backendNames.ts';
import type { WorkerVolume } from '../../train/protocol.ts';

/** What a run trains on: the workspace's classes and the volumes of the active volume's kind, copied for the worker. */
export interface RunInputs {
  classes: { value: number; name: string }[];
  volumes: WorkerVolume[];
  /** Each volume's labels version as copied, so a later edit is known to be unsent. */
  versions: Map<string, number>;
}

/**
 * The run's inputs, or null when there is nothing to train on; `notices` says why, and which volumes were left out.
 * A run mixes no grey and colour volumes: the network's input channels are fixed by the first volume it sees.
 */
export function gatherRunInputs(s: AppState): { inputs: RunInputs | null; notices: NewAppMessage[] } {
  const notices: NewAppMessage[] = [];
  const classes = s.classes.map((c) => ({ value: c.value, name: c.name }));
  if (classes.length === 0) {
    notices.push({ severity: 'error', subject: 'Training', text: 'Add a class before training: the model needs to know what to segment.' });
    return { inputs: null, notices };
  }
  const active = s.activeVolumeId ? s.volumes[s.activeVolumeId] : undefined;
  const channels = active?.volume.channels ?? 1;
  const entries = s.volumeOrder.map((id) => s.volumes[id]!).filter((e) => e.volume.channels === channels);
  if (entries.length < s.volumeOrder.length) {
    notices.push({
      severity: 'warning',
      subject: 'Training',
      text: `${s.volumeOrder.length - entries.length} volume(s) of another kind (grey vs colour) are left out of this run.`,
    });
  }
  const labeledSlices = entries.reduce(
    (n, e) =>
      n +
      e.labels.slices[2].filter((p) => p !== 0).length +
      e.labels.slices[0].filter((p) => p !== 0).length +
      e.labels.slices[1].filter((p) => p !== 0).length,
    0,
  );
  if (labeledSlices === 0) {
    notices.push({ severity: 'error', subject: 'Training', text: 'Label at least one slice first: paint a structure, or mark a slice as labeled.' });
    return { inputs: null, notices };
  }
  // The worker gets its own copies (transferred): the viewer keeps painting into ours.
  const volumes: WorkerVolume[] = entries.map((e) => ({
    id: e.volume.id,
    validation: e.validation.filter((k) => e.labels.slices[2][k] !== 0),
    dims: [...e.volume.geometry.dims],
    spacing: [...e.volume.geometry.spacing],
    channels: e.volume.channels,
    voxels: e.volume.voxels.slice(),
    labels: e.committed.slice(),
    slices: [e.labels.slices[0].slice(), e.labels.slices[1].slice(), e.labels.slices[2].slice()],
  }));
  return { inputs: { classes, volumes, versions: new Map(entries.map((e) => [e.volume.id, e.labelsVersion])) }, notices };
}

/** The backends the worker tries, in order: the user's choice first, or the fastest first on Auto. */
export function backendOrderOf(preference: 'auto' | BackendName): BackendName[] {
  return preference === 'auto' ? [...BACKEND_ORDER] : [preference, ...BACKEND_ORDER.filter((b) => b !== preference)];
}

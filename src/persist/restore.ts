import type { AppStore } from '../store/appStore.ts';
import type { LabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { readLabelChunks, readVoxelChunks, readWorkspace, type Database } from './database.ts';
import { fromLabelsRecord, SCHEMA_VERSION, type LabelsRecord, type VolumeRecord } from './records.ts';

export interface RestoreResult {
  restored: boolean;
  volumeIds: string[];
  labelVersions: Map<string, number>;
  savedAt: number | null;
  problems: string[];
  /** Stored hashes of each restored volume's label chunks (chunked records only): the autosaver's baseline. */
  labelHashes: Map<string, Uint32Array>;
  /** Stored volumes the workspace does not list (e.g. removed while their voxels were being written). */
  orphanIds: string[];
}

/** Voxels for a stored volume that kept none (demo volumes regenerate from their seed). */
export type RegenerateVoxels = (volume: Omit<Volume, 'voxels'>) => Volume['voxels'] | null;

/**
 * Loads the stored workspace into the store exactly as it was saved: volumes in order, labels with their
 * labeled-slice flags, classes, tool settings, each volume's view and the active volume.
 */
export async function restoreWorkspace(db: Database, store: AppStore, regenerate: RegenerateVoxels): Promise<RestoreResult> {
  const none: RestoreResult = { restored: false, volumeIds: [], labelVersions: new Map(), savedAt: null, problems: [], labelHashes: new Map(), orphanIds: [] };
  const stored = await readWorkspace(db);
  if (!stored) return none;
  const { workspace } = stored;
  if (workspace.schema !== SCHEMA_VERSION) {
    return { ...none, problems: [`The saved workspace uses storage format ${workspace.schema}; this version reads ${SCHEMA_VERSION}.`] };
  }
  const problems: string[] = [];
  const volumesById = new Map(stored.volumes.map((v) => [v.id, v]));
  const labelsById = new Map(stored.labels.map((l) => [l.id, l]));
  const items: { volume: Volume; labels?: LabelMap; labelSource: string | null }[] = [];
  const labelVersions = new Map<string, number>();
  const labelHashes = new Map<string, Uint32Array>();
  const listed = new Set(workspace.volumeOrder);
  const orphanIds = [...new Set([...volumesById.keys(), ...labelsById.keys()])].filter((id) => !listed.has(id));
  for (const id of workspace.volumeOrder) {
    const rec = volumesById.get(id);
    if (!rec) {
      problems.push(`A saved volume (${id}) is missing from storage and was skipped.`);
      continue;
    }
    let voxels: Volume['voxels'] | null;
    try {
      voxels = await storedVoxels(db, rec, regenerate);
    } catch (e) {
      problems.push(`${rec.volume.name}: its stored voxels are damaged (${(e as Error).message}) and it was skipped.`);
      continue;
    }
    if (!voxels) {
      problems.push(`${rec.volume.name}: its voxels could not be restored and it was skipped.`);
      continue;
    }
    const lrec = labelsById.get(id);
    let labels;
    try {
      labels = lrec ? await storedLabels(db, lrec) : undefined;
      if (lrec?.chunks && labels) labelHashes.set(id, lrec.chunks.hashes);
    } catch (e) {
      problems.push(`${rec.volume.name}: saved labels are damaged (${(e as Error).message}); it opens unlabeled.`);
    }
    // An edited description lives in the workspace record ('' when cleared); older workspaces have only the
    // description the volume was opened with.
    const edited = workspace.descriptions?.[id];
    const volume: Volume = { ...rec.volume, voxels };
    if (edited !== undefined) {
      if (edited === '') delete volume.description;
      else volume.description = edited;
    }
    items.push({ volume, labels, labelSource: workspace.labelSources[id] ?? null });
    // Versions restart at 0 in memory; record the stored labels as the saved state of version 0.
    if (labels) labelVersions.set(id, 0);
  }
  const s = store.getState();
  s.clearVolumes();
  s.setClasses(workspace.classes);
  if (workspace.activeClassValue !== null) s.setActiveClass(workspace.activeClassValue);
  store.setState({ tools: { ...s.tools, ...workspace.tools } });
  s.addVolumes(items);
  for (const item of items) {
    const view = workspace.views[item.volume.id];
    if (view) store.getState().setViewState(item.volume.id, view);
    const validation = workspace.validation?.[item.volume.id];
    if (validation?.length) store.getState().setValidationSlices(item.volume.id, validation);
  }
  if (workspace.activeVolumeId && store.getState().volumes[workspace.activeVolumeId]) {
    store.getState().setActiveVolume(workspace.activeVolumeId);
  }
  return {
    restored: items.length > 0 || workspace.classes.length > 0,
    volumeIds: items.map((i) => i.volume.id),
    labelVersions,
    savedAt: workspace.savedAt,
    problems,
    labelHashes,
    orphanIds,
  };
}

/** Voxels from whichever form the record has: chunks (format 2), inline (format 1), or none (demo: regenerate). */
async function storedVoxels(db: Database, rec: VolumeRecord, regenerate: RegenerateVoxels): Promise<Volume['voxels'] | null> {
  if (rec.voxelChunks) return readVoxelChunks(db, rec);
  return rec.volume.voxels ?? regenerate(rec.volume);
}

async function storedLabels(db: Database, rec: LabelsRecord): Promise<LabelMap> {
  if (!rec.chunks) return fromLabelsRecord(rec);
  const expected = rec.dims[0] * rec.dims[1] * rec.dims[2];
  if (rec.chunks.byteLength !== expected) throw new Error(`stored labels have ${rec.chunks.byteLength} voxels, expected ${expected}`);
  const voxels = await readLabelChunks(db, rec.id, rec.chunks);
  return { dims: [...rec.dims], voxels, slices: [rec.slices[0], rec.slices[1], rec.slices[2]] };
}

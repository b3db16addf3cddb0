import type { AppStore } from '../store/appStore.ts';
import type { LabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { readStoredLabels, readVoxelChunks, readWorkspace, type Database } from './database.ts';
import { applyLabelDelta, SCHEMA_VERSION, type VolumeRecord } from './records.ts';

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
  /**
   * Per volume with stored deltas (edits not yet folded into its chunks), the last one's seq: the autosaver
   * numbers its own after it and folds these in with its first chunk save.
   */
  deltaSeqs: Map<string, number>;
}

/** Voxels for a stored volume that kept none (demo volumes regenerate from their seed). */
export type RegenerateVoxels = (volume: Omit<Volume, 'voxels'>) => Volume['voxels'] | null;

/**
 * Loads the stored workspace into the store exactly as it was saved: volumes in order, labels with their
 * labeled-slice flags, classes, tool settings, each volume's view and the active volume.
 */
export async function restoreWorkspace(db: Database, store: AppStore, regenerate: RegenerateVoxels): Promise<RestoreResult> {
  const none: RestoreResult = {
    restored: false,
    volumeIds: [],
    labelVersions: new Map(),
    savedAt: null,
    problems: [],
    labelHashes: new Map(),
    orphanIds: [],
    deltaSeqs: new Map(),
  };
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
  const deltaSeqs = new Map<string, number>();
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
    let labels;
    try {
      const got = labelsById.has(id) ? await storedLabels(db, id) : null;
      if (got) {
        labels = got.labels;
        if (got.hashes) labelHashes.set(id, got.hashes);
        if (got.lastSeq >= 0) deltaSeqs.set(id, got.lastSeq);
      }
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
    deltaSeqs,
  };
}

/** Voxels from whichever form the record has: chunks (format 2), inline (format 1), or none (demo: regenerate). */
export async function storedVoxels(db: Database, rec: VolumeRecord, regenerate: RegenerateVoxels): Promise<Volume['voxels'] | null> {
  if (rec.voxelChunks) return readVoxelChunks(db, rec);
  return rec.volume.voxels ?? regenerate(rec.volume);
}

/**
 * A volume's labels as last saved: the chunks (or format 1's one deflate) with the stored deltas replayed in
 * order. `hashes` are those of the stored chunks, not of the result: the autosaver compares against what is
 * stored. `lastSeq` is the last delta's seq, -1 when there are none.
 */
export async function storedLabels(db: Database, id: string): Promise<{ labels: LabelMap; hashes: Uint32Array | null; lastSeq: number } | null> {
  const got = await readStoredLabels(db, id);
  if (!got) return null;
  const { record, voxels, deltas } = got;
  const labels: LabelMap = { dims: [...record.dims], voxels, slices: [record.slices[0].slice(), record.slices[1].slice(), record.slices[2].slice()] };
  let lastSeq = -1;
  for (const d of deltas) {
    applyLabelDelta(labels, d);
    lastSeq = Math.max(lastSeq, d.seq);
  }
  return { labels, hashes: record.chunks?.hashes ?? null, lastSeq };
}

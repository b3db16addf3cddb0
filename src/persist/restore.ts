import type { AppStore } from '../store/appStore.ts';
import type { LabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { readWorkspace, type Database } from './database.ts';
import { fromLabelsRecord, SCHEMA_VERSION } from './records.ts';

export interface RestoreResult {
  restored: boolean;
  volumeIds: string[];
  labelVersions: Map<string, number>;
  savedAt: number | null;
  problems: string[];
}

/** Voxels for a stored volume that kept none (demo volumes regenerate from their seed). */
export type RegenerateVoxels = (volume: Omit<Volume, 'voxels'>) => Volume['voxels'] | null;

/**
 * Loads the stored workspace into the store exactly as it was saved: volumes in order, labels with their
 * labeled-slice flags, classes, tool settings, each volume's view and the active volume.
 */
export async function restoreWorkspace(db: Database, store: AppStore, regenerate: RegenerateVoxels): Promise<RestoreResult> {
  const none: RestoreResult = { restored: false, volumeIds: [], labelVersions: new Map(), savedAt: null, problems: [] };
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
  for (const id of workspace.volumeOrder) {
    const rec = volumesById.get(id);
    if (!rec) {
      problems.push(`A saved volume (${id}) is missing from storage and was skipped.`);
      continue;
    }
    const voxels = rec.volume.voxels ?? regenerate(rec.volume);
    if (!voxels) {
      problems.push(`${rec.volume.name}: its voxels could not be restored and it was skipped.`);
      continue;
    }
    const lrec = labelsById.get(id);
    let labels;
    try {
      labels = lrec ? fromLabelsRecord(lrec) : undefined;
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
  return { restored: items.length > 0 || workspace.classes.length > 0, volumeIds: items.map((i) => i.volume.id), labelVersions, savedAt: workspace.savedAt, problems };
}

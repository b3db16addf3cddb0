import type { AppStore } from '../store/appStore.ts';
import type { VolumeEntry } from '../store/types.ts';
import { makeEntry } from '../store/workspaceSlice.ts';
import type { ClassDef } from '../volume/classes.ts';
import { readLabelDeltas, readWorkspace, type Database } from './database.ts';
import { SCHEMA_VERSION } from './records.ts';
import { storedLabels, storedVoxels, type RegenerateVoxels, type RestoreResult } from './restore.ts';

/**
 * A read-only tab becoming the writer (the writing tab closed or crashed) brings itself up to date with what
 * that tab stored, without losing what was done here. The merge, per volume:
 *
 * - a volume this tab changed (`changedHere`: painted, undone, opened here) keeps this tab's labels whole; the
 *   other tab's later edits of that same volume are dropped. Merging two people's strokes voxel by voxel has
 *   no right answer, and the person now at the remaining tab is looking at theirs;
 * - every other volume takes the stored labels (chunks and deltas), in place, so the viewer keeps its images;
 * - volumes the other tab opened are added, volumes it removed go (unless changed here), and the order is the
 *   stored one with this tab's own volumes after it;
 * - classes are the stored ones plus any value only this tab has; tool settings, views and the active volume
 *   stay as this tab has them.
 *
 * Returns what is stored as a restore does, for Autosaver.markStored: volumes changed here are not marked
 * stored, so the first save writes them; `deltaSeqs` covers them too, so that save also deletes the other
 * tab's deltas for them instead of leaving them to be replayed over this tab's labels.
 */
export async function adoptStoredWorkspace(
  db: Database,
  store: AppStore,
  regenerate: RegenerateVoxels,
  changedHere: ReadonlySet<string>,
): Promise<RestoreResult> {
  const result: RestoreResult = {
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
  if (!stored) return result;
  const { workspace } = stored;
  if (workspace.schema !== SCHEMA_VERSION) {
    result.problems.push(
      `The saved workspace uses storage format ${workspace.schema}; this version reads ${SCHEMA_VERSION}. This tab's workspace replaces it.`,
    );
    return result;
  }
  const recs = new Map(stored.volumes.map((v) => [v.id, v]));
  const listed = new Set(workspace.volumeOrder);
  result.orphanIds = [...recs.keys()].filter((id) => !listed.has(id));
  const here = store.getState();
  const entries: Record<string, VolumeEntry> = {};

  for (const id of workspace.volumeOrder) {
    const rec = recs.get(id);
    const mine = here.volumes[id];
    if (mine && changedHere.has(id)) {
      if (rec) result.volumeIds.push(id);
      const deltas = await readLabelDeltas(db, id);
      if (deltas.length) result.deltaSeqs.set(id, Math.max(...deltas.map((d) => d.seq)));
      continue;
    }
    if (!rec) continue;
    let got: Awaited<ReturnType<typeof storedLabels>>;
    try {
      got = await storedLabels(db, id);
    } catch (e) {
      result.problems.push(`${rec.volume.name}: the labels the other tab saved are damaged (${(e as Error).message}); this tab's are kept.`);
      continue;
    }
    const description = workspace.descriptions?.[id];
    if (mine) {
      // Same volume, same voxels: only labels, flags, validation and description come from storage.
      if (got) {
        if (got.labels.voxels.length !== mine.labels.voxels.length) {
          result.problems.push(`${rec.volume.name}: the saved labels do not fit the volume; this tab's are kept.`);
          continue;
        }
        mine.labels.voxels.set(got.labels.voxels);
        mine.committed.set(got.labels.voxels);
        for (const a of [0, 1, 2] as const) mine.labels.slices[a].set(got.labels.slices[a]);
      }
      const volume = { ...mine.volume };
      if (description !== undefined) {
        if (description === '') delete volume.description;
        else volume.description = description;
      }
      entries[id] = { ...mine, volume, labelsVersion: mine.labelsVersion + 1, validation: workspace.validation?.[id] ?? [] };
    } else {
      let voxels;
      try {
        voxels = await storedVoxels(db, rec, regenerate);
      } catch (e) {
        result.problems.push(`${rec.volume.name}: its stored voxels are damaged (${(e as Error).message}) and it was skipped.`);
        continue;
      }
      if (!voxels) continue;
      const volume = { ...rec.volume, voxels };
      if (description !== undefined) {
        if (description === '') delete volume.description;
        else volume.description = description;
      }
      entries[id] = {
        ...makeEntry(volume, got?.labels, workspace.labelSources[id] ?? null),
        validation: workspace.validation?.[id] ?? [],
        view: workspace.views[id] ?? null,
      };
    }
    result.volumeIds.push(id);
    if (got) {
      result.labelVersions.set(id, entries[id]!.labelsVersion);
      if (got.hashes) result.labelHashes.set(id, got.hashes);
      if (got.lastSeq >= 0) result.deltaSeqs.set(id, got.lastSeq);
    }
  }

  store.setState((s) => {
    const volumes: Record<string, VolumeEntry> = {};
    const history = { ...s.history };
    const order: string[] = [];
    for (const id of workspace.volumeOrder) {
      const e = entries[id] ?? (changedHere.has(id) ? s.volumes[id] : undefined);
      if (!e) continue;
      volumes[id] = e;
      order.push(id);
      // Undo steps recorded against the labels this tab had would rewrite the stored ones wrongly.
      if (entries[id]) history[id] = { undo: [], redo: [] };
    }
    for (const id of s.volumeOrder) {
      const e = s.volumes[id];
      if (e && !volumes[id] && changedHere.has(id)) {
        volumes[id] = e;
        order.push(id);
      }
    }
    for (const id of Object.keys(history)) if (!volumes[id]) delete history[id];
    const values = new Set(workspace.classes.map((c) => c.value));
    const classes: ClassDef[] = [...workspace.classes, ...s.classes.filter((c) => !values.has(c.value))];
    const active = s.activeVolumeId && volumes[s.activeVolumeId] ? s.activeVolumeId : (order[0] ?? null);
    const activeClassValue =
      s.activeClassValue !== null && classes.some((c) => c.value === s.activeClassValue) ? s.activeClassValue : (classes[0]?.value ?? null);
    return { volumes, history, volumeOrder: order, activeVolumeId: active, classes, activeClassValue };
  });
  result.restored = true;
  result.savedAt = workspace.savedAt;
  return result;
}

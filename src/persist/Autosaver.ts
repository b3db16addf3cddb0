import type { AppState, AppStore } from '../store/appStore.ts';
import { writeWorkspace, type Database } from './database.ts';
import { SCHEMA_VERSION, toLabelsRecord, toVolumeRecord, type LabelsRecord, type VolumeRecord, type WorkspaceRecord } from './records.ts';

export interface AutosaveOptions {
  /** Quiet time after the last change before saving: one save per burst of strokes. */
  debounceMs: number;
  /** A burst never delays a save longer than this, so a crash loses at most this much work. */
  maxDelayMs: number;
  /** After a failure (storage full, blocked), try again this often while work stays in memory. */
  retryMs: number;
}

export const DEFAULT_AUTOSAVE: AutosaveOptions = { debounceMs: 300, maxDelayMs: 2000, retryMs: 15_000 };

/** Names the failure the way a user can act on it. */
export function describeStorageError(e: unknown): string {
  const name = e instanceof Error || e instanceof DOMException ? e.name : '';
  const message = e instanceof Error || e instanceof DOMException ? e.message : String(e);
  if (name === 'QuotaExceededError' || /quota/i.test(message)) {
    return 'Browser storage is full. Your latest changes are kept in this tab only — export your labels, or free disk space; saving resumes by itself.';
  }
  if (name === 'InvalidStateError' || name === 'UnknownError') {
    return `Browser storage stopped working (${message}). Your changes are kept in this tab only — export your labels before closing it.`;
  }
  return `Saving failed: ${message}. Your changes are kept in this tab only; saving will be retried.`;
}

/**
 * Saves the workspace to IndexedDB as the user works. Owns its timers and store subscription; dispose() ends both.
 */
export class Autosaver {
  private savedVolumes = new Set<string>();
  private savedLabelVersions = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private firstChangeAt: number | null = null;
  private saving: Promise<void> | null = null;
  private dirtyWhileSaving = false;
  private lastErrorText: string | null = null;
  /** Set by every change, cleared when a save starts: a change during a save keeps the status at pending. */
  private dirty = false;
  private lastSavedAt: number | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: AppStore,
    private readonly db: Database,
    private readonly options: AutosaveOptions = DEFAULT_AUTOSAVE,
  ) {}

  /** Marks what is already stored (after a restore) so the first save writes only what changes. */
  markStored(volumeIds: string[], labelVersions: Map<string, number>, savedAt: number | null): void {
    for (const id of volumeIds) this.savedVolumes.add(id);
    for (const [id, v] of labelVersions) this.savedLabelVersions.set(id, v);
    this.lastSavedAt = savedAt;
    if (savedAt !== null) this.store.getState().setSaveState({ kind: 'saved', at: savedAt });
  }

  start(): void {
    this.unsubscribe = this.store.subscribe((s, prev) => {
      if (persistedPartChanged(s, prev)) this.schedule();
    });
  }

  dispose(): void {
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Saves now (page hide, tests); resolves once what was pending is written or has failed. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.saving) {
      this.dirtyWhileSaving = true;
      await this.saving;
    }
    await this.save();
  }

  private schedule(): void {
    // While saving is failing the error stays on screen; otherwise say at once that changes are unsaved.
    this.dirty = true;
    if (this.store.getState().save.kind !== 'error') this.store.getState().setSaveState({ kind: 'pending' });
    const now = Date.now();
    this.firstChangeAt ??= now;
    if (this.timer) clearTimeout(this.timer);
    const waited = now - this.firstChangeAt;
    const delay = Math.max(0, Math.min(this.options.debounceMs, this.options.maxDelayMs - waited));
    this.timer = setTimeout(() => void this.run(), delay);
  }

  private async run(): Promise<void> {
    this.timer = null;
    if (this.saving) {
      this.dirtyWhileSaving = true;
      return;
    }
    await this.save();
    if (this.dirtyWhileSaving) {
      this.dirtyWhileSaving = false;
      this.schedule();
    }
  }

  private save(): Promise<void> {
    const task = this.doSave().finally(() => {
      this.saving = null;
    });
    this.saving = task;
    return task;
  }

  private async doSave(): Promise<void> {
    this.firstChangeAt = null;
    this.dirty = false;
    const s = this.store.getState();
    const change = collectChange(s, this.savedVolumes, this.savedLabelVersions);
    s.setSaveState({ kind: 'saving' });
    try {
      await writeWorkspace(this.db, change);
      for (const v of change.volumes) this.savedVolumes.add(v.id);
      for (const l of change.labels) this.savedLabelVersions.set(l.id, l.version);
      for (const id of change.deleted) {
        this.savedVolumes.delete(id);
        this.savedLabelVersions.delete(id);
      }
      this.lastSavedAt = change.workspace.savedAt;
      this.store.getState().setSaveState(this.dirty ? { kind: 'pending' } : { kind: 'saved', at: change.workspace.savedAt });
      if (this.lastErrorText) {
        this.store.getState().pushMessage({ severity: 'info', subject: null, text: 'Saving works again; all changes are stored.' });
        this.lastErrorText = null;
      }
    } catch (e) {
      this.dirty = true;
      const text = describeStorageError(e);
      this.store.getState().setSaveState({ kind: 'error', at: Date.now(), message: text, lastSavedAt: this.lastSavedAt });
      // One message per kind of failure, not one per retry.
      if (text !== this.lastErrorText) this.store.getState().pushMessage({ severity: 'error', subject: 'Browser storage', text });
      this.lastErrorText = text;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.run(), this.options.retryMs);
    }
  }
}

function persistedPartChanged(s: AppState, p: AppState): boolean {
  if (s.volumeOrder !== p.volumeOrder || s.activeVolumeId !== p.activeVolumeId) return true;
  if (s.classes !== p.classes || s.activeClassValue !== p.activeClassValue || s.tools !== p.tools) return true;
  if (s.volumes === p.volumes) return false;
  for (const id of s.volumeOrder) {
    const a = s.volumes[id];
    const b = p.volumes[id];
    if (!a || !b || a.labelsVersion !== b.labelsVersion || a.view !== b.view || a.validation !== b.validation) return true;
    if (a.volume.description !== b.volume.description) return true;
  }
  return false;
}

export function collectChange(
  s: AppState,
  savedVolumes: ReadonlySet<string>,
  savedLabelVersions: ReadonlyMap<string, number>,
): { workspace: WorkspaceRecord; volumes: VolumeRecord[]; labels: LabelsRecord[]; deleted: string[] } {
  const volumes: VolumeRecord[] = [];
  const labels: LabelsRecord[] = [];
  const views: WorkspaceRecord['views'] = {};
  const labelSources: WorkspaceRecord['labelSources'] = {};
  const validation: Record<string, number[]> = {};
  const descriptions: Record<string, string> = {};
  for (const id of s.volumeOrder) {
    const e = s.volumes[id];
    if (!e) continue;
    views[id] = e.view;
    labelSources[id] = e.labelSource;
    if (e.validation.length) validation[id] = e.validation;
    descriptions[id] = e.volume.description ?? '';
    if (!savedVolumes.has(id)) volumes.push(toVolumeRecord(e.volume));
    if (savedLabelVersions.get(id) !== e.labelsVersion) {
      // Save the committed labels: the live buffer may hold half a brush stroke.
      labels.push(toLabelsRecord(id, { ...e.labels, voxels: e.committed }, e.labelsVersion));
    }
  }
  const deleted = [...savedVolumes].filter((id) => !s.volumes[id]);
  const workspace: WorkspaceRecord = {
    schema: SCHEMA_VERSION,
    savedAt: Date.now(),
    volumeOrder: s.volumeOrder,
    activeVolumeId: s.activeVolumeId,
    classes: s.classes,
    activeClassValue: s.activeClassValue,
    tools: s.tools,
    views,
    labelSources,
    validation,
    descriptions,
  };
  return { workspace, volumes, labels, deleted };
}
